// Failback's triggers: services on their backup whose primary node is Ready, with the time it
// became Ready, the failback still running (one at a time) and the episode key; and the
// operations the guard rails count (every step of a planned move).
import { describe, expect, it } from "vitest";
import { failbackTriggers, runningFailback } from "../../src/automation/failback-watcher.js";
import { guardRailHistory } from "../../src/automation/guard-rail-history.js";
import type { NodeRecord } from "../../src/cluster/node-record.js";
import type { HistoryCommit } from "../../src/git/commit-history.js";
import { analyse, type RepoSnapshot, type ServiceState } from "../../src/operations/repo-snapshot.js";
import { homelabConfig, homelabFiles } from "../support/homelab.js";

function snapshotWith(backup: string[], commits: HistoryCommit[] = []): RepoSnapshot {
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
    commits,
  };
}

/** A commit as failover-api writes it (trailers as `git log` reads them back). */
function commit(
  sha: string,
  time: string,
  o: { step?: string; service: string; actor: string; operation: string; action?: string },
): HistoryCommit {
  return {
    sha: sha.padEnd(40, "0"),
    time,
    author: { name: "failover-api", email: "failover-api@localhost" },
    subject: "failover: demote",
    body: "",
    trailers: {
      "Failover-Action": [o.action ?? "demote"],
      "Failover-Service": [o.service],
      "Failover-Actor": [o.actor],
      "Failover-Reason": ["test"],
      "Failover-Request-Id": [o.operation],
      ...(o.step ? { "Failover-Operation": [o.operation], "Failover-Step": [o.step] } : {}),
    },
  };
}

const node = (name: string, ready: boolean, since: string | null): NodeRecord => ({
  name,
  ready,
  since,
  taints: [],
});
const firstSeen = new Date("2026-03-01T00:00:00Z");
const seen = { firstSeenReady: () => firstSeen, readyAgainAt: () => null };
const w1Ready = [node("w1", true, "2026-03-01T02:00:00Z"), node("w2", true, null)];

describe("failbackTriggers", () => {
  it("names each service on its backup whose primary node is Ready, since when", () => {
    const triggers = failbackTriggers(snapshotWith(["sonarr", "radarr"]), w1Ready, seen);
    expect(triggers.map((t) => t.facts.service).sort()).toEqual(["radarr", "sonarr"]);
    expect(triggers.find((t) => t.facts.service === "sonarr")).toEqual({
      facts: {
        trigger: "failback",
        service: "sonarr",
        primaryReadySince: new Date("2026-03-01T02:00:00Z"),
        running: null,
      },
      key: "failback/sonarr/2026-03-01T02:00:00.000Z/-",
    });
  });

  it("nothing while the primary is NotReady or unknown, or the service is on its primary", () => {
    expect(
      failbackTriggers(snapshotWith(["sonarr"]), [node("w1", false, "2026-03-01T02:00:00Z")], seen),
    ).toEqual([]);
    expect(failbackTriggers(snapshotWith(["sonarr"]), [], seen)).toEqual([]);
    expect(failbackTriggers(snapshotWith([]), [node("w1", true, null)], seen)).toEqual([]);
  });

  it("counts from first sight when the Ready condition has no time", () => {
    const [t] = failbackTriggers(snapshotWith(["sonarr"]), [node("w1", true, null)], seen);
    expect(t?.facts.primaryReadySince).toEqual(firstSeen);
  });

  it("counts from when this process saw the node turn Ready, if later than the condition says", () => {
    // kwok, for one, writes the node's creation time as lastTransitionTime after every restart.
    const again = new Date("2026-03-01T05:00:00Z");
    const [t] = failbackTriggers(snapshotWith(["sonarr"]), w1Ready, { ...seen, readyAgainAt: () => again });
    expect(t?.facts.primaryReadySince).toEqual(again);
    const earlier = new Date("2026-03-01T01:00:00Z");
    const [u] = failbackTriggers(snapshotWith(["sonarr"]), w1Ready, { ...seen, readyAgainAt: () => earlier });
    expect(u?.facts.primaryReadySince).toEqual(new Date("2026-03-01T02:00:00Z"));
  });

  it("one at a time: a failback's open planned move is `running`, and its service is left alone", () => {
    const commits = [
      commit("a1", "2026-03-01T03:00:00Z", {
        step: "quiesce",
        service: "radarr",
        actor: "failback",
        operation: "op-1",
      }),
    ];
    const snapshot = snapshotWith(["sonarr", "radarr"], commits);
    const triggers = failbackTriggers(snapshot, w1Ready, seen);
    expect(triggers.map((t) => [t.facts.service, t.facts.running])).toEqual([["sonarr", "radarr"]]);
    expect(runningFailback(snapshot)).toBe("radarr");
  });

  it("a move that switched or rolled back is no longer running; someone else's planned move is not a failback", () => {
    const quiesce = commit("a1", "2026-03-01T03:00:00Z", {
      step: "quiesce",
      service: "radarr",
      actor: "failback",
      operation: "op-1",
    });
    const rollback = commit("a2", "2026-03-01T03:05:00Z", {
      step: "rollback",
      service: "radarr",
      actor: "failback",
      operation: "op-1",
    });
    expect(runningFailback(snapshotWith(["radarr"], [rollback, quiesce]))).toBeNull();
    const byOps = commit("b1", "2026-03-01T03:00:00Z", {
      step: "quiesce",
      service: "radarr",
      actor: "ops",
      operation: "op-2",
    });
    const snapshot = snapshotWith(["sonarr", "radarr"], [byOps]);
    expect(runningFailback(snapshot)).toBeNull();
    // Still, radarr is being moved by a person: nothing for failback to decide about it.
    expect(failbackTriggers(snapshot, w1Ready, seen).map((t) => t.facts.service)).toEqual(["sonarr"]);
  });

  it("a new commit for the service starts a new episode (a rolled-back failback is decided again)", () => {
    const quiesce = commit("a1", "2026-03-01T03:00:00Z", {
      step: "quiesce",
      service: "sonarr",
      actor: "failback",
      operation: "op-1",
    });
    const rollback = commit("a2", "2026-03-01T03:05:00Z", {
      step: "rollback",
      service: "sonarr",
      actor: "failback",
      operation: "op-1",
    });
    const [before] = failbackTriggers(snapshotWith(["sonarr"]), w1Ready, seen);
    const [after] = failbackTriggers(snapshotWith(["sonarr"], [rollback, quiesce]), w1Ready, seen);
    expect(before?.key).not.toEqual(after?.key);
    expect(after?.key).toBe(`failback/sonarr/2026-03-01T02:00:00.000Z/${rollback.sha}`);
  });
});

describe("guardRailHistory", () => {
  it("every failover commit, steps included, with the operation id as request id; other commits ignored", () => {
    const quiesce = commit("a1", "2026-03-01T03:00:00+00:00", {
      step: "quiesce",
      service: "sonarr",
      actor: "failback",
      operation: "op-1",
    });
    const rollback = commit("a2", "2026-03-01T04:05:00+01:00", {
      step: "rollback",
      service: "sonarr",
      actor: "failback",
      operation: "op-1",
    });
    const emergency = commit("c1", "2026-03-01T02:00:00Z", {
      service: "radarr",
      actor: "node-watcher",
      operation: "r-9",
      action: "promote",
    });
    const foreign: HistoryCommit = { ...emergency, sha: "f".repeat(40), trailers: {} };
    expect(guardRailHistory([rollback, quiesce, foreign, emergency])).toEqual([
      {
        commit: rollback.sha,
        action: "demote",
        services: ["sonarr"],
        actor: "failback",
        reason: "test",
        at: "2026-03-01T03:05:00Z",
        forced: false,
        requestId: "op-1",
      },
      {
        commit: quiesce.sha,
        action: "demote",
        services: ["sonarr"],
        actor: "failback",
        reason: "test",
        at: "2026-03-01T03:00:00Z",
        forced: false,
        requestId: "op-1",
      },
      {
        commit: emergency.sha,
        action: "promote",
        services: ["radarr"],
        actor: "node-watcher",
        reason: "test",
        at: "2026-03-01T02:00:00Z",
        forced: false,
        requestId: "r-9",
      },
    ]);
  });
});
