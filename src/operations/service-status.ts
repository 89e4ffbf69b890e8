import { FailoverError } from "../domain/failover-error.js";
import { filesOf } from "../manifests/scan-service.js";
import type {
  LiveStatus,
  OperationWithProgress,
  Progress,
  ReplicationStatus,
  ServiceSummary,
} from "./operation-types.js";
import type { RepoSnapshot, ServiceState } from "./repo-snapshot.js";

export interface ServiceStatus extends ServiceSummary {
  revision: string;
  files: string[];
  live: LiveStatus | null;
  replication: ReplicationStatus[] | null;
  lastOperation: OperationWithProgress | null;
}

/** What the cluster adds to a status; absent without a cluster. */
export interface ClusterStatusSource {
  live(state: ServiceState): LiveStatus;
  replication(state: ServiceState): ReplicationStatus[];
  progress(service: string, commit: string): Progress | null;
}

/** One service in depth, from the in-memory snapshot and cluster watches (no Git, no API call). */
export function serviceStatus(
  snapshot: RepoSnapshot,
  name: string,
  cluster?: ClusterStatusSource | null,
): ServiceStatus {
  const state = snapshot.services.get(name);
  if (!state) throw new FailoverError("SERVICE_NOT_FOUND", `unknown service "${name}"`);
  const last = snapshot.history.find((o) => o.services.includes(name));
  return {
    ...state.summary,
    revision: snapshot.revision,
    files: filesOf(state.spec),
    live: cluster ? cluster.live(state) : null,
    replication: cluster ? cluster.replication(state) : null,
    lastOperation: last ? { ...last, progress: cluster ? cluster.progress(name, last.commit) : null } : null,
  };
}
