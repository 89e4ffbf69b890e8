import { FailoverError } from "../domain/failover-error.js";
import type { OperationWithProgress, ServiceSummary } from "./operation-types.js";
import type { RepoSnapshot } from "./repo-snapshot.js";

export interface ServiceStatus extends ServiceSummary {
  revision: string;
  files: string[];
  live: unknown;
  replication: unknown;
  lastOperation: OperationWithProgress | null;
}

/** One service in depth, from the in-memory snapshot (no Git command). */
export function serviceStatus(snapshot: RepoSnapshot, name: string): ServiceStatus {
  const state = snapshot.services.get(name);
  if (!state) throw new FailoverError("SERVICE_NOT_FOUND", `unknown service "${name}"`);
  const last = snapshot.history.find((o) => o.services.includes(name));
  return {
    ...state.summary,
    revision: snapshot.revision,
    files: state.spec.files,
    live: null,
    replication: null,
    lastOperation: last ? { ...last, progress: null } : null,
  };
}
