import type { Check } from "../domain/check.js";
import type { LiveView } from "../domain/live-state.js";
import { describeFailing, planService, type PlannedService } from "./plan-service.js";
import type { RepoSnapshot } from "./repo-snapshot.js";
import { plannedMoveProblem } from "./planned-move-problem.js";

export interface EvacuationPlan {
  included: PlannedService[];
  skipped: { name: string; reason: string }[];
  checks: Record<string, Check[]>;
  refusedAny: boolean;
  failedAny: boolean;
}

/**
 * Best effort (it is used in emergencies): every primary of the node that can be promoted is,
 * the others are listed with the reason. Pure given its inputs.
 */
export function planEvacuation(
  snapshot: RepoSnapshot,
  names: readonly string[],
  live: LiveView | null,
  now: Date,
  force: boolean,
  finalSync = false,
): EvacuationPlan {
  const plan: EvacuationPlan = { included: [], skipped: [], checks: {}, refusedAny: false, failedAny: false };
  for (const name of names) {
    const state = snapshot.services.get(name);
    if (!state) continue;
    const planned = planService(state, "promote", live, now, null, finalSync);
    plan.checks[name] = planned.checks;
    if (planned.refused) {
      plan.refusedAny = true;
      const config = planned.checks.filter((c) => c.name === "config");
      plan.skipped.push({ name, reason: `refused: ${describeFailing(config)}` });
    } else if (state.reading.role !== "primary") {
      const reason =
        state.reading.role === "backup"
          ? "already on backup"
          : `role is ${state.reading.role}: promote it on its own`;
      plan.skipped.push({ name, reason });
    } else if (planned.failing.length > 0 && !force) {
      plan.failedAny = true;
      plan.skipped.push({ name, reason: `preflight failed: ${describeFailing(planned.failing)}` });
    } else if (finalSync && plannedMoveProblem(state.spec, snapshot.files, "promote") !== null) {
      plan.refusedAny = true;
      plan.skipped.push({
        name,
        reason: `refused: ${plannedMoveProblem(state.spec, snapshot.files, "promote") ?? ""}`,
      });
    } else plan.included.push(planned);
  }
  return plan;
}
