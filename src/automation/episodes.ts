import type { Outcome, TriggerFacts } from "./decide.js";
import type { DecisionJournal } from "./decision-journal.js";
import type { AutomaticAction, DecisionKind, DecisionOperation } from "./decision-types.js";

interface Episode {
  decision: DecisionKind;
  reason: string;
  done: boolean;
}

export function actionOf(facts: TriggerFacts): AutomaticAction {
  return facts.trigger === "failback"
    ? "demote"
    : facts.trigger === "alertmanager"
      ? facts.action
      : "evacuate";
}

/**
 * One trigger's episode (a node's NotReady period, one firing of an alert) and what was recorded
 * for it: a decision is recorded when it differs from the episode's last one, so a guard rail
 * that keeps suppressing is one line, not one per look.
 */
export class Episodes {
  readonly #episodes = new Map<string, Episode>();
  readonly #journal: DecisionJournal;

  constructor(journal: DecisionJournal) {
    this.#journal = journal;
  }

  /** Acted or would-act: nothing more to decide in this episode. */
  isDone(key: string): boolean {
    return this.#episodes.get(key)?.done === true;
  }

  /** Forgets the episodes of `prefix` whose key is not in `live` (the node is Ready again). */
  prune(prefix: string, live: ReadonlySet<string>): void {
    for (const key of this.#episodes.keys()) {
      if (key.startsWith(prefix) && !live.has(key)) this.#episodes.delete(key);
    }
  }

  record(
    key: string,
    facts: TriggerFacts,
    decision: DecisionKind,
    outcome: Outcome,
    operation: DecisionOperation | null,
    options: { done: boolean; at: string },
  ): void {
    const previous = this.#episodes.get(key);
    this.#episodes.set(key, { decision, reason: outcome.reason, done: options.done });
    if (previous?.decision === decision && previous.reason === outcome.reason) return;
    const action = actionOf(facts);
    const target = "node" in facts ? { node: facts.node } : { service: facts.service };
    const { at } = options;
    const { reason, detail } = outcome;
    this.#journal.record(
      { at, trigger: facts.trigger, ...target, decision, reason, detail, operation },
      action,
    );
    if (outcome.kind === "wait") return;
    // Each service left out of an action (or of a suppressed one) gets its own line and Event.
    for (const e of outcome.excluded) {
      if (outcome.kind === "suppress" && outcome.excluded.length === 1 && "service" in target) continue;
      this.#journal.record(
        {
          at,
          trigger: facts.trigger,
          service: e.service,
          decision: "suppressed",
          reason: e.reason,
          detail: e.detail,
          operation: null,
        },
        action,
      );
    }
  }
}
