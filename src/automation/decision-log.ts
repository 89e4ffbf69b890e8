import type { PastDecision } from "./decide.js";
import type { DecisionRecord } from "./decision-types.js";

/** How many decisions `GET /api/automation` lists (SPEC §10). */
export const decisionLogSize = 200;

export type DecisionListener = (record: DecisionRecord) => void;

/**
 * The last 200 decisions of this process, newest first, and a hook for whoever shows them live
 * (the dashboard's event stream). Git keeps the operations and Kubernetes the Events; this list
 * is the explanation of what automation decided, including what it did not do.
 */
export class DecisionLog {
  readonly #records: DecisionRecord[] = [];
  readonly #listeners = new Set<DecisionListener>();
  readonly #onListenerError: (error: unknown) => void;

  constructor(onListenerError: (error: unknown) => void = () => undefined) {
    this.#onListenerError = onListenerError;
  }

  add(record: DecisionRecord): void {
    this.#records.unshift(record);
    if (this.#records.length > decisionLogSize) this.#records.length = decisionLogSize;
    for (const listener of this.#listeners) {
      try {
        listener(record);
      } catch (error) {
        this.#onListenerError(error);
      }
    }
  }

  /** Newest first. */
  list(): DecisionRecord[] {
    return [...this.#records];
  }

  /** Called with every new decision; returns the unsubscribe function. */
  onDecision(listener: DecisionListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** The decisions the guard rails count: a dry run's, and failed attempts (newest first). */
  past(): PastDecision[] {
    return this.#records.map((r) => ({
      at: new Date(r.at),
      decision: r.decision,
      services: r.operation?.services ?? (r.service === undefined ? [] : [r.service]),
      failed: r.operation != null && r.operation.error !== null && r.operation.commit === null,
    }));
  }
}
