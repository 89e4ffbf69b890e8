// The decision of SPEC §10 as a table: (config, live facts, history, time) → act | suppress | would-act.
import { describe, expect, it } from "vitest";
import {
  decide,
  type DecisionInput,
  type Outcome,
  type ServiceFacts,
  type TriggerFacts,
} from "../../src/automation/decide.js";
import type { AutomationSettings } from "../../src/config/automation-settings.js";
import type { Check } from "../../src/domain/check.js";
import { parseTimeWindow, type TimeWindow } from "../../src/domain/time-window.js";
import type { Operation } from "../../src/operations/operation-types.js";

const now = new Date("2026-03-01T03:30:00Z");
const ago = (seconds: number) => new Date(now.getTime() - seconds * 1000);

function settings(overrides: Partial<AutomationSettings> = {}): AutomationSettings {
  return {
    enabled: true,
    dryRun: false,
    nodeWatcher: { enabled: true, notReadyForSeconds: 300, requireOutOfServiceTaint: false },
    alertmanager: { enabled: true, minFiringSeconds: 120, rules: [] },
    cooldownSeconds: 1800,
    maxActionsPerHour: 3,
    maxNodesDown: 1,
    failback: { enabled: true, healthyForSeconds: 1800, window: null },
    ...overrides,
  };
}

const primary = (name: string, failing: Check[] = []): ServiceFacts => ({
  name,
  role: "primary",
  refused: null,
  failing,
});
const onBackup = (name: string): ServiceFacts => ({ name, role: "backup", refused: null, failing: [] });
const stale: Check = {
  name: "backup-fresh",
  status: "fail",
  detail: "ReplicationDestination/a-backup last synced 3h ago, older than maxReplicationAge 2h",
};
const targetDown: Check = { name: "target-node-ready", status: "fail", detail: "node w2 is NotReady" };

const nodeDown = (seconds = 400, taint = false): TriggerFacts => ({
  trigger: "node-watcher",
  node: "w1",
  notReadySince: ago(seconds),
  outOfServiceTaint: taint,
});
const alertFor = (firingSeconds: number): TriggerFacts => ({
  trigger: "alertmanager",
  action: "evacuate",
  node: "w1",
  alert: { alertname: "KubeNodeNotReady", fingerprint: "f1", startsAt: ago(firingSeconds) },
});
const promoteAlert: TriggerFacts = {
  trigger: "alertmanager",
  action: "promote",
  service: "a",
  alert: { alertname: "AppDown", fingerprint: "f2", startsAt: ago(600) },
};
const failback = (healthySeconds = 3600, running: string | null = null): TriggerFacts => ({
  trigger: "failback",
  service: "a",
  primaryReadySince: ago(healthySeconds),
  running,
});

function op(services: string[], secondsAgo: number, actor = "ops", requestId = `r-${secondsAgo}`): Operation {
  return {
    commit: `c${secondsAgo}`,
    action: "promote",
    services,
    actor,
    reason: "test",
    at: ago(secondsAgo).toISOString(),
    forced: false,
    requestId,
  };
}

function input(overrides: Partial<DecisionInput> = {}): DecisionInput {
  return {
    settings: settings(),
    facts: nodeDown(),
    services: [primary("a"), primary("b")],
    nodesNotReady: ["w1"],
    operations: [],
    decisions: [],
    now,
    ...overrides,
  };
}

const window = (text: string): TimeWindow => parseTimeWindow(text) as TimeWindow;

interface Row {
  name: string;
  input: DecisionInput;
  kind: Outcome["kind"];
  reason: string;
  services?: string[];
  excluded?: string[];
  detail?: RegExp;
}

const rows: Row[] = [
  // node watcher
  {
    name: "node NotReady for notReadyFor: evacuate its primaries",
    input: input(),
    kind: "act",
    reason: "node-not-ready",
    services: ["a", "b"],
    detail: /w1 NotReady since .*: evacuate a, b$/,
  },
  {
    name: "node NotReady, notReadyFor not reached: wait until then",
    input: input({ facts: nodeDown(120) }),
    kind: "wait",
    reason: "node-not-ready",
    detail: /notReadyFor 5m not reached/,
  },
  {
    name: "requireOutOfServiceTaint without the taint: suppressed, waiting for fencing",
    input: input({
      settings: settings({
        nodeWatcher: { enabled: true, notReadyForSeconds: 300, requireOutOfServiceTaint: true },
      }),
    }),
    kind: "suppress",
    reason: "awaiting-out-of-service-taint",
  },
  {
    name: "requireOutOfServiceTaint with the taint: act",
    input: input({
      facts: nodeDown(400, true),
      settings: settings({
        nodeWatcher: { enabled: true, notReadyForSeconds: 300, requireOutOfServiceTaint: true },
      }),
    }),
    kind: "act",
    reason: "node-not-ready",
  },
  {
    name: "every service already on backup: nothing to do",
    input: input({ services: [onBackup("a"), onBackup("b")] }),
    kind: "suppress",
    reason: "nothing-to-do",
  },
  {
    name: "no service has the node as primary: unknown node",
    input: input({ services: [] }),
    kind: "suppress",
    reason: "unknown-node",
  },
  {
    name: "more nodes NotReady than maxNodesDown: the cluster is in trouble",
    input: input({ nodesNotReady: ["w1", "w3"] }),
    kind: "suppress",
    reason: "too-many-nodes-down",
    detail: /2 nodes are NotReady \(w1, w3\), more than maxNodesDown 1/,
  },
  {
    name: "maxNodesDown 2 allows two nodes down",
    input: input({ nodesNotReady: ["w1", "w3"], settings: settings({ maxNodesDown: 2 }) }),
    kind: "act",
    reason: "node-not-ready",
  },
  {
    name: "one service in cooldown: the other is evacuated, the first left out",
    input: input({ operations: [op(["a"], 600)] }),
    kind: "act",
    reason: "node-not-ready",
    services: ["b"],
    excluded: ["a"],
    detail: /\(left out: a\)$/,
  },
  {
    name: "cooldown over: acts",
    input: input({ operations: [op(["a", "b"], 1801)] }),
    kind: "act",
    reason: "node-not-ready",
    services: ["a", "b"],
  },
  {
    name: "every service in cooldown: suppressed by cooldown",
    input: input({ operations: [op(["a", "b"], 60)] }),
    kind: "suppress",
    reason: "cooldown",
    excluded: ["a", "b"],
    detail: /a: last operation 60s ago \(promote by ops at .*\); cooldown 30m until/,
  },
  {
    name: "a stale backup is never forced",
    input: input({ services: [primary("a", [stale])] }),
    kind: "suppress",
    reason: "backup-stale",
    excluded: ["a"],
    detail: /never forced/,
  },
  {
    name: "one stale backup among two: the fresh one is evacuated",
    input: input({ services: [primary("a", [stale]), primary("b")] }),
    kind: "act",
    reason: "node-not-ready",
    services: ["b"],
    excluded: ["a"],
  },
  {
    name: "other failing checks: suppressed as preflight-failed, never forced",
    input: input({ services: [primary("a", [targetDown])] }),
    kind: "suppress",
    reason: "preflight-failed",
  },
  {
    name: "different reasons for each service: no eligible service",
    input: input({ services: [primary("a", [stale]), primary("b", [targetDown])] }),
    kind: "suppress",
    reason: "no-eligible-service",
    excluded: ["a", "b"],
  },
  {
    name: "manifests refused: left out as refused",
    input: input({
      services: [{ name: "a", role: "primary", refused: "config: file missing", failing: [] }],
    }),
    kind: "suppress",
    reason: "refused",
  },
  {
    name: "role mixed: left out, switch it by hand",
    input: input({ services: [{ name: "a", role: "mixed", refused: null, failing: [] }] }),
    kind: "suppress",
    reason: "refused",
    detail: /role is mixed/,
  },
  {
    name: "maxActionsPerHour automatic operations in the last hour: rate limit",
    input: input({
      operations: [
        op(["x"], 600, "node-watcher"),
        op(["y"], 1200, "alertmanager"),
        op(["z"], 3000, "failback"),
      ],
    }),
    kind: "suppress",
    reason: "rate-limit",
    detail:
      /3 automatic operations in the last hour, maxActionsPerHour is 3; the next is allowed after 2026-03-01T03:40:00Z/,
  },
  {
    name: "operations by people do not count toward the hourly limit",
    input: input({ operations: [op(["x"], 600), op(["y"], 1200), op(["z"], 3000)] }),
    kind: "act",
    reason: "node-not-ready",
  },
  {
    name: "automatic operations older than an hour do not count",
    input: input({
      operations: [
        op(["x"], 600, "node-watcher"),
        op(["y"], 3700, "alertmanager"),
        op(["z"], 4000, "failback"),
      ],
    }),
    kind: "act",
    reason: "node-not-ready",
  },
  {
    name: "a planned move's several commits count once (one request id)",
    input: input({
      operations: [
        op(["x"], 600, "failback", "same"),
        op(["x"], 700, "failback", "same"),
        op(["x"], 800, "failback", "same"),
      ],
    }),
    kind: "act",
    reason: "node-not-ready",
  },
  {
    name: "dry run: would act, nothing committed",
    input: input({ settings: settings({ dryRun: true }) }),
    kind: "would-act",
    reason: "node-not-ready",
    services: ["a", "b"],
    detail: /dry run, nothing committed$/,
  },
  {
    name: "dry run still applies the guard rails",
    input: input({ settings: settings({ dryRun: true }), nodesNotReady: ["w1", "w2"] }),
    kind: "suppress",
    reason: "too-many-nodes-down",
  },
  {
    name: "dry run counts its would-acts toward the hourly limit",
    input: input({
      settings: settings({ dryRun: true, maxActionsPerHour: 1 }),
      decisions: [{ at: ago(60), decision: "would-act", services: ["x"], failed: false }],
    }),
    kind: "suppress",
    reason: "rate-limit",
  },
  {
    name: "dry run counts a would-act as an operation for the cooldown",
    input: input({
      settings: settings({ dryRun: true }),
      decisions: [{ at: ago(60), decision: "would-act", services: ["a", "b"], failed: false }],
    }),
    kind: "suppress",
    reason: "cooldown",
  },
  {
    name: "a real run ignores earlier would-acts",
    input: input({
      decisions: [{ at: ago(60), decision: "would-act", services: ["a", "b"], failed: false }],
    }),
    kind: "act",
    reason: "node-not-ready",
  },
  // Alertmanager
  {
    name: "alert firing for minFiring: evacuate",
    input: input({ facts: alertFor(180) }),
    kind: "act",
    reason: "alert-firing",
    detail: /KubeNodeNotReady for w1 firing since .* \(3m\): evacuate a, b/,
  },
  {
    name: "alert firing for less than minFiring: wait, decided again at startsAt + minFiring",
    input: input({ facts: alertFor(30) }),
    kind: "wait",
    reason: "min-firing",
    detail: /firing for 30s of minFiring 2m; decided again at 2026-03-01T03:31:30Z/,
  },
  {
    name: "alert promote rule: promotes the one service",
    input: input({ facts: promoteAlert, services: [primary("a")] }),
    kind: "act",
    reason: "alert-firing",
    services: ["a"],
  },
  {
    name: "alert for a service that is not configured",
    input: input({ facts: promoteAlert, services: [] }),
    kind: "suppress",
    reason: "unknown-service",
  },
  {
    name: "alert promote of a service in cooldown",
    input: input({ facts: promoteAlert, services: [primary("a")], operations: [op(["a"], 300)] }),
    kind: "suppress",
    reason: "cooldown",
  },
  {
    name: "alert guard rails: too many nodes down",
    input: input({ facts: alertFor(600), nodesNotReady: ["w1", "w2", "w3"] }),
    kind: "suppress",
    reason: "too-many-nodes-down",
  },
  // failback
  {
    name: "failback: primary healthy for healthyFor, service on backup: a final-sync demote",
    input: input({ facts: failback(), services: [onBackup("a")], nodesNotReady: [] }),
    kind: "act",
    reason: "primary-healthy",
    services: ["a"],
    detail: /^primary node Ready since 2026-03-01T02:30:00Z \(60m\): final-sync demote a$/,
  },
  {
    name: "failback: primary not healthy long enough: wait",
    input: input({ facts: failback(600), services: [onBackup("a")], nodesNotReady: [] }),
    kind: "wait",
    reason: "primary-healthy",
  },
  {
    name: "failback: inside the window acts",
    input: input({
      facts: failback(),
      services: [onBackup("a")],
      nodesNotReady: [],
      settings: settings({
        failback: { enabled: true, healthyForSeconds: 1800, window: window(localWindow(now, 0, 2)) },
      }),
    }),
    kind: "act",
    reason: "primary-healthy",
  },
  {
    name: "failback: outside the window is suppressed with the next opening",
    input: input({
      facts: failback(),
      services: [onBackup("a")],
      nodesNotReady: [],
      settings: settings({
        failback: { enabled: true, healthyForSeconds: 1800, window: window(localWindow(now, 2, 4)) },
      }),
    }),
    kind: "suppress",
    reason: "outside-window",
    detail: /next opening/,
  },
  {
    name: "failback: one service at a time",
    input: input({ facts: failback(3600, "b"), services: [onBackup("a")], nodesNotReady: [] }),
    kind: "suppress",
    reason: "failback-in-progress",
  },
  {
    name: "failback: not retried before cooldown after a failed one (its rollback is an operation)",
    input: input({
      facts: failback(),
      services: [onBackup("a")],
      nodesNotReady: [],
      operations: [op(["a"], 900, "failback")],
    }),
    kind: "suppress",
    reason: "cooldown",
  },
  {
    name: "failback: the service already runs on its primary",
    input: input({ facts: failback(), services: [primary("a")], nodesNotReady: [] }),
    kind: "suppress",
    reason: "nothing-to-do",
  },
  {
    name: "failback: a stale forward backup does not matter for a demote",
    input: input({ facts: failback(), services: [{ ...onBackup("a"), failing: [] }], nodesNotReady: [] }),
    kind: "act",
    reason: "primary-healthy",
  },
  {
    name: "failback: an attempt that failed before committing starts the cooldown too",
    input: input({
      facts: failback(),
      services: [onBackup("a")],
      nodesNotReady: [],
      decisions: [{ at: ago(120), decision: "acted", services: ["a"], failed: true }],
    }),
    kind: "suppress",
    reason: "cooldown",
    detail: /failed before committing/,
  },
  {
    name: "failback: after the cooldown a failed attempt is tried again",
    input: input({
      facts: failback(),
      services: [onBackup("a")],
      nodesNotReady: [],
      decisions: [{ at: ago(1900), decision: "acted", services: ["a"], failed: true }],
    }),
    kind: "act",
    reason: "primary-healthy",
  },
  {
    name: "failback: a successful act is counted from Git, not from memory",
    input: input({
      facts: failback(),
      services: [onBackup("a")],
      nodesNotReady: [],
      decisions: [{ at: ago(120), decision: "acted", services: ["a"], failed: false }],
    }),
    kind: "act",
    reason: "primary-healthy",
  },
  {
    name: "failback: a check a final sync does not meet (target node) suppresses, never forces",
    input: input({
      facts: failback(),
      services: [{ ...onBackup("a"), failing: [targetDown] }],
      nodesNotReady: [],
    }),
    kind: "suppress",
    reason: "preflight-failed",
    detail: /never forced/,
  },
  {
    name: "failback: a service that cannot move with a final sync is refused with the reason",
    input: input({
      facts: failback(),
      services: [{ ...onBackup("a"), refused: "a: no reverse ReplicationSource to carry the final sync" }],
      nodesNotReady: [],
    }),
    kind: "suppress",
    reason: "refused",
  },
  {
    name: "failback: dry run records would-act",
    input: input({
      facts: failback(),
      services: [onBackup("a")],
      nodesNotReady: [],
      settings: settings({ dryRun: true }),
    }),
    kind: "would-act",
    reason: "primary-healthy",
    detail: /demote a — dry run, nothing committed$/,
  },
  {
    name: "failback: the hourly limit holds it back like any automatic operation",
    input: input({
      facts: failback(),
      services: [onBackup("a")],
      nodesNotReady: [],
      settings: settings({ maxActionsPerHour: 1 }),
      operations: [op(["x"], 600, "node-watcher")],
    }),
    kind: "suppress",
    reason: "rate-limit",
  },
];

/** `HH:MM-HH:MM` starting `from` hours after `at` (local time) and lasting `to - from` hours. */
function localWindow(at: Date, from: number, to: number): string {
  const fmt = (h: number) => {
    const d = new Date(at.getTime() + h * 3600_000);
    return `${String(d.getHours()).padStart(2, "0")}:${String(d.getMinutes()).padStart(2, "0")}`;
  };
  return `${fmt(from === 0 ? -0.5 : from)}-${fmt(to)}`;
}

describe("decide (SPEC §10)", () => {
  it.each(rows)("$name → $kind ($reason)", (row) => {
    const outcome = decide(row.input);
    expect(outcome.kind).toBe(row.kind);
    expect(outcome.reason).toBe(row.reason);
    if (row.services) expect("services" in outcome ? outcome.services : []).toEqual(row.services);
    if (row.excluded) {
      expect("excluded" in outcome ? outcome.excluded.map((e) => e.service) : []).toEqual(row.excluded);
    }
    if (row.detail) expect(outcome.detail).toMatch(row.detail);
  });

  it("is pure: the same input gives the same outcome", () => {
    for (const row of rows) expect(decide(row.input)).toEqual(decide(row.input));
  });

  it("waits until exactly the moment the condition is met", () => {
    const outcome = decide(input({ facts: nodeDown(100) }));
    expect(outcome).toMatchObject({ kind: "wait", until: new Date(ago(100).getTime() + 300_000) });
    expect(decide(input({ facts: nodeDown(300) })).kind).toBe("act");
  });
});
