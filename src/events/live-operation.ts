import type { OperationDetail } from "../domain/operation-detail.js";
import type { Operation, Progress } from "../operations/operation-types.js";

/** A step of an operation (SPEC §5.2). An emergency promote/demote/evacuate has one: `switch`. */
export interface OperationStep {
  name: "quiesce" | "final-sync" | "switch" | "rollback";
  state: "pending" | "running" | "succeeded" | "failed" | "skipped";
  startedAt: string | null;
  finishedAt: string | null;
  commit: string | null;
  detail: string | null;
}

/**
 * The Operation object of SPEC §5.2 as the `operation` event carries it, plus who asked and why
 * (`actor`, `reason`, `forced`: what the dashboard's timeline shows, as the commit trailers say).
 */
export interface LiveOperation {
  id: string;
  action: "promote" | "demote" | "evacuate";
  services: string[];
  finalSync: boolean;
  state: "running" | "succeeded" | "failed" | "aborted";
  step: OperationStep["name"] | null;
  steps: OperationStep[];
  progress: Progress | null;
  error: string | null;
  actor: string;
  reason: string | null;
  forced: boolean;
}

/** A finished emergency operation as Git records it (commit trailers). */
export function operationFromHistory(op: Operation, progress: Progress | null): LiveOperation {
  return {
    id: op.requestId,
    action: op.action,
    services: op.services,
    finalSync: false,
    state: "succeeded",
    step: "switch",
    steps: [
      {
        name: "switch",
        state: "succeeded",
        startedAt: op.at,
        finishedAt: op.at,
        commit: op.commit,
        detail: null,
      },
    ],
    progress,
    error: null,
    actor: op.actor,
    reason: op.reason,
    forced: op.forced,
  };
}

export function startedOperation(
  id: string,
  action: LiveOperation["action"],
  services: string[],
  actor: string,
  reason: string | null,
  at: Date,
): LiveOperation {
  return {
    id,
    action,
    services,
    finalSync: false,
    state: "running",
    step: "switch",
    steps: [
      {
        name: "switch",
        state: "running",
        startedAt: at.toISOString(),
        finishedAt: null,
        commit: null,
        detail: null,
      },
    ],
    progress: null,
    error: null,
    actor,
    reason,
    forced: false,
  };
}

export function finishedOperation(
  op: LiveOperation,
  at: Date,
  outcome: { commit: string | null; forced: boolean; detail: string | null } | { error: string },
): LiveOperation {
  const failed = "error" in outcome;
  const finishedAt = at.toISOString();
  return {
    ...op,
    state: failed ? "failed" : "succeeded",
    steps: op.steps.map((s) =>
      s.state === "running"
        ? {
            ...s,
            state: failed ? "failed" : "succeeded",
            finishedAt,
            commit: failed ? null : outcome.commit,
            detail: failed ? outcome.error : outcome.detail,
          }
        : s,
    ),
    error: failed ? outcome.error : null,
    forced: failed ? false : outcome.forced,
  };
}

/**
 * A planned move (SPEC §5.1) as its `operation` event carries it. Who asked and why live in the
 * step commits' trailers, not in the Operation object; the timeline reads them from the history.
 */
export function operationFromDetail(op: OperationDetail): LiveOperation {
  return {
    id: op.id,
    action: op.action,
    services: op.services,
    finalSync: op.finalSync,
    state: op.state,
    step: op.step,
    steps: op.steps.map((s) => ({ ...s })),
    progress: op.progress,
    error: op.error,
    actor: "",
    reason: null,
    forced: false,
  };
}
