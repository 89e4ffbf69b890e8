import type { ServiceSpec } from "../domain/service-spec.js";
import type { LiveStatus, ReplicationStatus } from "../operations/operation-types.js";
import type { ClusterView } from "./cluster-view.js";
import { podBlockers, type DesiredPlacement } from "./pod-blockers.js";

/** Pods, the nodes involved (primary, backup and the pods' nodes) and the blockers. */
export function liveStatus(spec: ServiceSpec, view: ClusterView, desired: DesiredPlacement): LiveStatus {
  const pods = view.pods(spec.namespace, spec.workload.name);
  const names = new Set([spec.primaryNode, spec.backupNode]);
  for (const pod of pods) if (pod.node !== null) names.add(pod.node);
  const nodes: LiveStatus["nodes"] = {};
  for (const name of [...names].sort()) {
    const node = view.node(name);
    // A node missing from the cluster is reported not ready rather than left out.
    nodes[name] = { ready: node?.ready ?? false, since: node?.since ?? null };
  }
  return {
    pods: pods.map((p) => ({
      name: p.name,
      node: p.node,
      phase: p.phase,
      ready: p.ready,
      terminating: p.terminating,
    })),
    nodes,
    blockers: podBlockers(spec, view, desired),
  };
}

export function replicationStatus(spec: ServiceSpec, view: ClusterView, now: Date): ReplicationStatus[] {
  return spec.replication.map((ref) => {
    const seen = view.replication(spec.namespace, ref.kind, ref.name);
    const synced = seen?.lastSyncTime ? Date.parse(seen.lastSyncTime) : NaN;
    return {
      kind: ref.kind,
      name: ref.name,
      paused: seen ? seen.paused : null,
      lastSyncTime: seen?.lastSyncTime ?? null,
      ageSeconds: Number.isNaN(synced) ? null : Math.max(0, Math.round((now.getTime() - synced) / 1000)),
    };
  });
}

/** Samples of `failover_replication_age_seconds{service,object}`; objects never synced are left out. */
export function replicationAges(
  services: readonly ServiceSpec[],
  view: ClusterView,
  now: Date,
): { service: string; object: string; ageSeconds: number }[] {
  return services.flatMap((spec) =>
    replicationStatus(spec, view, now).flatMap((r) =>
      r.ageSeconds === null
        ? []
        : [{ service: spec.name, object: `${r.kind}/${r.name}`, ageSeconds: r.ageSeconds }],
    ),
  );
}
