import type { RepoSnapshot } from "../operations/repo-snapshot.js";
import type { ServiceStatus } from "../operations/service-status.js";
import type { EventHub } from "./event-hub.js";
import { type LiveOperation, operationFromHistory } from "./live-operation.js";

export interface LiveEventsDeps {
  hub: EventHub;
  snapshot: () => RepoSnapshot | undefined;
  status: (snapshot: RepoSnapshot, service: string) => ServiceStatus;
  /** Cluster changes come in bursts (a rollout touches many objects): coalesce them. */
  liveDebounceMs?: number;
  /** Operations read back from Git that are announced (the newest of the history). */
  historyOperations?: number;
  /** A service whose status could not be computed (it keeps its last one; the others go on). */
  onError?: (service: string, error: unknown) => void;
}

// What does not make a service "changed": replication ages grow every second (a client ages
// them itself), and the revision moves with every commit to any service (the snapshot has it).
const significant = (key: string, value: unknown): unknown =>
  key === "ageSeconds" || key === "revision" ? null : value;

/**
 * Turns what the server learns into the events of SPEC §7.1: after a published snapshot (a
 * fetch, an operation, a configuration reload) or a cluster change it compares every service's
 * status with the last one sent, and publishes a `snapshot` and one `service` per changed
 * service when anything changed; operations are published as they progress, and operations
 * found in Git (another replica, the break-glass CLI) when first seen.
 */
export class LiveEvents {
  readonly #deps: Required<LiveEventsDeps>;
  readonly #fingerprints = new Map<string, string>();
  readonly #operations = new Map<string, LiveOperation>();
  #lastBody: string | undefined;
  #timer: NodeJS.Timeout | undefined;
  #closed = false;

  constructor(deps: LiveEventsDeps) {
    this.#deps = { liveDebounceMs: 250, historyOperations: 50, onError: () => undefined, ...deps };
  }

  /** A snapshot was published (observer `snapshotRefreshed`). */
  snapshotChanged(): void {
    this.#schedule(0);
  }

  /** Something in the cluster changed (ClusterWatcher.onChange). */
  liveChanged(): void {
    this.#schedule(this.#deps.liveDebounceMs);
  }

  /** An operation started, moved to another step, or ended. */
  operation(op: LiveOperation): void {
    if (this.#closed) return;
    this.#remember(op);
    this.#deps.hub.publish("operation", `operation:${op.id}`, op);
  }

  /** Compares and publishes now (also what the scheduled runs call). */
  flush(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    const snapshot = this.#deps.snapshot();
    if (this.#closed || snapshot === undefined) return;
    const { hub } = this.#deps;
    const services = [...snapshot.services.values()].map((s) => s.summary);
    const body = { services, revision: snapshot.revision };
    const bodyText = JSON.stringify(body);
    const changed: ServiceStatus[] = [];
    for (const name of snapshot.services.keys()) {
      let status: ServiceStatus;
      try {
        status = this.#deps.status(snapshot, name);
      } catch (error) {
        this.#deps.onError(name, error);
        continue;
      }
      const fingerprint = JSON.stringify(status, significant);
      if (this.#fingerprints.get(name) !== fingerprint) {
        this.#fingerprints.set(name, fingerprint);
        changed.push(status);
      }
    }
    for (const name of [...this.#fingerprints.keys()]) {
      if (!snapshot.services.has(name)) {
        this.#fingerprints.delete(name);
        hub.forget(`service:${name}`);
      }
    }
    if (bodyText !== this.#lastBody || changed.length > 0) {
      this.#lastBody = bodyText;
      hub.publish("snapshot", "snapshot", body);
    }
    for (const status of changed) hub.publish("service", `service:${status.name}`, status);
    this.#announceHistory(snapshot, changed);
  }

  close(): void {
    this.#closed = true;
    clearTimeout(this.#timer);
  }

  #schedule(delayMs: number): void {
    if (this.#closed) return;
    if (this.#timer !== undefined) {
      if (delayMs > 0) return; // a run is already due
      clearTimeout(this.#timer);
    }
    this.#timer = setTimeout(() => this.flush(), delayMs);
    this.#timer.unref();
  }

  /** Operations in Git not seen yet, oldest first; progress of known ones as the cluster reports it. */
  #announceHistory(snapshot: RepoSnapshot, changed: readonly ServiceStatus[]): void {
    const recent = snapshot.history.slice(0, this.#deps.historyOperations).reverse();
    for (const op of recent) {
      // A running one is reported by its own request when it ends.
      if (!this.#operations.has(op.requestId)) this.operation(operationFromHistory(op, null));
    }
    for (const status of changed) {
      const last = status.lastOperation;
      const known = last ? this.#operations.get(last.requestId) : undefined;
      if (!last || !known || known.state !== "succeeded") continue;
      if (JSON.stringify(known.progress) !== JSON.stringify(last.progress)) {
        this.operation({ ...known, progress: last.progress });
      }
    }
  }

  #remember(op: LiveOperation): void {
    this.#operations.delete(op.id);
    this.#operations.set(op.id, op);
    // Bounded: the oldest entries go (Map iterates in insertion order).
    while (this.#operations.size > 4 * this.#deps.historyOperations) {
      const oldest = this.#operations.keys().next().value;
      if (oldest === undefined) break;
      this.#operations.delete(oldest);
    }
  }
}
