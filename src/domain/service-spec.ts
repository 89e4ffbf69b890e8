/** A service as the planner sees it: configuration with defaults already applied. */
export type Role = "primary" | "backup" | "mixed" | "unknown";
export type TargetRole = "primary" | "backup";
export type Action = "promote" | "demote" | "evacuate";

export interface ClaimPair {
  primary: string;
  backup: string;
}

export type ReplicationKind = "ReplicationSource" | "ReplicationDestination";

export interface ReplicationRef {
  kind: ReplicationKind;
  name: string;
  /** forward: primary → backup (paused on promote); reverse: backup → primary (resumed on promote). */
  direction: "forward" | "reverse";
}

/** One segment of an `edits[].path`: a mapping key or a list index. */
export type PathSegment = string | number;

export interface ExplicitEdit {
  file: string;
  select: { kind: string; name: string; namespace?: string | undefined };
  path: PathSegment[];
  /** The path as written in the configuration, for messages. */
  pathText: string;
  primary: string;
  backup: string;
}

/**
 * One `quiesce` entry (SPEC §5.1): a scalar that stops the app when set to `stopped` (e.g. a
 * HelmRelease's replica count), in the shape of `edits`.
 */
export interface QuiesceEdit {
  file: string;
  select: { kind: string; name: string; namespace?: string | undefined };
  path: PathSegment[];
  pathText: string;
  running: string;
  stopped: string;
}

export interface ServiceSpec {
  name: string;
  namespace: string;
  workload: { kind: WorkloadKind; name: string };
  files: string[];
  claims: ClaimPair[];
  primaryNode: string;
  backupNode: string;
  maxReplicationAgeSeconds: number;
  replication: ReplicationRef[];
  edits: ExplicitEdit[];
  /** How a planned move stops the app; empty: the workload's `spec.replicas` (Deployment/StatefulSet). */
  quiesce: QuiesceEdit[];
  /** Planned moves: how long the final sync may take, and the app to stop (or start again). */
  finalSyncTimeoutSeconds: number;
  quiesceTimeoutSeconds: number;
}

export function targetRoleOf(action: "promote" | "demote"): TargetRole {
  return action === "promote" ? "backup" : "primary";
}

export function nodeOfRole(spec: ServiceSpec, role: TargetRole): string {
  return role === "backup" ? spec.backupNode : spec.primaryNode;
}

export const workloadKinds = [
  "Deployment",
  "StatefulSet",
  "DaemonSet",
  "Job",
  "CronJob",
  "Pod",
  "HelmRelease",
] as const;
export type WorkloadKind = (typeof workloadKinds)[number];
