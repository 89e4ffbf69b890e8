import type { NodeRecord } from "../cluster/node-record.js";
import type { ReadyObservations } from "./failback-watcher.js";

/**
 * What this process saw of each node's readiness, and since when (memory only): the stand-in
 * for a condition without a time, and — for failback — the moment a node was seen to turn Ready
 * again, which no node agent can backdate.
 */
export class NodeSightings implements ReadyObservations {
  readonly #notReady = new Map<string, Date>();
  readonly #ready = new Map<string, Date>();
  readonly #readyAgain = new Map<string, Date>();
  #lastLook = new Date(0);

  /** One look at the nodes, at `now`. */
  look(nodes: readonly NodeRecord[], now: Date): void {
    this.#lastLook = now;
    for (const n of nodes) {
      if (n.ready && this.#notReady.has(n.name)) this.#readyAgain.set(n.name, now);
      if (!n.ready) this.#readyAgain.delete(n.name);
      const [seen, other] = n.ready ? [this.#ready, this.#notReady] : [this.#notReady, this.#ready];
      other.delete(n.name);
      if (!seen.has(n.name)) seen.set(n.name, now);
    }
  }

  firstSeenNotReady(node: string): Date {
    return this.#notReady.get(node) ?? this.#lastLook;
  }

  firstSeenReady(node: string): Date {
    return this.#ready.get(node) ?? this.#lastLook;
  }

  readyAgainAt(node: string): Date | null {
    return this.#readyAgain.get(node) ?? null;
  }
}
