import { formatDuration } from "./duration.js";
import type {
  OperationDetail,
  OperationStateName,
  StepCommit,
  StepDetail,
  StepName,
} from "./operation-detail.js";

/** What the tree in hand says about the operation (from the manifests, no cluster needed). */
export interface TreeFacts {
  /** `Kind/name` of the objects the final sync triggers first (the direction's ReplicationSources). */
  sources: string[];
  /** Then these (the direction's ReplicationDestinations that restore from a repository). */
  destinations: string[];
  /** The tree says `spec.trigger.manual: <id>` on every source / every destination. */
  sourcesTriggered: boolean;
  destinationsTriggered: boolean;
  /** The app runs pods when not stopped (a replica count above zero, a long-running kind). */
  expectsPods: boolean;
  /** Per service: where it runs after the switch, and where it ran before. */
  placement: { service: string; target: string; origin: string }[];
}

export interface PodFact {
  service: string;
  name: string;
  node: string | null;
  phase: string;
  ready: boolean;
  terminating: boolean;
  /** When the pod became Ready (its Ready condition's transition time), if it is. */
  readySince: string | null;
}

export interface ReplicationFact {
  lastManualSync: string | null;
  lastSyncTime: string | null;
  /** A sync is in progress (`status.lastSyncStartTime` is set). */
  syncing: boolean;
}

/** What the cluster shows now; null when no cluster view is available. */
export interface LiveFacts {
  pods: PodFact[];
  /** Flux has applied the quiesce commit or a later one; null when no owning Kustomization is known. */
  quiesceApplied: boolean | null;
  /** By `Kind/name`; undefined when the object is not in the cluster. */
  objects: Readonly<Record<string, ReplicationFact | undefined>>;
}

export interface FoldInput {
  id: string;
  /** The operation's commits, oldest first. */
  commits: readonly StepCommit[];
  tree: TreeFacts;
  live: LiveFacts | null;
  now: Date;
  timeouts: { quiesceSeconds: number; finalSyncSeconds: number };
}

/** What the operation's driver does next. */
export type NextAction =
  | { kind: "wait"; until: Date | null; reason: string }
  | { kind: "final-sync"; stage: "sources" | "destinations" }
  | { kind: "switch" }
  | { kind: "rollback"; error: string }
  | { kind: "done" };

export interface Folded {
  operation: OperationDetail;
  next: NextAction;
  /** Until the switch commit, an abort may still roll the operation back. */
  abortable: boolean;
}

export function rfc3339(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, "Z");
}

const noCluster = "no cluster view: waiting for the cluster watches";

/**
 * An operation's state as a fold over its commits (the `Failover-Step` trailers) plus what the
 * tree and the cluster say now. Pure: any replica, or a restarted server, computes the same
 * answer, and deadlines come from commit times, so whoever drives knows how much time is left.
 */
export function foldOperation(input: FoldInput): Folded {
  const [first] = input.commits;
  if (!first) throw new Error(`operation ${input.id} has no commits`);
  if (first.step === null || first.step === "switch") return oneStep(input, first);
  const at = (step: StepName) => input.commits.filter((c) => c.step === step);
  const quiesce = first;
  const finalSync = at("final-sync");
  const switched = at("switch")[0];
  const rollback = at("rollback")[0];
  const steps: Record<StepName, StepDetail> = {
    quiesce: step("quiesce", "running", quiesce, ""),
    "final-sync": step("final-sync", "pending", finalSync.at(-1), ""),
    switch: step("switch", "pending", switched, ""),
    rollback: step("rollback", "pending", rollback, ""),
  };
  const header = {
    id: input.id,
    action: quiesce.action,
    services: quiesce.services,
    finalSync: true,
  };
  const result = (
    state: OperationStateName,
    current: StepName,
    next: NextAction,
    error: string | null = null,
  ): Folded => ({
    operation: {
      ...header,
      state,
      step: current,
      steps: (["quiesce", "final-sync", "switch", "rollback"] as const)
        .filter((n) => n !== "rollback" || rollback)
        .map((n) => steps[n]),
      progress: null,
      error,
    },
    next,
    abortable: state === "running" && !switched && !rollback,
  });
  const ms = (c: StepCommit) => Date.parse(c.time);
  const now = input.now.getTime();

  if (rollback) return rolledBack(input, steps, rollback, finalSync, result);
  // Reaching a later step proves the earlier ones done: the driver only moves on after observing them.
  if (finalSync[0] || switched) {
    finish(steps.quiesce, "succeeded", ms(finalSync[0] ?? (switched as StepCommit)), "no pod left");
  }
  if (switched) {
    finish(steps["final-sync"], "succeeded", ms(switched), "synced with the operation id");
    return afterSwitch(input, steps, switched, result);
  }

  if (!finalSync[0]) {
    const deadline = ms(quiesce) + input.timeouts.quiesceSeconds * 1000;
    const waiting = quiesceWaits(input);
    steps.quiesce.detail = waiting ?? "no pod left; requesting the final sync";
    if (waiting === null) return result("running", "quiesce", { kind: "final-sync", stage: "sources" });
    if (now > deadline) {
      const error = `quiesce did not complete within ${formatDuration(input.timeouts.quiesceSeconds)}: ${waiting}`;
      return result("running", "quiesce", { kind: "rollback", error });
    }
    return result("running", "quiesce", { kind: "wait", until: new Date(deadline), reason: waiting });
  }

  const fs = steps["final-sync"];
  fs.state = "running";
  fs.startedAt = rfc3339(ms(finalSync[0]));
  const deadline = ms(finalSync[0]) + input.timeouts.finalSyncSeconds * 1000;
  const { tree, live } = input;
  const pending = (labels: string[]) =>
    labels.filter((l) => live?.objects[l]?.lastManualSync !== input.id).map((l) => describeSync(l, input));
  let next: NextAction;
  if (!tree.sourcesTriggered) next = { kind: "final-sync", stage: "sources" };
  else if (!live) next = { kind: "wait", until: new Date(deadline), reason: noCluster };
  else if (pending(tree.sources).length > 0)
    next = {
      kind: "wait",
      until: new Date(deadline),
      reason: `waiting for ${pending(tree.sources).join("; ")}`,
    };
  else if (tree.destinations.length > 0 && !tree.destinationsTriggered) {
    const busy = tree.destinations.filter((d) => live.objects[d]?.syncing === true);
    next =
      busy.length > 0
        ? {
            kind: "wait",
            until: new Date(deadline),
            reason: `waiting for the sync in progress of ${busy.join(", ")} to end`,
          }
        : { kind: "final-sync", stage: "destinations" };
  } else if (pending(tree.destinations).length > 0)
    next = {
      kind: "wait",
      until: new Date(deadline),
      reason: `waiting for ${pending(tree.destinations).join("; ")}`,
    };
  else next = { kind: "switch" };
  fs.detail =
    next.kind === "wait"
      ? next.reason
      : next.kind === "switch"
        ? "synced with the operation id; switching"
        : next.kind === "final-sync" && next.stage === "destinations"
          ? "the sources synced; triggering the destinations that restore from a repository"
          : "writing the trigger";
  if (next.kind === "wait" && now > deadline) {
    const error = `final sync did not complete within ${formatDuration(input.timeouts.finalSyncSeconds)}: ${next.reason}`;
    return result("running", "final-sync", { kind: "rollback", error });
  }
  return result("running", "final-sync", next);
}

function step(
  name: StepName,
  state: StepDetail["state"],
  commit: StepCommit | undefined,
  detail: string,
): StepDetail {
  return {
    name,
    state,
    startedAt: commit ? rfc3339(Date.parse(commit.time)) : null,
    finishedAt: null,
    commit: commit?.sha ?? null,
    detail,
  };
}

function finish(s: StepDetail, state: StepDetail["state"], at: number | null, detail: string): void {
  s.state = state;
  s.finishedAt = at === null ? null : rfc3339(at);
  s.detail = detail;
}

/** Why the app does not count as stopped yet, or null when it does. */
function quiesceWaits({ live, tree }: FoldInput): string | null {
  if (!live) return noCluster;
  if (live.quiesceApplied === false) return "waiting for Flux to apply the quiesce commit";
  if (live.pods.length > 0) {
    const list = live.pods.map(
      (p) => `${p.name} (${p.terminating ? "Terminating" : p.phase} on ${p.node ?? "no node"})`,
    );
    return `waiting for ${live.pods.length === 1 ? "pod" : "pods"} ${list.join(", ")} to go`;
  }
  // A sync that began while the app still wrote cannot be the final one: let it end first.
  const busy = tree.sources.filter((s) => live.objects[s]?.syncing === true);
  if (busy.length > 0) return `no pod left; waiting for the sync in progress of ${busy.join(", ")} to end`;
  return null;
}

function describeSync(label: string, { id, live }: FoldInput): string {
  const seen = live?.objects[label];
  if (!seen) return `${label} (not found in the cluster)`;
  const last = seen.lastManualSync === null ? "none" : `"${seen.lastManualSync}"`;
  return `${label} to sync (lastManualSync ${last}, want "${id}"${seen.syncing ? ", syncing" : ""})`;
}

/**
 * When every service had a Ready pod on its target (or origin) node: the latest of their Ready
 * times, from the API server, so every fold reports the same moment. Null while one is missing.
 */
function readyOn(input: FoldInput, which: "target" | "origin"): number | null {
  const { live, tree } = input;
  if (!live) return null;
  let latest = 0;
  for (const p of tree.placement) {
    const times = live.pods
      .filter((pod) => pod.service === p.service && pod.node === p[which] && pod.ready && !pod.terminating)
      .map((pod) => (pod.readySince === null ? NaN : Date.parse(pod.readySince)));
    if (times.length === 0) return null;
    const first = Math.min(...times.map((t) => (Number.isNaN(t) ? 0 : t)));
    latest = Math.max(latest, first);
  }
  return latest;
}

function afterSwitch(
  input: FoldInput,
  steps: Record<StepName, StepDetail>,
  switched: StepCommit,
  result: (state: OperationStateName, current: StepName, next: NextAction, error?: string | null) => Folded,
): Folded {
  const s = steps.switch;
  s.state = "running";
  const started = Date.parse(switched.time);
  const nodes = [...new Set(input.tree.placement.map((p) => p.target))].join(", ");
  if (!input.tree.expectsPods) {
    finish(s, "succeeded", started, "switched (the app has no pods to wait for)");
    return result("succeeded", "switch", { kind: "done" });
  }
  const readyAt = readyOn(input, "target");
  if (readyAt !== null) {
    finish(s, "succeeded", Math.max(readyAt, started), `Ready on ${nodes}`);
    return result("succeeded", "switch", { kind: "done" });
  }
  const deadline = started + input.timeouts.quiesceSeconds * 1000;
  if (input.now.getTime() > deadline) {
    const error =
      `switched in Git, but the app was not Ready on ${nodes} within ${formatDuration(input.timeouts.quiesceSeconds)}; ` +
      `see the service's status for blockers (no rollback after the switch: the data has moved)`;
    finish(s, "failed", deadline, error);
    return result("failed", "switch", { kind: "done" }, error);
  }
  s.detail = input.live ? `waiting for the app to be Ready on ${nodes}` : noCluster;
  return result("running", "switch", { kind: "wait", until: new Date(deadline), reason: s.detail });
}

function rolledBack(
  input: FoldInput,
  steps: Record<StepName, StepDetail>,
  rollback: StepCommit,
  finalSync: StepCommit[],
  result: (state: OperationStateName, current: StepName, next: NextAction, error?: string | null) => Folded,
): Folded {
  const at = Date.parse(rollback.time);
  const error = rollback.error ?? (rollback.outcome === "aborted" ? "aborted" : "rolled back");
  const outcome = rollback.outcome ?? "failed";
  if (finalSync[0]) {
    finish(steps.quiesce, "succeeded", Date.parse(finalSync[0].time), "no pod left");
    finish(steps["final-sync"], "failed", at, error);
    steps["final-sync"].startedAt = rfc3339(Date.parse(finalSync[0].time));
  } else finish(steps.quiesce, "failed", at, error);
  finish(steps.switch, "skipped", null, "not reached");
  const r = steps.rollback;
  r.state = "running";
  const nodes = [...new Set(input.tree.placement.map((p) => p.origin))].join(", ");
  const readyAt = input.tree.expectsPods ? readyOn(input, "origin") : at;
  if (readyAt !== null) {
    const detail = input.tree.expectsPods ? `the app is Ready again on ${nodes}` : "restored";
    finish(r, "succeeded", Math.max(readyAt, at), detail);
    return result(outcome, "rollback", { kind: "done" }, error);
  }
  const deadline = at + input.timeouts.quiesceSeconds * 1000;
  if (input.now.getTime() > deadline) {
    finish(
      r,
      "failed",
      deadline,
      `restored in Git, but the app was not Ready on ${nodes} within ${formatDuration(input.timeouts.quiesceSeconds)}`,
    );
    return result(outcome, "rollback", { kind: "done" }, error);
  }
  r.detail = input.live ? `restored in Git; waiting for the app to be Ready on ${nodes}` : noCluster;
  return result("running", "rollback", { kind: "wait", until: new Date(deadline), reason: r.detail }, error);
}

/** An operation of one commit (an emergency promote, demote or evacuate). */
function oneStep(input: FoldInput, commit: StepCommit): Folded {
  const at = rfc3339(Date.parse(commit.time));
  return {
    operation: {
      id: input.id,
      action: commit.action,
      services: commit.services,
      finalSync: false,
      state: "succeeded",
      step: "switch",
      steps: [
        {
          name: "switch",
          state: "succeeded",
          startedAt: at,
          finishedAt: at,
          commit: commit.sha,
          detail: "committed",
        },
      ],
      progress: null,
      error: null,
    },
    next: { kind: "done" },
    abortable: false,
  };
}
