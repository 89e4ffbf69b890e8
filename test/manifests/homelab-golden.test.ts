import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { readRole } from "../../src/domain/read-role.js";
import { scanService } from "../../src/manifests/scan-service.js";
import { homelabConfig, homelabFiles } from "../support/homelab.js";
import { switchFiles } from "../support/switch.js";
import { unifiedDiff } from "../../src/manifests/unified-diff.js";
import { plannedMoveProblem } from "../../src/operations/planned-move-problem.js";
import { quiesceFiles, rollbackFiles, switchFilesOf, triggerFiles } from "../../src/operations/step-files.js";

/**
 * Golden tests over the example homelab: for every service, the promote and demote diffs equal the
 * stored ones, and switching there and back restores every file byte for byte. Refused services
 * store their refusal text instead. Regenerate with UPDATE_GOLDEN=1 after reviewing a change.
 */
const goldenDir = join(import.meta.dirname, "../golden/homelab");
const update = process.env.UPDATE_GOLDEN === "1";

function golden(name: string, actual: string): void {
  const path = join(goldenDir, name);
  if (update) {
    mkdirSync(goldenDir, { recursive: true });
    writeFileSync(path, actual);
    return;
  }
  if (!existsSync(path))
    throw new Error(`missing golden file ${path}; run with UPDATE_GOLDEN=1 and review it`);
  expect(actual, name).toBe(readFileSync(path, "utf8"));
}

const config = homelabConfig();
const files = Object.fromEntries(homelabFiles());
const expectedRoles: Record<string, string> = { lidarr: "backup", readarr: "unknown", postgres: "unknown" };

describe("example homelab", () => {
  it("has at least 24 services", () => {
    expect(config.services.length).toBeGreaterThanOrEqual(24);
  });

  for (const spec of config.services) {
    it(`${spec.name}: role, promote and demote diffs, byte-exact round trip`, () => {
      const analysis = scanService(spec, new Map(Object.entries(files)));
      const reading = readRole(spec, analysis);
      expect(reading.role).toBe(expectedRoles[spec.name] ?? "primary");
      if (analysis.refusals.length > 0) {
        golden(`${spec.name}.refused.txt`, analysis.refusals.join("\n") + "\n");
        return;
      }
      expect(reading.problems).toEqual([]);
      const away = reading.role === "primary" ? "backup" : "primary";
      const first = switchFiles(spec, files, away);
      const back = switchFiles(spec, first.after, reading.role === "primary" ? "primary" : "backup");
      for (const [file, text] of Object.entries(files)) expect(back.after[file], file).toBe(text);
      const promote = away === "backup" ? first.diff : back.diff;
      const demote = away === "backup" ? back.diff : first.diff;
      expect(promote).not.toBe("");
      golden(`${spec.name}.promote.diff`, promote);
      golden(`${spec.name}.demote.diff`, demote);
    });
  }
});

/**
 * Planned moves (SPEC §5.1) over the example homelab: every step's diff (quiesce, final sync of
 * the sources then of the restoring destinations, switch, and a rollback from the last step
 * before the switch) equals the stored one; the switch leaves exactly what an ordinary switch
 * leaves, and the rollback leaves the files as they were, byte for byte.
 */
const operationId = "00000000-0000-4000-8000-0000000000a1";

function plannedWalk(
  spec: (typeof config.services)[number],
  start: Record<string, string>,
  to: "primary" | "backup",
) {
  const action = to === "backup" ? "promote" : "demote";
  const direction = action === "promote" ? "forward" : "reverse";
  const sections: string[] = [];
  const diffOf = (before: Record<string, string>, changed: Map<string, string>) =>
    [...changed].map(([f, text]) => unifiedDiff(f, before[f] ?? "", text)).join("");
  const step = (title: string, before: Record<string, string>, changed: Map<string, string>) => {
    sections.push(`# ${title}\n${diffOf(before, changed)}`);
    return { ...before, ...Object.fromEntries(changed) };
  };
  const map = (files: Record<string, string>) => new Map(Object.entries(files));
  const quiesced = step("quiesce", start, quiesceFiles(map(start), [spec], operationId).changed);
  const sourced = step(
    "final sync: sources",
    quiesced,
    triggerFiles(map(quiesced), [spec], operationId, direction, "sources").changed,
  );
  const synced = step(
    "final sync: destinations",
    sourced,
    triggerFiles(map(sourced), [spec], operationId, direction, "destinations").changed,
  );
  const switched = step(
    "switch",
    synced,
    switchFilesOf(map(synced), [spec], map(start), operationId, to).changed,
  );
  const rolledBack = step(
    "rollback",
    synced,
    rollbackFiles(map(synced), [spec], map(start), operationId).changed,
  );
  return { action, switched, rolledBack, text: sections.join("") };
}

describe("example homelab: planned moves", () => {
  for (const spec of config.services) {
    it(`${spec.name}: quiesce, final sync, switch and rollback bytes`, () => {
      const analysis = scanService(spec, new Map(Object.entries(files)));
      const role = readRole(spec, analysis).role;
      if (role === "unknown") return; // refused services: see the test above
      const away = role === "primary" ? "backup" : "primary";
      const problems = (["promote", "demote"] as const)
        .map((a) => plannedMoveProblem(spec, new Map(Object.entries(files)), a))
        .filter((p): p is string => p !== null);
      const moveAway = plannedMoveProblem(
        spec,
        new Map(Object.entries(files)),
        away === "backup" ? "promote" : "demote",
      );
      if (problems.length > 0)
        golden(`${spec.name}.planned.refused.txt`, [...new Set(problems)].join("\n") + "\n");
      if (moveAway !== null) return;
      const first = plannedWalk(spec, files, away);
      // The switch leaves what an ordinary switch leaves; the rollback leaves the tree as it was.
      const ordinary = switchFiles(spec, files, away).after;
      for (const [file, text] of Object.entries(ordinary)) expect(first.switched[file], file).toBe(text);
      for (const [file, text] of Object.entries(files)) expect(first.rolledBack[file], file).toBe(text);
      golden(`${spec.name}.planned-${first.action}.diff`, first.text);
      const back = reading(spec, first.switched) === away ? first.switched : undefined;
      expect(back).toBeDefined();
      if (
        plannedMoveProblem(
          spec,
          new Map(Object.entries(first.switched)),
          role === "primary" ? "demote" : "promote",
        ) !== null
      )
        return;
      const second = plannedWalk(spec, first.switched, role === "primary" ? "primary" : "backup");
      for (const [file, text] of Object.entries(files)) expect(second.switched[file], file).toBe(text);
      golden(`${spec.name}.planned-${second.action}.diff`, second.text);
    });
  }
});

function reading(spec: (typeof config.services)[number], tree: Record<string, string>) {
  return readRole(spec, scanService(spec, new Map(Object.entries(tree)))).role;
}
