// Failback's triggers (the engine runs them once planned moves exist): services on their backup
// whose primary node is Ready, with the time it became Ready.
import { describe, expect, it } from "vitest";
import { failbackFacts } from "../../src/automation/failback-watcher.js";
import type { NodeRecord } from "../../src/cluster/node-record.js";
import { analyse, type RepoSnapshot, type ServiceState } from "../../src/operations/repo-snapshot.js";
import { homelabConfig, homelabFiles } from "../support/homelab.js";

function snapshotWith(backup: string[]): RepoSnapshot {
  const config = homelabConfig();
  const services = new Map<string, ServiceState>();
  for (const [name, state] of analyse(config, homelabFiles())) {
    const role = backup.includes(name) ? "backup" : "primary";
    services.set(name, { ...state, reading: { ...state.reading, role } });
  }
  return {
    revision: "0".repeat(40),
    readAt: new Date(),
    config,
    files: new Map(),
    readErrors: new Map(),
    services,
    history: [],
    commits: [],
  };
}

const node = (name: string, ready: boolean, since: string | null): NodeRecord => ({
  name,
  ready,
  since,
  taints: [],
});
const firstSeen = new Date("2026-03-01T00:00:00Z");

describe("failbackFacts", () => {
  it("names each service on its backup whose primary node is Ready, since when", () => {
    const facts = failbackFacts(
      snapshotWith(["sonarr", "radarr"]),
      [node("w1", true, "2026-03-01T02:00:00Z"), node("w2", true, null)],
      null,
      () => firstSeen,
    );
    expect(facts.map((f) => f.service).sort()).toEqual(["radarr", "sonarr"]);
    expect(facts.find((f) => f.service === "sonarr")).toEqual({
      trigger: "failback",
      service: "sonarr",
      primaryReadySince: new Date("2026-03-01T02:00:00Z"),
      running: null,
    });
  });

  it("nothing while the primary is NotReady or unknown, or the service is on its primary", () => {
    expect(
      failbackFacts(
        snapshotWith(["sonarr"]),
        [node("w1", false, "2026-03-01T02:00:00Z")],
        null,
        () => firstSeen,
      ),
    ).toEqual([]);
    expect(failbackFacts(snapshotWith(["sonarr"]), [], null, () => firstSeen)).toEqual([]);
    expect(failbackFacts(snapshotWith([]), [node("w1", true, null)], null, () => firstSeen)).toEqual([]);
  });

  it("counts from first sight when the Ready condition has no time, and passes on the running failback", () => {
    const [fact] = failbackFacts(
      snapshotWith(["sonarr"]),
      [node("w1", true, null)],
      "radarr",
      () => firstSeen,
    );
    expect(fact).toMatchObject({ primaryReadySince: firstSeen, running: "radarr" });
  });
});
