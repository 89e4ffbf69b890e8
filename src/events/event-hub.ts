import { randomBytes } from "node:crypto";
import { type EndReason, EventSubscription, type HubEvent } from "./event-subscription.js";

export interface EventHubOptions {
  /** Events kept for `Last-Event-ID` resumes, and their total size (the JSON's length). */
  ringSize?: number;
  ringBytes?: number;
  /** Per client, beyond the initial burst: more than this queued and the client is dropped. */
  maxQueuedEvents?: number;
  maxQueuedBytes?: number;
  /** A comment line this often; a client whose write has not finished within it is dropped. */
  heartbeatMs?: number;
  /** Operations kept in the state a new client receives. */
  maxOperations?: number;
  /** Distinguishes this process's event ids from a previous one's (tests fix it). */
  bootId?: string;
  /** The number of open streams, after each change (the `failover_events_clients` gauge). */
  onClients?: (count: number) => void;
  onDropped?: (reason: EndReason) => void;
}

const encoder = new TextEncoder();

export const eventDefaults = {
  ringSize: 1024,
  // With 200 services a snapshot is 44 KB: 1,024 of them would hold 45 MB for resumes alone.
  ringBytes: 4 * 1024 * 1024,
  maxQueuedEvents: 256,
  maxQueuedBytes: 8 * 1024 * 1024,
  heartbeatMs: 15_000,
  maxOperations: 50,
} as const;

/**
 * Fan-out of live events to the open `/api/events` streams, with what a client needs to catch up:
 * - the **state**: the latest event per key (`snapshot`, `service:<name>`, `operation:<id>`),
 *   sent to a new client on connect, snapshot first;
 * - a **ring** of the last events, replayed after a `Last-Event-ID` that it still covers.
 * Publishing never waits for a client; each client has a bounded queue (EventSubscription).
 */
export class EventHub {
  readonly #options: Required<Omit<EventHubOptions, "onClients" | "onDropped">> &
    Pick<EventHubOptions, "onClients" | "onDropped">;
  readonly #ring: HubEvent[] = [];
  #ringBytes = 0;
  readonly #state = new Map<string, HubEvent>();
  readonly #operationKeys: string[] = [];
  readonly #subscriptions = new Set<EventSubscription>();
  #seq = 0;
  #heartbeat: NodeJS.Timeout | undefined;
  #closed = false;

  constructor(options: EventHubOptions = {}) {
    this.#options = {
      ...eventDefaults,
      bootId: randomBytes(6).toString("hex"),
      ...options,
    };
  }

  /** Shut down: new streams are refused (the server is going away). */
  get closed(): boolean {
    return this.#closed;
  }

  get clients(): number {
    return this.#subscriptions.size;
  }

  get lastEventId(): string {
    return this.#id(this.#seq);
  }

  get heartbeatMs(): number {
    return this.#options.heartbeatMs;
  }

  /** Sends `payload` to every client and remembers it as the latest event for `key`. */
  publish(type: HubEvent["type"], key: string, payload: unknown): void {
    this.#seq++;
    const data = JSON.stringify(payload);
    // JSON.stringify escapes every line break, so `data` is one SSE data line.
    const frame = encoder.encode(`event: ${type}\ndata: ${data}\nid: `);
    const event: HubEvent = { id: this.#id(this.#seq), seq: this.#seq, type, data, frame };
    this.#ring.push(event);
    this.#ringBytes += event.data.length;
    while (
      this.#ring.length > this.#options.ringSize ||
      (this.#ring.length > 1 && this.#ringBytes > this.#options.ringBytes)
    )
      this.#ringBytes -= this.#ring.shift()?.data.length ?? 0;
    if (type === "operation" && !this.#state.has(key)) {
      this.#operationKeys.push(key);
      if (this.#operationKeys.length > this.#options.maxOperations) {
        this.#state.delete(this.#operationKeys.shift() ?? "");
      }
    }
    this.#state.set(key, event);
    for (const subscription of this.#subscriptions) subscription.push(event);
  }

  /** Drops `key` from the state new clients receive (a service removed from the configuration). */
  forget(key: string): void {
    this.#state.delete(key);
  }

  keys(): IterableIterator<string> {
    return this.#state.keys();
  }

  /**
   * A new stream. With a `Last-Event-ID` of this process that the ring still covers, the events
   * after it are replayed; otherwise (none, unknown, another process's, or too old) the client
   * gets the current state, every event stamped with the latest id.
   */
  subscribe(lastEventId?: string): { subscription: EventSubscription; resumed: boolean } {
    const replay = this.#replayAfter(lastEventId);
    const initial = replay ?? this.#currentState();
    const subscription = new EventSubscription(
      { maxQueuedEvents: this.#options.maxQueuedEvents, maxQueuedBytes: this.#options.maxQueuedBytes },
      initial,
    );
    if (this.#closed) {
      subscription.end("shutdown");
      return { subscription, resumed: replay !== undefined };
    }
    this.#subscriptions.add(subscription);
    subscription.onEnd((reason) => {
      this.#subscriptions.delete(subscription);
      if (reason === "slow" || reason === "stalled") this.#options.onDropped?.(reason);
      this.#changed();
    });
    this.#changed();
    return { subscription, resumed: replay !== undefined };
  }

  /** Ends every stream (server shutdown); later subscriptions end at once. */
  close(): void {
    this.#closed = true;
    for (const subscription of [...this.#subscriptions]) subscription.end("shutdown");
  }

  #id(seq: number): string {
    return `${this.#options.bootId}-${seq}`;
  }

  #replayAfter(lastEventId: string | undefined): HubEvent[] | undefined {
    const match = /^([0-9a-z]+)-(\d{1,15})$/.exec(lastEventId?.trim() ?? "");
    if (!match || match[1] !== this.#options.bootId) return undefined;
    const seq = Number(match[2]);
    if (seq > this.#seq) return undefined;
    const oldest = this.#ring[0]?.seq ?? this.#seq + 1;
    // Resumable when every event after `seq` is still in the ring.
    if (seq + 1 < oldest) return undefined;
    return this.#ring.filter((e) => e.seq > seq);
  }

  #currentState(): HubEvent[] {
    const id = this.lastEventId;
    const events = [...this.#state.values()];
    const rank = { snapshot: 0, service: 1, operation: 2 } as const;
    // Stable sort: services in publication order, operations oldest first.
    return events.sort((a, b) => rank[a.type] - rank[b.type]).map((e) => ({ ...e, id }));
  }

  #changed(): void {
    this.#options.onClients?.(this.#subscriptions.size);
    if (this.#subscriptions.size > 0 && this.#heartbeat === undefined) {
      this.#heartbeat = setInterval(() => this.#beat(), this.#options.heartbeatMs);
      this.#heartbeat.unref();
    } else if (this.#subscriptions.size === 0 && this.#heartbeat !== undefined) {
      clearInterval(this.#heartbeat);
      this.#heartbeat = undefined;
    }
  }

  #beat(): void {
    const now = performance.now();
    for (const subscription of [...this.#subscriptions]) {
      const since = subscription.writingSince;
      if (since !== null && now - since >= this.#options.heartbeatMs) subscription.end("stalled");
      else subscription.push("heartbeat");
    }
  }
}
