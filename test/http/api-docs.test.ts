import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { openApiDocument, renderApiMarkdown } from "../../scripts/api-docs.js";

describe("docs/api.md", () => {
  it("is the rendering of the OpenAPI document the server serves (run npm run docs:api)", async () => {
    const markdown = renderApiMarkdown(await openApiDocument());
    expect(markdown).toContain("## `POST /api/failover/{service}/promote`");
    expect(readFileSync(join(import.meta.dirname, "../../docs/api.md"), "utf8")).toBe(markdown);
  });
});
