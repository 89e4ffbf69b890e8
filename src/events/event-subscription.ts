/** One Server-Sent Event as the hub keeps it: serialised once, shared by every client. */
export interface HubEvent {
  /** `<boot>-<seq>`: opaque to clients, sent back as `Last-Event-ID`. */
  id: string;
  seq: number;
  type: "snapshot" | "service" | "operation";
  data: string;
  /**
   * `event: <type>\ndata: <data>\nid: ` in UTF-8, encoded once when published and shared by every
   * client, so that 100 streams do not each re-format and re-encode a 44 KB snapshot; the writer
   * adds the id it stamps and the blank line.
   */
  frame: Uint8Array;
}

export type QueueItem = HubEvent | "heartbeat";

export type EndReason = "client-gone" | "slow" | "stalled" | "shutdown";

export interface SubscriptionLimits {
  maxQueuedEvents: number;
  maxQueuedBytes: number;
}

/**
 * One open events stream: a bounded queue between the hub (which never waits) and the writer
 * (which waits for the client's socket). A client that falls behind by more than the limits is
 * dropped, never buffered without bound: it reconnects and resumes with `Last-Event-ID`.
 */
export class EventSubscription {
  // The initial burst (the state on connect) comes on top of the limits: it is bounded too.
  readonly #maxEvents: number;
  readonly #maxBytes: number;
  readonly #queue: QueueItem[] = [];
  readonly #onEnd = new Set<(reason: EndReason) => void>();
  #bytes = 0;
  #waiter: ((item: QueueItem | null) => void) | undefined;
  #ended: EndReason | undefined;
  /** When the writer started the write still in progress (`performance.now()`), else null. */
  writingSince: number | null = null;

  constructor(limits: SubscriptionLimits, initial: readonly HubEvent[]) {
    for (const event of initial) this.#enqueue(event);
    this.#maxEvents = limits.maxQueuedEvents + this.#queue.length;
    this.#maxBytes = limits.maxQueuedBytes + this.#bytes;
  }

  get ended(): EndReason | undefined {
    return this.#ended;
  }

  get queued(): number {
    return this.#queue.length;
  }

  push(item: QueueItem): void {
    if (this.#ended !== undefined) return;
    if (this.#waiter) {
      const waiter = this.#waiter;
      this.#waiter = undefined;
      waiter(item);
      return;
    }
    // A heartbeat behind queued events says nothing new.
    if (item === "heartbeat" && this.#queue.length > 0) return;
    const size = item === "heartbeat" ? 0 : item.data.length;
    if (this.#queue.length + 1 > this.#maxEvents || this.#bytes + size > this.#maxBytes) {
      this.end("slow");
      return;
    }
    this.#enqueue(item);
  }

  /** The next item to write; null once the subscription has ended. */
  next(): Promise<QueueItem | null> {
    if (this.#ended !== undefined) return Promise.resolve(null);
    const item = this.#queue.shift();
    if (item !== undefined) {
      if (item !== "heartbeat") this.#bytes -= item.data.length;
      return Promise.resolve(item);
    }
    return new Promise((resolve) => (this.#waiter = resolve));
  }

  /** Called once, with why, when the stream must stop (the writer then ends the response). */
  onEnd(listener: (reason: EndReason) => void): void {
    if (this.#ended !== undefined) listener(this.#ended);
    else this.#onEnd.add(listener);
  }

  end(reason: EndReason): void {
    if (this.#ended !== undefined) return;
    this.#ended = reason;
    this.#queue.length = 0;
    this.#bytes = 0;
    this.#waiter?.(null);
    this.#waiter = undefined;
    for (const listener of this.#onEnd) listener(reason);
    this.#onEnd.clear();
  }

  #enqueue(item: QueueItem): void {
    this.#queue.push(item);
    if (item !== "heartbeat") this.#bytes += item.data.length;
  }
}
