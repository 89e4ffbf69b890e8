/** What the preflight rules need to know about the cluster. Null everywhere means "no cluster". */
export interface PodView {
  name: string;
  node: string | null;
  phase: string;
  ready: boolean;
  terminating: boolean;
  /** When the pod became Ready (its Ready condition's last transition), if known. */
  readySince?: string | null;
}

export interface NodeView {
  ready: boolean;
  /** When the Ready condition last changed (RFC 3339), if known. */
  since: string | null;
}

export interface ReplicationView {
  paused: boolean;
  lastSyncTime: string | null;
  /** `status.lastManualSync`: the manual trigger the last completed sync answered (SPEC §5.1). */
  lastManualSync?: string | null;
  /** A sync is running (`status.lastSyncStartTime` is set). */
  syncing?: boolean;
}

export interface FluxOwnerView {
  namespace: string;
  name: string;
  suspended: boolean;
  /** `status.lastAppliedRevision` (`<branch>@sha1:<sha>`), if Flux reported one. */
  lastAppliedRevision?: string | null;
}

export interface LiveView {
  node(name: string): NodeView | undefined;
  pods(namespace: string, workloadName: string): PodView[];
  replication(namespace: string, kind: string, name: string): ReplicationView | undefined;
  /** The Flux Kustomization(s) whose `spec.path` contains one of the files; empty if none is known. */
  fluxOwners(files: readonly string[]): FluxOwnerView[];
}
