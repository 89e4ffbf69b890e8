import type { LiveView } from "../domain/live-state.js";
import { describeFailing, lastPromoteOf, planService } from "../operations/plan-service.js";
import { plannedMoveProblem } from "../operations/planned-move-problem.js";
import type { RepoSnapshot } from "../operations/repo-snapshot.js";
import type { ServiceFacts } from "./decide.js";

/**
 * The facts of one service for a decision, from the same planning and preflight the operation
 * runs (so a decision to act is followed by an operation that passes the same checks). With
 * `finalSync` (failback) they are a planned move's: the checks the move meets by itself pass, and
 * a service that cannot move with a final sync is refused with the reason.
 */
export function serviceFacts(
  snapshot: RepoSnapshot,
  name: string,
  action: "promote" | "demote",
  live: LiveView,
  now: Date,
  options: { finalSync?: boolean } = {},
): ServiceFacts | null {
  const state = snapshot.services.get(name);
  if (!state) return null;
  const finalSync = options.finalSync === true;
  const lastPromoteAt = action === "demote" ? lastPromoteOf(snapshot, name) : null;
  const planned = planService(state, action, live, now, lastPromoteAt, finalSync);
  const config = planned.checks.filter((c) => c.name === "config" && c.status === "fail");
  const problem =
    finalSync && !planned.refused && planned.plan.splices.length > 0
      ? plannedMoveProblem(state.spec, snapshot.files, action)
      : null;
  return {
    name,
    role: state.reading.role,
    refused: planned.refused ? describeFailing(config) : problem,
    failing: planned.failing,
  };
}
