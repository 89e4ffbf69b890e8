/**
 * The API's objects as the dashboard reads them (SPEC §7, §7.1; the server's own types are in
 * src/operations/operation-types.ts and src/events/live-operation.ts). Browser code cannot
 * import the server's modules, so the shapes are repeated here; the browser tests run this code
 * against the real server.
 */
export type Role = "primary" | "backup" | "mixed" | "unknown";

export interface ServiceSummary {
  name: string;
  namespace: string;
  role: Role;
  activeNode: string | null;
  primaryNode: string;
  backupNode: string;
  claims: { primary: string; backup: string; active: string | null }[];
  problems: string[];
}

export interface ServiceList {
  services: ServiceSummary[];
  revision: string;
}

export interface Pod {
  name: string;
  node: string | null;
  phase: string;
  ready: boolean;
  terminating: boolean;
}

export interface LiveState {
  pods: Pod[];
  nodes: Record<string, { ready: boolean; since: string | null }>;
  blockers: string[];
}

export interface ReplicationState {
  kind: string;
  name: string;
  paused: boolean | null;
  lastSyncTime: string | null;
  ageSeconds: number | null;
}

export interface Progress {
  pushedAt: string | null;
  fluxAppliedAt: string | null;
  runningAt: string | null;
  runningNode: string | null;
}

/** A failover commit as `history` reads it back from the trailers. */
export interface HistoryEntry {
  commit: string;
  action: "promote" | "demote" | "evacuate";
  services: string[];
  actor: string;
  reason: string;
  at: string;
  forced: boolean;
  requestId: string;
}

export interface ServiceStatus extends ServiceSummary {
  revision: string;
  files: string[];
  live: LiveState | null;
  replication: ReplicationState[] | null;
  lastOperation: (HistoryEntry & { progress: Progress | null }) | null;
}

export type CheckStatus = "pass" | "warn" | "fail" | "skip";

export interface Check {
  name: string;
  status: CheckStatus;
  detail: string;
}

export interface OperationResult {
  name: string;
  action: "promote" | "demote";
  dryRun: boolean;
  changed: boolean;
  from: Role;
  to: "primary" | "backup";
  diff: string;
  files: string[];
  checks: Check[];
  commit: string | null;
  forced: boolean;
}

export interface EvacuateResult {
  node: string;
  action: "evacuate";
  dryRun: boolean;
  changed: boolean;
  services: string[];
  skipped: { name: string; reason: string }[];
  diff: string;
  checks: Record<string, Check[]>;
  commit: string | null;
  forced: boolean;
}

/** RFC 9457 problem details as the API writes them. */
export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  code: string;
  retryable: boolean;
  requestId: string;
  checks?: Check[] | Record<string, Check[]>;
  errors?: string[];
  skipped?: { name: string; reason: string }[];
  problems?: string[];
  diff?: string;
}

export interface OperationStep {
  name: string;
  state: "pending" | "running" | "succeeded" | "failed" | "skipped";
  startedAt: string | null;
  finishedAt: string | null;
  commit: string | null;
  detail: string | null;
}

/** The `operation` event (SPEC §5.2), with who asked and why. */
export interface LiveOperation {
  id: string;
  action: "promote" | "demote" | "evacuate";
  services: string[];
  finalSync: boolean;
  state: "running" | "succeeded" | "failed" | "aborted";
  step: string | null;
  steps: OperationStep[];
  progress: Progress | null;
  error: string | null;
  actor?: string;
  reason?: string | null;
  forced?: boolean;
}

/** `GET /api/dashboard`. */
export interface DashboardInfo {
  viewer: { name: string; role: "operator" | "viewer" | "anonymous"; canOperate: boolean };
  auth: { mode: "token" | "none"; readRequiresToken: boolean };
  services: Record<
    string,
    {
      maxReplicationAgeSeconds: number;
      replication: { kind: string; name: string; direction: "forward" | "reverse" }[];
    }
  >;
}
