import type { Check } from "../domain/check.js";
import type { Role, TargetRole } from "../domain/service-spec.js";

/** API shapes of SPEC §7 (the HTTP layer's schemas mirror these exactly). */
export interface ClaimState {
  primary: string;
  backup: string;
  active: string | null;
}

export interface ServiceSummary {
  name: string;
  namespace: string;
  role: Role;
  activeNode: string | null;
  primaryNode: string;
  backupNode: string;
  claims: ClaimState[];
  problems: string[];
}

export interface Operation {
  commit: string;
  action: "promote" | "demote" | "evacuate";
  services: string[];
  actor: string;
  reason: string;
  at: string;
  forced: boolean;
  requestId: string;
}

export interface Progress {
  pushedAt: string | null;
  fluxAppliedAt: string | null;
  runningAt: string | null;
  runningNode: string | null;
}

export interface OperationWithProgress extends Operation {
  progress: Progress | null;
}

export interface OperationResult {
  name: string;
  action: "promote" | "demote";
  dryRun: boolean;
  changed: boolean;
  from: Role;
  to: TargetRole;
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

export interface OperationOptions {
  dryRun?: boolean;
  force?: boolean;
  /** A planned move (SPEC §5.1): quiesce, final sync, switch. */
  finalSync?: boolean;
  /** Planned moves: hold the answer until the operation ends. */
  wait?: boolean;
  reason?: string | undefined;
  actor: string;
  requestId: string;
  /** Evacuate only these of the node's services (automation leaves out those in cooldown). */
  only?: readonly string[];
}

/** SPEC §7 `live`: what the cluster shows for the service (null without a cluster). */
export interface LiveStatus {
  pods: { name: string; node: string | null; phase: string; ready: boolean; terminating: boolean }[];
  nodes: Record<string, { ready: boolean; since: string | null }>;
  blockers: string[];
}

/** SPEC §7 `replication` entry; paused/lastSyncTime/ageSeconds are null for an object not found. */
export interface ReplicationStatus {
  kind: string;
  name: string;
  paused: boolean | null;
  lastSyncTime: string | null;
  ageSeconds: number | null;
}

/** What an operation reports after a successful push (for the Flux nudge and progress). */
export interface PushInfo {
  commit: string;
  files: string[];
  services: string[];
  at: Date;
  targetNode: string;
  action: string;
}
