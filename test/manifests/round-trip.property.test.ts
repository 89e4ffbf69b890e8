import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { readRole } from "../../src/domain/read-role.js";
import { scanService } from "../../src/manifests/scan-service.js";
import { generatedRepo, type GeneratedRepo } from "../support/manifest-arb.js";
import { switchFiles } from "../support/switch.js";

function roleOf(repo: GeneratedRepo, files: Record<string, string>) {
  const analysis = scanService(repo.spec, new Map(Object.entries(files)));
  return { analysis, reading: readRole(repo.spec, analysis) };
}

/** Bytes outside the splices' ranges are untouched: the edit is exactly the planned scalars. */
function onlySplicedBytesChange(
  before: string,
  after: string,
  splices: { start: number; end: number; text: string }[],
) {
  let offset = 0;
  let cursor = 0;
  for (const s of [...splices].sort((a, b) => a.start - b.start)) {
    expect(after.slice(cursor + offset, s.start + offset)).toBe(before.slice(cursor, s.start));
    expect(after.slice(s.start + offset, s.start + offset + s.text.length)).toBe(s.text);
    offset += s.text.length - (s.end - s.start);
    cursor = s.end;
  }
  expect(after.slice(cursor + offset)).toBe(before.slice(cursor));
}

describe("editor round trip (property)", () => {
  it("promote then demote is the identity on bytes, whatever the style", () => {
    fc.assert(
      fc.property(generatedRepo({ pausedAlways: true }), (repo) => {
        const before = roleOf(repo, repo.files);
        expect(before.analysis.refusals, repo.description).toEqual([]);
        expect(before.reading.role).toBe("primary");

        const promoted = switchFiles(repo.spec, repo.files, "backup");
        expect(promoted.plan.splices.length).toBeGreaterThan(0);
        for (const [file, text] of Object.entries(repo.files)) {
          const splices = promoted.plan.splices.filter((s) => s.file === file);
          onlySplicedBytesChange(text, promoted.after[file] ?? "", splices);
        }
        const onBackup = roleOf(repo, promoted.after);
        expect(onBackup.analysis.refusals).toEqual([]);
        expect(onBackup.reading.role).toBe("backup");
        expect(onBackup.reading.problems).toEqual([]);
        // Idempotent: nothing left to do.
        expect(switchFiles(repo.spec, promoted.after, "backup").plan.splices).toEqual([]);

        const demoted = switchFiles(repo.spec, promoted.after, "primary");
        expect(demoted.after).toEqual(repo.files);
        // The diff shows exactly the lines holding a rewritten scalar, each once removed and once added.
        const touched = new Set(promoted.plan.splices.map((sp) => `${sp.file}:${sp.reference.line}`));
        const body = promoted.diff.split("\n").filter((l) => !l.startsWith("---") && !l.startsWith("+++"));
        expect(body.filter((l) => l.startsWith("-")).length).toBe(touched.size);
        expect(body.filter((l) => l.startsWith("+")).length).toBe(touched.size);
      }),
      { numRuns: 300 },
    );
  });

  it("with spec.paused absent, the first promote inserts it and every later round trip is exact", () => {
    fc.assert(
      fc.property(generatedRepo({ pausedAlways: false }), (repo) => {
        const once = switchFiles(
          repo.spec,
          switchFiles(repo.spec, repo.files, "backup").after,
          "primary",
        ).after;
        for (const [file, text] of Object.entries(repo.files)) {
          const after = once[file] ?? "";
          // The only possible difference: inserted `paused: false` lines.
          const inserted = after.length - text.length;
          if (inserted === 0) expect(after).toBe(text);
          else
            expect(after.replace(/paused: false\r?\n */g, "")).toBe(
              text.replace(/paused: false\r?\n */g, ""),
            );
        }
        const twice = switchFiles(repo.spec, switchFiles(repo.spec, once, "backup").after, "primary").after;
        expect(twice).toEqual(once);
      }),
      { numRuns: 150 },
    );
  });
});
