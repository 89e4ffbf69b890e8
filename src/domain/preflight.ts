import type { Check } from "./check.js";
import { formatDuration } from "./duration.js";
import type { LiveView } from "./live-state.js";
import type { ServiceAnalysis } from "./service-analysis.js";
import type { ServiceSpec } from "./service-spec.js";
import type { ServicePlan } from "./switch-plan.js";

export interface PreflightInput {
  spec: ServiceSpec;
  action: "promote" | "demote";
  plan: ServicePlan;
  analysis: ServiceAnalysis;
  /** null when no cluster is reachable: cluster checks are `skip`. */
  live: LiveView | null;
  now: Date;
  /** Commit time of the service's last promote, from history (for `reverse-synced`). */
  lastPromoteAt: Date | null;
}

const noCluster = "no cluster reachable";

/** SPEC §5 preflight checks, in a fixed order. Pure: all inputs are given. */
export function preflight(input: PreflightInput): Check[] {
  return [
    configCheck(input),
    backupFresh(input),
    targetNodeReady(input),
    sourceStopped(input),
    reverseSynced(input),
    fluxApplies(input),
  ];
}

function configCheck({ analysis, spec }: PreflightInput): Check {
  if (analysis.refusals.length > 0)
    return { name: "config", status: "fail", detail: analysis.refusals.join("; ") };
  const n = analysis.references.length;
  return { name: "config", status: "pass", detail: `${n} references found in ${spec.files.length} file(s)` };
}

function backupFresh({ spec, action, live, now }: PreflightInput): Check {
  const name = "backup-fresh";
  if (action !== "promote") return { name, status: "pass", detail: "not needed for demote" };
  const forward = spec.replication.filter((r) => r.direction === "forward");
  if (forward.length === 0) {
    return { name, status: "warn", detail: "no forward replication configured: the backup's age is unknown" };
  }
  if (!live) return { name, status: "skip", detail: noCluster };
  const max = spec.maxReplicationAgeSeconds;
  const stale: string[] = [];
  const fresh: string[] = [];
  for (const rep of forward) {
    const seen = live.replication(spec.namespace, rep.kind, rep.name);
    const label = `${rep.kind}/${rep.name}`;
    if (!seen) stale.push(`${label} not found in namespace ${spec.namespace}`);
    else if (!seen.lastSyncTime) stale.push(`${label} has never synced`);
    // An unreadable time would compare false against the limit and pass as fresh.
    else if (Number.isNaN(Date.parse(seen.lastSyncTime)))
      stale.push(`${label} has an unreadable lastSyncTime "${seen.lastSyncTime}"`);
    else {
      const age = (now.getTime() - Date.parse(seen.lastSyncTime)) / 1000;
      const text = `${label} last synced ${formatDuration(age)} ago (${seen.lastSyncTime})`;
      if (age > max) stale.push(`${text}, older than maxReplicationAge ${formatDuration(max)}`);
      else fresh.push(text);
    }
  }
  if (stale.length > 0) return { name, status: "fail", detail: stale.join("; ") };
  return { name, status: "pass", detail: fresh.join("; ") };
}

function targetNodeReady({ plan, live }: PreflightInput): Check {
  const name = "target-node-ready";
  if (!live) return { name, status: "skip", detail: noCluster };
  const node = live.node(plan.node);
  if (!node) return { name, status: "fail", detail: `node ${plan.node} not found in the cluster` };
  const since = node.since ? ` since ${node.since}` : "";
  if (!node.ready) return { name, status: "fail", detail: `node ${plan.node} is NotReady${since}` };
  return { name, status: "pass", detail: `node ${plan.node} is Ready${since}` };
}

function sourceStopped({ spec, action, live }: PreflightInput): Check {
  const name = "source-stopped";
  if (action !== "promote") return { name, status: "pass", detail: "not needed for demote" };
  if (!live) return { name, status: "skip", detail: noCluster };
  const pods = live.pods(spec.namespace, spec.workload.name).filter((p) => p.node === spec.primaryNode);
  const running = pods.filter((p) => p.phase === "Running" && !p.terminating);
  const nodeReady = live.node(spec.primaryNode)?.ready === true;
  if (running.length > 0 && nodeReady) {
    return {
      name,
      status: "fail",
      detail:
        `pod ${running.map((p) => p.name).join(", ")} is Running on ${spec.primaryNode}, which is Ready: ` +
        `promoting would make two writers; stop it first, or force for a planned switchover`,
    };
  }
  if (pods.length > 0) {
    const state = nodeReady ? "Ready" : "NotReady";
    const list = pods.map((p) => `${p.name} (${p.terminating ? "Terminating" : p.phase})`).join(", ");
    return { name, status: "pass", detail: `no Running pod on ${spec.primaryNode} (${state}): ${list}` };
  }
  return { name, status: "pass", detail: `no pod of ${spec.workload.name} on ${spec.primaryNode}` };
}

function reverseSynced({ spec, action, live, lastPromoteAt }: PreflightInput): Check {
  const name = "reverse-synced";
  if (action !== "demote") return { name, status: "pass", detail: "not needed for promote" };
  const reverse = spec.replication.filter((r) => r.direction === "reverse");
  if (reverse.length === 0) {
    return {
      name,
      status: "fail",
      detail:
        "no reverse replication configured: writes made on the backup since the promote would be lost; " +
        "add a reverse ReplicationSource, or force if that data does not matter",
    };
  }
  if (!live) return { name, status: "skip", detail: noCluster };
  const since = lastPromoteAt ? lastPromoteAt.toISOString() : null;
  const problems: string[] = [];
  const good: string[] = [];
  for (const rep of reverse) {
    const label = `${rep.kind}/${rep.name}`;
    const seen = live.replication(spec.namespace, rep.kind, rep.name);
    if (!seen) problems.push(`${label} not found in namespace ${spec.namespace}`);
    else if (!seen.lastSyncTime) problems.push(`${label} has never synced`);
    else if (Number.isNaN(Date.parse(seen.lastSyncTime)))
      problems.push(`${label} has an unreadable lastSyncTime "${seen.lastSyncTime}"`);
    else if (since === null)
      problems.push(
        `${label} last synced ${seen.lastSyncTime}, but no promote is recorded in history to compare with`,
      );
    else if (Date.parse(seen.lastSyncTime) <= Date.parse(since)) {
      problems.push(`${label} last synced ${seen.lastSyncTime}, not after the promote at ${since}`);
    } else good.push(`${label} synced ${seen.lastSyncTime}, after the promote at ${since}`);
  }
  if (problems.length > 0) return { name, status: "fail", detail: problems.join("; ") };
  return { name, status: "pass", detail: good.join("; ") };
}

function fluxApplies({ spec, plan, analysis, live }: PreflightInput): Check {
  const name = "flux-applies";
  const touched = new Set(
    plan.splices
      .filter((s) => s.reference.kind === "replication")
      .map((s) => `${s.file}: ${s.reference.object}`),
  );
  const ignored = analysis.ssaIfNotPresent.filter((o) => touched.has(o));
  if (ignored.length > 0) {
    return {
      name,
      status: "fail",
      detail:
        `${ignored.join(", ")} is labelled kustomize.toolkit.fluxcd.io/ssa: IfNotPresent, so Flux will never ` +
        `apply the change to spec.paused; remove that label (after the object exists) or pause it by hand`,
    };
  }
  if (!live)
    return {
      name,
      status: "pass",
      detail: "Flux will apply every changed object (Kustomization not checked: no cluster)",
    };
  const owners = live.fluxOwners(spec.files);
  if (owners.length === 0) {
    return {
      name,
      status: "fail",
      detail: `no Flux Kustomization found whose spec.path contains ${spec.files.join(", ")}`,
    };
  }
  const suspended = owners.filter((o) => o.suspended);
  if (suspended.length > 0) {
    return {
      name,
      status: "fail",
      detail: `Kustomization ${suspended.map((o) => `${o.namespace}/${o.name}`).join(", ")} is suspended: Flux will not apply the commit`,
    };
  }
  return {
    name,
    status: "pass",
    detail: `applied by Kustomization ${owners.map((o) => `${o.namespace}/${o.name}`).join(", ")}`,
  };
}

/**
 * A planned move (SPEC §5.1) stops the app before it switches (step 1) and copies its data last
 * (step 2), so the checks that guard an emergency move against two writers and lost writes are
 * met by the move itself: `source-stopped`, `reverse-synced` and `backup-fresh` pass, saying why.
 */
export function finalSyncChecks(checks: readonly Check[]): Check[] {
  const met: Partial<Record<Check["name"], string>> = {
    "source-stopped": "met by step 1 (quiesce): the app is scaled to zero and gone before the final sync",
    "reverse-synced": "met by step 2 (final sync): the data written on the backup is copied back last",
    "backup-fresh": "met by step 2 (final sync): the backup is brought up to date after the app stopped",
  };
  return checks.map((c) => {
    const why = met[c.name];
    if (why === undefined || c.detail.startsWith("not needed")) return c;
    return { ...c, status: "pass", detail: `${why} (now: ${c.detail})` };
  });
}
