/** SPEC §5.2: an operation read back from Git plus the cluster. */
export type StepName = "quiesce" | "final-sync" | "switch" | "rollback";
export type OperationStateName = "running" | "succeeded" | "failed" | "aborted";
export type StepState = "pending" | "running" | "succeeded" | "failed" | "skipped";

export interface StepDetail {
  name: StepName;
  state: StepState;
  startedAt: string | null;
  finishedAt: string | null;
  /** The step's commit (the last one when the step took two). */
  commit: string | null;
  detail: string;
}

export interface OperationProgress {
  pushedAt: string | null;
  fluxAppliedAt: string | null;
  runningAt: string | null;
  runningNode: string | null;
}

export interface OperationDetail {
  id: string;
  action: "promote" | "demote" | "evacuate";
  services: string[];
  finalSync: boolean;
  state: OperationStateName;
  step: StepName;
  steps: StepDetail[];
  progress: OperationProgress | null;
  error: string | null;
}

/** One commit of an operation, as its trailers record it. */
export interface StepCommit {
  sha: string;
  /** Committer time (RFC 3339). */
  time: string;
  /** null for a one-commit (emergency) operation written without a step trailer. */
  step: StepName | null;
  action: "promote" | "demote" | "evacuate";
  services: string[];
  actor: string;
  reason: string;
  forced: boolean;
  /** Rollback only: why, and whether it was an abort. */
  outcome: "failed" | "aborted" | null;
  error: string | null;
  /** Evacuate: `<service>: <reason>` of each service left out. */
  skipped: string[];
}
