import type {
  FluxOwnerView,
  LiveView,
  NodeView,
  PodView,
  ReplicationView,
} from "../../src/domain/live-state.js";

/**
 * Live facts as plain data a test sets step by step (pods, VolSync status, Flux's applied
 * revision). For unit and HTTP tests of the planned-move logic; the cluster tests run the same
 * logic against a real API server, VolSync and the Flux stand-in.
 */
export class ScriptedLive implements LiveView {
  nodes = new Map<string, NodeView>([
    ["w1", { ready: true, since: "2026-01-01T00:00:00Z" }],
    ["w2", { ready: true, since: "2026-01-01T00:00:00Z" }],
  ]);
  /** By `<namespace>/<workload>`. */
  podsBy = new Map<string, PodView[]>();
  /** By `<namespace>/<kind>/<name>`. */
  objects = new Map<string, ReplicationView>();
  /** The commit the (one) Flux Kustomization last applied; null: none yet. */
  appliedSha: string | null = null;

  node(name: string): NodeView | undefined {
    return this.nodes.get(name);
  }
  pods(namespace: string, workloadName: string): PodView[] {
    return this.podsBy.get(`${namespace}/${workloadName}`) ?? [];
  }
  replication(namespace: string, kind: string, name: string): ReplicationView | undefined {
    return this.objects.get(`${namespace}/${kind}/${name}`);
  }
  fluxOwners(): FluxOwnerView[] {
    const lastAppliedRevision = this.appliedSha === null ? null : `main@sha1:${this.appliedSha}`;
    return [{ namespace: "flux-system", name: "apps", suspended: false, lastAppliedRevision }];
  }

  runningOn(namespace: string, workload: string, node: string, readySince = new Date().toISOString()): void {
    this.podsBy.set(`${namespace}/${workload}`, [
      { name: `${workload}-0`, node, phase: "Running", ready: true, terminating: false, readySince },
    ]);
  }
  stopped(namespace: string, workload: string): void {
    this.podsBy.set(`${namespace}/${workload}`, []);
  }
  synced(
    namespace: string,
    kind: string,
    name: string,
    lastManualSync: string | null,
    lastSyncTime: string,
  ): void {
    this.objects.set(`${namespace}/${kind}/${name}`, {
      paused: false,
      lastSyncTime,
      lastManualSync,
      syncing: false,
    });
  }
}

export class ScriptedLeader {
  isLeader = true;
  holder: string | null = "test-replica";
}
