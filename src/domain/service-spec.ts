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
