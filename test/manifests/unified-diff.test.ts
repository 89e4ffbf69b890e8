import { execFileSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { unifiedDiff } from "../../src/manifests/unified-diff.js";

/** git's own diff of the same two texts, minus its header, as the reference implementation. */
function gitDiff(path: string, before: string, after: string): string {
  const dir = mkdtempSync(join(tmpdir(), "diff-"));
  writeFileSync(join(dir, "a"), before);
  writeFileSync(join(dir, "b"), after);
  let out = "";
  try {
    execFileSync("git", ["diff", "--no-index", "--no-color", "-U3", "a", "b"], {
      cwd: dir,
      encoding: "utf8",
    });
  } catch (error) {
    out = (error as { stdout: string }).stdout;
  }
  const body = out.split("\n").slice(4).join("\n");
  return `--- a/${path}\n+++ b/${path}\n${body.replace(/ @@.*\n/g, " @@\n")}`;
}

describe("unifiedDiff", () => {
  it("matches git diff for single-line replacements anywhere in a file", () => {
    const line = fc.stringMatching(/^[a-z: -]{0,12}$/);
    fc.assert(
      fc.property(
        fc.array(line, { minLength: 1, maxLength: 40 }),
        fc.array(fc.nat(), { minLength: 1, maxLength: 4 }),
        fc.boolean(),
        (lines, picks, finalNewline) => {
          const after = [...lines];
          for (const p of picks) after[p % lines.length] = `${after[p % lines.length]}-changed`;
          const a = lines.join("\n") + (finalNewline ? "\n" : "");
          const b = after.join("\n") + (finalNewline ? "\n" : "");
          expect(unifiedDiff("f.yaml", a, b)).toBe(gitDiff("f.yaml", a, b));
        },
      ),
      { numRuns: 60 },
    );
  });

  it("is empty when nothing changed", () => {
    expect(unifiedDiff("f", "a\n", "a\n")).toBe("");
  });
});
