import { FailoverError } from "../domain/failover-error.js";
import type { Folded } from "../domain/fold-operation.js";
import type { StepName } from "../domain/operation-detail.js";
import { moveAction, type OperationContext } from "./operation-facts.js";
import type { StepPlan } from "./repo-session.js";
import { stepMessage } from "./step-message.js";

/** What a later step of a planned move changes, and how its commit describes itself. */
export interface StepFilesPlan {
  files: { changed: Map<string, string>; kept: string[] };
  /** Rollback: why, and whether it was an abort. */
  outcome?: "failed" | "aborted";
  error?: string;
  /** The step actually committed, when not the one asked for (a refused switch rolls back). */
  step?: StepName;
}

/**
 * The commit of a step after the first: the operation's own subject, actor, reason and forced flag
 * (from its first commit) with this step's trailers; recorded even when no file changes.
 */
export function stepCommitPlan(
  ctx: OperationContext,
  step: StepName,
  planned: StepFilesPlan,
): StepPlan<undefined> {
  const first = ctx.commits[0];
  if (!first) throw new FailoverError("INTERNAL", `operation ${ctx.id} has no commits`);
  const actual = planned.step ?? step;
  const promote = moveAction(ctx) === "promote";
  const spec = ctx.specs[0];
  // Where the apps run after the switch; the evacuated node for an evacuation.
  const target = spec ? (promote ? spec.backupNode : spec.primaryNode) : "";
  const origin = spec ? (promote ? spec.primaryNode : spec.backupNode) : "";
  const node = first.action === "evacuate" ? origin : target;
  return {
    changed: planned.files.changed,
    message: stepMessage({
      operation: ctx.id,
      step: actual,
      action: first.action,
      services: first.services,
      node,
      actor: first.actor,
      reason: first.reason,
      forced: first.forced,
      ...(planned.outcome ? { outcome: planned.outcome } : {}),
      ...(planned.error ? { error: planned.error } : {}),
    }),
    allowEmpty: true,
    pushed: {
      services: first.services,
      targetNode: actual === "switch" ? target : origin,
      action: actual === "switch" ? first.action : actual,
    },
    build: () => undefined,
  };
}

/** Throws 409 unless the operation may still be rolled back (before its switch, not ended). */
export function refuseUnlessAbortable(id: string, folded: Folded): void {
  if (folded.abortable) return;
  const op = folded.operation;
  const switched = op.steps.find((s) => s.name === "switch" && s.commit !== null);
  const why =
    op.state !== "running"
      ? `has already ended (${op.state})`
      : switched
        ? `has already switched (commit ${switched.commit ?? ""}); demote or promote it back instead`
        : "is rolling back already";
  throw new FailoverError("OPERATION_CONFLICT", `operation ${id} ${why}: nothing to abort`, {
    details: { operation: id },
  });
}
