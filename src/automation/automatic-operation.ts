import type { FailoverOperations } from "../operations/failover-operations.js";
import type { ActOutcome, TriggerFacts } from "./decide.js";
import type { DecisionOperation } from "./decision-types.js";

export type AutomaticOperations = Pick<FailoverOperations, "evacuate" | "switchService">;

/**
 * Runs what a decision to act says, through the ordinary operations (same preflight, same
 * commit; the trigger is the `Failover-Actor`, never `force`). A failure is reported in the
 * result, not thrown: the decision is recorded either way.
 */
export async function runAutomaticOperation(
  operations: AutomaticOperations,
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
    const result = await operations.switchService(service, outcome.action, options);
    return { ...operation, commit: result.commit };
  } catch (error) {
    return { ...operation, error: error instanceof Error ? error.message : String(error) };
  }
}
