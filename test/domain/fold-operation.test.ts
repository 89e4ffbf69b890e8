import { describe, expect, it } from "vitest";
import {
  foldOperation,
  type FoldInput,
  type LiveFacts,
  type NextAction,
  type TreeFacts,
} from "../../src/domain/fold-operation.js";
import type { StepCommit, StepName } from "../../src/domain/operation-detail.js";

const id = "3f1c9a2e-8b7d-4c1e-9f00-2a6b5c4d3e21";
const t0 = Date.parse("2026-01-10T02:00:00Z");
const at = (seconds: number) => new Date(t0 + seconds * 1000).toISOString().replace(/\.000Z$/, "Z");

function commit(step: StepName | null, seconds: number, extra: Partial<StepCommit> = {}): StepCommit {
  return {
    sha: `${step ?? "one"}-${seconds}`,
    time: at(seconds),
    step,
    action: "promote",
    services: ["sonarr"],
    actor: "ops",
    reason: "maintenance",
    forced: false,
    outcome: null,
    error: null,
    skipped: [],
    ...extra,
  };
}

const tree = (over: Partial<TreeFacts> = {}): TreeFacts => ({
  sources: ["media/ReplicationSource/sonarr-config"],
  destinations: [],
  sourcesTriggered: false,
  destinationsTriggered: false,
  expectsPods: true,
  placement: [{ service: "sonarr", target: "w2", origin: "w1" }],
  ...over,
});

const pod = (node: string, over: Partial<LiveFacts["pods"][number]> = {}) => ({
  service: "sonarr",
  name: `sonarr-${node}`,
  node,
  phase: "Running",
  ready: true,
  terminating: false,
  readySince: at(5),
  ...over,
});

const live = (over: Partial<LiveFacts> = {}): LiveFacts => ({
  pods: [],
  quiesceApplied: true,
  objects: {
    "media/ReplicationSource/sonarr-config": { lastManualSync: null, lastSyncTime: null, syncing: false },
  },
  ...over,
});

const synced = (lastManualSync: string | null, syncing = false) => ({
  objects: { "media/ReplicationSource/sonarr-config": { lastManualSync, lastSyncTime: at(100), syncing } },
});

function fold(over: Partial<FoldInput> & { commits: StepCommit[] }) {
  return foldOperation({
    id,
    tree: tree(),
    live: live(),
    now: new Date(t0 + 10_000),
    timeouts: { quiesceSeconds: 300, finalSyncSeconds: 1800 },
    ...over,
  });
}

type Row = {
  name: string;
  input: Partial<FoldInput> & { commits: StepCommit[] };
  state: string;
  step: StepName;
  next: NextAction["kind"] | `${NextAction["kind"]}:${string}`;
  detail?: string;
  abortable?: boolean;
};

const rows: Row[] = [
  {
    name: "quiesce committed, pod still running: wait",
    input: { commits: [commit("quiesce", 0)], live: live({ pods: [pod("w1")] }) },
    state: "running",
    step: "quiesce",
    next: "wait",
    detail: "waiting for pod sonarr-w1 (Running on w1) to go",
    abortable: true,
  },
  {
    name: "a Terminating pod is not gone",
    input: {
      commits: [commit("quiesce", 0)],
      live: live({ pods: [pod("w1", { terminating: true, ready: false })] }),
    },
    state: "running",
    step: "quiesce",
    next: "wait",
    detail: "(Terminating on w1)",
  },
  {
    name: "no pod, but Flux has not applied the quiesce yet",
    input: { commits: [commit("quiesce", 0)], live: live({ quiesceApplied: false }) },
    state: "running",
    step: "quiesce",
    next: "wait",
    detail: "waiting for Flux to apply the quiesce commit",
  },
  {
    name: "no pod, but a sync that began while the app ran is still going",
    input: { commits: [commit("quiesce", 0)], live: live(synced(null, true)) },
    state: "running",
    step: "quiesce",
    next: "wait",
    detail: "waiting for the sync in progress of media/ReplicationSource/sonarr-config to end",
  },
  {
    name: "stopped: trigger the final sync",
    input: { commits: [commit("quiesce", 0)] },
    state: "running",
    step: "quiesce",
    next: "final-sync:sources",
  },
  {
    name: "no cluster view: wait, never move on blind",
    input: { commits: [commit("quiesce", 0)], live: null },
    state: "running",
    step: "quiesce",
    next: "wait",
    detail: "no cluster view",
  },
  {
    name: "quiesce past its deadline: roll back",
    input: {
      commits: [commit("quiesce", 0)],
      live: live({ pods: [pod("w1")] }),
      now: new Date(t0 + 301_000),
    },
    state: "running",
    step: "quiesce",
    next: "rollback",
  },
  {
    name: "final sync requested, not answered yet",
    input: {
      commits: [commit("quiesce", 0), commit("final-sync", 20)],
      tree: tree({ sourcesTriggered: true }),
    },
    state: "running",
    step: "final-sync",
    next: "wait",
    detail: 'lastManualSync none, want "3f1c9a2e',
  },
  {
    name: "an earlier manual sync answered, not ours",
    input: {
      commits: [commit("quiesce", 0), commit("final-sync", 20)],
      tree: tree({ sourcesTriggered: true }),
      live: live(synced("restore-once")),
    },
    state: "running",
    step: "final-sync",
    next: "wait",
  },
  {
    name: "synced with the operation id: switch",
    input: {
      commits: [commit("quiesce", 0), commit("final-sync", 20)],
      tree: tree({ sourcesTriggered: true }),
      live: live(synced(id)),
    },
    state: "running",
    step: "final-sync",
    next: "switch",
    abortable: true,
  },
  {
    name: "the trigger vanished from the tree (reverted by hand): write it again",
    input: {
      commits: [commit("quiesce", 0), commit("final-sync", 20)],
      tree: tree({ sourcesTriggered: false }),
    },
    state: "running",
    step: "final-sync",
    next: "final-sync:sources",
  },
  {
    name: "sources synced, a restic destination to run next",
    input: {
      commits: [commit("quiesce", 0), commit("final-sync", 20)],
      tree: tree({
        sourcesTriggered: true,
        destinations: ["media/ReplicationDestination/sonarr-config-backup"],
      }),
      live: live({
        objects: {
          "media/ReplicationSource/sonarr-config": {
            lastManualSync: id,
            lastSyncTime: at(60),
            syncing: false,
          },
          "media/ReplicationDestination/sonarr-config-backup": {
            lastManualSync: null,
            lastSyncTime: null,
            syncing: false,
          },
        },
      }),
    },
    state: "running",
    step: "final-sync",
    next: "final-sync:destinations",
  },
  {
    name: "final sync past its deadline: roll back",
    input: {
      commits: [commit("quiesce", 0), commit("final-sync", 20)],
      tree: tree({ sourcesTriggered: true }),
      now: new Date(t0 + (20 + 1801) * 1000),
    },
    state: "running",
    step: "final-sync",
    next: "rollback",
  },
  {
    name: "switched, waiting for the pod on w2",
    input: { commits: [commit("quiesce", 0), commit("final-sync", 20), commit("switch", 90)] },
    state: "running",
    step: "switch",
    next: "wait",
    abortable: false,
  },
  {
    name: "switched and Ready on w2",
    input: {
      commits: [commit("quiesce", 0), commit("final-sync", 20), commit("switch", 90)],
      live: live({ pods: [pod("w2", { readySince: at(120) })] }),
    },
    state: "succeeded",
    step: "switch",
    next: "done",
  },
  {
    name: "switched, never Ready: failed, no rollback after a switch",
    input: {
      commits: [commit("quiesce", 0), commit("final-sync", 20), commit("switch", 90)],
      now: new Date(t0 + 391_000),
    },
    state: "failed",
    step: "switch",
    next: "done",
  },
  {
    name: "rolled back after a timeout, app not back yet",
    input: {
      commits: [
        commit("quiesce", 0),
        commit("final-sync", 20),
        commit("rollback", 1900, { outcome: "failed", error: "final sync did not complete" }),
      ],
    },
    state: "running",
    step: "rollback",
    next: "wait",
    abortable: false,
  },
  {
    name: "rolled back and Ready again on w1: failed with the reason",
    input: {
      commits: [
        commit("quiesce", 0),
        commit("rollback", 40, { outcome: "failed", error: "quiesce did not complete" }),
      ],
      live: live({ pods: [pod("w1", { readySince: at(60) })] }),
    },
    state: "failed",
    step: "rollback",
    next: "done",
  },
  {
    name: "aborted and Ready again on w1",
    input: {
      commits: [
        commit("quiesce", 0),
        commit("rollback", 30, { outcome: "aborted", error: "aborted by ops" }),
      ],
      live: live({ pods: [pod("w1", { readySince: at(45) })] }),
    },
    state: "aborted",
    step: "rollback",
    next: "done",
  },
  {
    name: "an app with no pods to wait for ends at its commit",
    input: {
      commits: [commit("quiesce", 0), commit("final-sync", 20), commit("switch", 90)],
      tree: tree({ expectsPods: false }),
    },
    state: "succeeded",
    step: "switch",
    next: "done",
  },
  {
    name: "an emergency promote is one step",
    input: { commits: [commit(null, 0)] },
    state: "succeeded",
    step: "switch",
    next: "done",
    abortable: false,
  },
];

describe("foldOperation", () => {
  for (const row of rows) {
    it(row.name, () => {
      const folded = fold(row.input);
      expect(folded.operation.state).toBe(row.state);
      expect(folded.operation.step).toBe(row.step);
      const next = folded.next.kind === "final-sync" ? `final-sync:${folded.next.stage}` : folded.next.kind;
      expect(next).toBe(row.next);
      if (row.detail !== undefined) {
        const current = folded.operation.steps.find((s) => s.name === row.step);
        expect(current?.detail).toContain(row.detail);
      }
      if (row.abortable !== undefined) expect(folded.abortable).toBe(row.abortable);
    });
  }

  it("reports each step with the times Git and the API server recorded", () => {
    const folded = fold({
      commits: [commit("quiesce", 0), commit("final-sync", 20), commit("switch", 90)],
      live: live({ pods: [pod("w2", { readySince: at(120) })] }),
    });
    expect(folded.operation.steps).toEqual([
      {
        name: "quiesce",
        state: "succeeded",
        startedAt: at(0),
        finishedAt: at(20),
        commit: "quiesce-0",
        detail: "no pod left",
      },
      {
        name: "final-sync",
        state: "succeeded",
        startedAt: at(20),
        finishedAt: at(90),
        commit: "final-sync-20",
        detail: "synced with the operation id",
      },
      {
        name: "switch",
        state: "succeeded",
        startedAt: at(90),
        finishedAt: at(120),
        commit: "switch-90",
        detail: "Ready on w2",
      },
    ]);
    expect(folded.operation).toMatchObject({
      id,
      action: "promote",
      services: ["sonarr"],
      finalSync: true,
      error: null,
    });
  });

  it("gives the same answer whenever it is folded, once the facts are the same", () => {
    const input = {
      commits: [
        commit("quiesce", 0),
        commit("rollback", 40, { outcome: "aborted" as const, error: "aborted by ops" }),
      ],
      live: live({ pods: [pod("w1", { readySince: at(60) })] }),
    };
    const a = fold({ ...input, now: new Date(t0 + 100_000) });
    const b = fold({ ...input, now: new Date(t0 + 900_000) });
    expect(a.operation).toEqual(b.operation);
    expect(a.operation.error).toBe("aborted by ops");
  });

  it("a deadline runs from the step's commit time, not from when a driver started", () => {
    const commits = [commit("quiesce", 0), commit("final-sync", 20)];
    const waiting = fold({ commits, tree: tree({ sourcesTriggered: true }), now: new Date(t0 + 1000_000) });
    expect(waiting.next).toEqual({
      kind: "wait",
      until: new Date(t0 + (20 + 1800) * 1000),
      reason: expect.any(String) as string,
    });
  });
});
