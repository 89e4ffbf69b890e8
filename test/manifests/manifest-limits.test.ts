import { describe, expect, it } from "vitest";
import { maxManifestValues } from "../../src/manifests/manifest-file.js";
import { scanService } from "../../src/manifests/scan-service.js";
import { serviceSpec } from "../support/service-spec.js";

const deployment = `apiVersion: apps/v1
kind: Deployment
metadata: {name: sonarr}
spec:
  template:
    spec:
      volumes:
        - persistentVolumeClaim: {claimName: sonarr-config}
`;

describe("the parse budget of a managed file", () => {
  it("refuses, naming the file, a manifest with more values than the budget (a dense flow list)", () => {
    const dense = `${deployment}---\nlist: [${Array.from({ length: maxManifestValues + 1 }, () => "1").join(",")}]\n`;
    expect(dense.length).toBeLessThan(1024 * 1024);
    const analysis = scanService(serviceSpec(), new Map([["app.yaml", dense]]));
    expect(analysis.references).toEqual([]);
    expect(analysis.refusals[0]).toMatch(
      new RegExp(
        `^app\\.yaml: has about \\d+ YAML values \\(line breaks and commas\\), over the ${maxManifestValues} `,
      ),
    );
  });

  it("accepts a manifest just under the budget", () => {
    const lines = Array.from({ length: maxManifestValues - 100 }, (_, i) => `# line ${i}`).join("\n");
    const analysis = scanService(serviceSpec(), new Map([["app.yaml", `${deployment}${lines}\n`]]));
    expect(analysis.refusals).toEqual([]);
    expect(analysis.references).toHaveLength(1);
  });
});
