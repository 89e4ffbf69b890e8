import type { HistoryCommit } from "../git/commit-history.js";
import type { Operation } from "../operations/operation-types.js";
import { stepCommitOf } from "../operations/step-message.js";

/**
 * The operations the guard rails count, newest first: every failover commit, the steps of a
 * planned move included (a quiesce, a rollback), not only the role changes that history lists.
 * So a failback that failed and was rolled back starts the cooldown at its rollback, and a
 * planned move counts once toward `maxActionsPerHour` (its steps share one request id).
 */
export function guardRailHistory(commits: readonly HistoryCommit[]): Operation[] {
  const operations: Operation[] = [];
  for (const c of commits) {
    const step = stepCommitOf(c);
    if (!step) continue;
    operations.push({
      commit: step.sha,
      action: step.action,
      services: step.services,
      actor: step.actor,
      reason: step.reason,
      at: new Date(step.time).toISOString().replace(/\.\d{3}Z$/, "Z"),
      forced: step.forced,
      requestId: step.operation,
    });
  }
  return operations;
}
