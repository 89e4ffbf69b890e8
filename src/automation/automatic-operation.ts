import type { FailoverOperations } from "../operations/failover-operations.js";
import type { PlannedMoves } from "../operations/planned-moves.js";
import type { ActOutcome, TriggerFacts } from "./decide.js";
import type { DecisionOperation } from "./decision-types.js";

export type AutomaticOperations = Pick<FailoverOperations, "evacuate" | "switchService">;
export type AutomaticPlannedMoves = Pick<PlannedMoves, "start">;

/**
 * Runs what a decision to act says, through the ordinary operations (same preflight, same
 * commit; the trigger is the `Failover-Actor`, never `force`). A failback is always a
 * final-sync demote started through the planned moves (SPEC §5.1): this commits its first step
 * and the leader's driver carries it on. A failure is reported in the result, not thrown: the
 * decision is recorded either way.
 */
export async function runAutomaticOperation(
  operations: AutomaticOperations,
  planned: AutomaticPlannedMoves,
  facts: TriggerFacts,
  outcome: ActOutcome,
  id: string,
): Promise<DecisionOperation> {
  const options = { actor: facts.trigger, reason: `${facts.trigger}: ${outcome.detail}`, requestId: id };
  const operation: DecisionOperation = {
    id,
    action: outcome.action,
    services: outcome.services,
    commit: null,
    error: null,
  };
  try {
    if (outcome.action === "evacuate" && "node" in facts) {
      // Only the services the decision kept: those in cooldown are left out.
      const result = await operations.evacuate(facts.node, { ...options, only: outcome.services });
      return { ...operation, services: result.services, commit: result.commit };
    }
    const [service] = outcome.services;
    if (service === undefined || outcome.action === "evacuate") throw new Error("no service to switch");
    if (facts.trigger === "failback") {
      const started = await planned.start("demote", service, options);
      // The commit of step 1 (quiesce); the operation's id follows the rest at /api/operations/{id}.
      const commit =
        started.kind === "operation"
          ? (started.operation.steps.find((s) => s.name === "quiesce")?.commit ?? null)
          : "commit" in started.result
            ? started.result.commit
            : null;
      return { ...operation, commit };
    }
    const result = await operations.switchService(service, outcome.action, options);
    return { ...operation, commit: result.commit };
  } catch (error) {
    return { ...operation, error: error instanceof Error ? error.message : String(error) };
  }
}
