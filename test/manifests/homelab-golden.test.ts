import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { readRole } from "../../src/domain/read-role.js";
import { scanService } from "../../src/manifests/scan-service.js";
import { homelabConfig, homelabFiles } from "../support/homelab.js";
import { switchFiles } from "../support/switch.js";

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
