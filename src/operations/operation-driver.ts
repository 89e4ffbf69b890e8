import type { OperationDetail } from "../domain/operation-detail.js";
import type { Logger } from "../log/logger.js";
import type { FailoverOperations } from "./failover-operations.js";
import type { Leadership, PlannedMoves } from "./planned-moves.js";

export interface OperationDriverDeps {
  planned: PlannedMoves;
  operations: FailoverOperations;
  /** Null without a cluster: then nothing is driven (planned moves are refused anyway). */
  leader: () => Leadership | null;
  /** Flux's GitRepository revision: when it moves, some replica pushed; fetch now. */
  sourceRevision?: () => string | null;
  logger: Logger;
  /** How often running operations are folded again (default 1 s). */
  tickMs?: number;
  /** How often Git is fetched while an operation runs (default 5 s). */
  fetchMs?: number;
  /** The leader saw a planned move end (for the operation metrics: counted once, by the driver). */
  onEnded?: (operation: OperationDetail) => void;
}

/** Operations read per pass: running ones are always among the newest. */
const window = 20;

/**
 * Carries planned moves to their end. Every replica folds the recent operations each tick and
 * publishes their changes (for /api/events and `wait`); only the leader commits the next step.
 * Nothing here is the operation's state: a new leader, or this process restarted, finds every
 * running operation in Git and continues from what the fold says, with the deadlines the commit
 * times fix.
 */
export class OperationDriver {
  readonly #deps: Required<Omit<OperationDriverDeps, "sourceRevision" | "onEnded">> &
    Pick<OperationDriverDeps, "sourceRevision" | "onEnded">;
  readonly #ended = new Set<string>();
  readonly #seenRunning = new Set<string>();
  #timer: NodeJS.Timeout | undefined;
  #stopped = true;
  #busy: Promise<void> = Promise.resolve();
  #running = 0;
  #lastFetch = 0;
  #lastRevision: string | null = null;
  #wasLeader = false;
  #lastError: string | undefined;

  constructor(deps: OperationDriverDeps) {
    this.#deps = { tickMs: 1000, fetchMs: 5000, ...deps };
  }

  start(): void {
    this.#stopped = false;
    this.#schedule(0);
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#timer);
    await this.#busy;
  }

  /** Runs a pass soon (after a request, or when the cluster changed). */
  kick(): void {
    if (!this.#stopped) this.#schedule(0);
  }

  #schedule(ms: number): void {
    clearTimeout(this.#timer);
    this.#timer = setTimeout(() => {
      this.#busy = this.#busy
        .then(() => this.#pass())
        .finally(() => {
          if (!this.#stopped) this.#schedule(this.#deps.tickMs);
        });
    }, ms);
    this.#timer.unref();
  }

  async #pass(): Promise<void> {
    const { operations, planned, logger } = this.#deps;
    try {
      const leader = this.#deps.leader();
      const leading = leader?.isLeader === true;
      const revision = this.#deps.sourceRevision?.() ?? null;
      const gained = leading && !this.#wasLeader;
      this.#wasLeader = leading;
      const moved = revision !== null && revision !== this.#lastRevision;
      this.#lastRevision = revision;
      const due = this.#running > 0 && Date.now() - this.#lastFetch >= this.#deps.fetchMs;
      if (gained || moved || due || !operations.snapshot) {
        this.#lastFetch = Date.now();
        await operations.refresh();
      }
      const snapshot = operations.snapshot;
      if (!snapshot) return;
      let running = 0;
      for (const id of planned.reader.ids(snapshot).slice(0, window)) {
        if (this.#ended.has(id)) continue;
        let op = (await planned.reader.read(id, snapshot)).folded;
        planned.emit(op.operation);
        if (
          op.operation.state === "running" &&
          leading &&
          op.next.kind !== "wait" &&
          op.next.kind !== "done"
        ) {
          logger.info("Driving a planned move", { operation: id, next: op.next.kind });
          await planned.advance(id);
          op = (await planned.reader.read(id, operations.snapshot ?? snapshot)).folded;
          planned.emit(op.operation);
        }
        if (op.operation.state === "running") running++;
        else {
          // Seen running by this driver and now ended: count it once.
          if (leading && this.#seenRunning.delete(id)) this.#deps.onEnded?.(op.operation);
          this.#ended.add(id);
        }
        if (op.operation.state === "running") this.#seenRunning.add(id);
        if (this.#ended.size > 500) this.#ended.delete(this.#ended.values().next().value ?? "");
      }
      this.#running = running;
      this.#lastError = undefined;
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      // A lasting failure (Git down) is logged once, not every second.
      if (message !== this.#lastError)
        logger.error("Driving planned moves failed; retrying", { error: message });
      this.#lastError = message;
    }
  }
}
