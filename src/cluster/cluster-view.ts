import type { LiveView } from "../domain/live-state.js";
import type { GitRepositoryRecord, KustomizationRecord } from "./flux-records.js";
import type { NodeRecord } from "./node-record.js";
import type { PodRecord } from "./pod-record.js";
import type { ReplicationRecord } from "./replication-record.js";

/**
 * The in-memory cluster state, in more detail than the preflight rules' LiveView: what the
 * status page, the blockers, the progress tracker and the Flux nudge read. Synchronous.
 */
export interface ClusterView extends LiveView {
  node(name: string): NodeRecord | undefined;
  /** Every node, by name. */
  nodes(): NodeRecord[];
  pods(namespace: string, workloadName: string): PodRecord[];
  replication(namespace: string, kind: string, name: string): ReplicationRecord | undefined;
  fluxOwners(files: readonly string[]): KustomizationRecord[];
  gitRepository(): GitRepositoryRecord | undefined;
}
