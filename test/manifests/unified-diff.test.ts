import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
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

/** The text git produces when it applies `patch` to `before`. */
function gitApply(before: string, patch: string): string {
  const dir = mkdtempSync(join(tmpdir(), "apply-"));
  writeFileSync(join(dir, "f.yaml"), before);
  writeFileSync(join(dir, "p.diff"), patch);
  execFileSync("git", ["apply", "--unidiff-zero", "p.diff"], { cwd: dir });
  return readFileSync(join(dir, "f.yaml"), "utf8");
}

describe("unifiedDiff", () => {
  it("matches git diff for single-line replacements anywhere in a file", () => {
    const line = fc.stringMatching(/^[a-z: -]{0,12}$/);
    fc.assert(
      fc.property(
        fc.array(line, { minLength: 1, maxLength: 40 }),
        fc.array(fc.nat(), { minLength: 1, maxLength: 4 }),
        fc.boolean(),
        (generated, picks, finalNewline) => {
          // Without a final newline an empty last "line" is no line at all; keep one there.
          const lines =
            finalNewline || generated.at(-1) !== "" ? generated : [...generated.slice(0, -1), "end"];
          const after = [...lines];
          for (const p of picks) after[p % lines.length] = `${after[p % lines.length]}-changed`;
          const a = lines.join("\n") + (finalNewline ? "\n" : "");
          const b = after.join("\n") + (finalNewline ? "\n" : "");
          const ours = unifiedDiff("f.yaml", a, b);
          // Always a correct patch: git applies it and gets the new text.
          expect(gitApply(a, ours)).toBe(b);
          // Where no line repeats, alignment is unambiguous and must equal git's own diff (with
          // repeated lines both choices are valid; ours pairs lines by position, as splices do).
          if (new Set(lines).size === lines.length && new Set(after).size === after.length) {
            expect(ours).toBe(gitDiff("f.yaml", a, b));
          }
        },
      ),
      { numRuns: Number(process.env.DIFF_RUNS ?? 60) },
    );
  });

  it("is empty when nothing changed", () => {
    expect(unifiedDiff("f", "a\n", "a\n")).toBe("");
  });
});
