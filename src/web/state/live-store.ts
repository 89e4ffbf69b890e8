import { batch, signal } from "@preact/signals";
import { EventSource } from "eventsource";
import { authHeaders } from "../api/api-client";
import type { LiveOperation, ServiceList, ServiceStatus } from "../api/api-types";

export type Connection = "connecting" | "live" | "reconnecting" | "unauthorized";

const keptOperations = 200;

function parse<T>(event: MessageEvent): T | undefined {
  try {
    return JSON.parse(String(event.data)) as T;
  } catch {
    return undefined;
  }
}

/** The state the dashboard shows, kept current by `GET /api/events` (SPEC §7.1). */
export class LiveStore {
  readonly services = signal<ServiceList | null>(null);
  readonly statuses = signal<ReadonlyMap<string, ServiceStatus>>(new Map());
  readonly operations = signal<ReadonlyMap<string, LiveOperation>>(new Map());
  readonly connection = signal<Connection>("connecting");
  /** When each status arrived (ms), to age the replication ages it carries. */
  readonly receivedAt = signal<ReadonlyMap<string, number>>(new Map());
  /** Ticks every 15 s, so relative times ("3 min ago") move on their own. */
  readonly now = signal(Date.now());
  #source: EventSource | undefined;
  #retry: ReturnType<typeof setTimeout> | undefined;

  /**
   * Opens the stream with the bearer header (a plain EventSource cannot send one; the
   * `eventsource` package is the same API over fetch). It reconnects by itself with
   * `Last-Event-ID`; a refusal (401/403) calls `onUnauthorized` instead.
   */
  connect(token: string | null, onUnauthorized: () => void): void {
    this.disconnect();
    this.connection.value = "connecting";
    const es = new EventSource("/api/events", {
      fetch: (input, init) =>
        fetch(input, { ...init, headers: { ...init.headers, ...authHeaders(token) }, credentials: "omit" }),
    });
    this.#source = es;
    es.addEventListener("open", () => (this.connection.value = "live"));
    es.addEventListener("snapshot", (e) => this.#onSnapshot(e));
    es.addEventListener("service", (e) => this.#onService(e));
    es.addEventListener("operation", (e) => this.#onOperation(e));
    es.addEventListener("error", (event) => {
      if (this.#source !== es) return;
      const code = (event as Event & { code?: number }).code;
      if (code === 401 || code === 403) {
        this.connection.value = "unauthorized";
        es.close();
        onUnauthorized();
        return;
      }
      this.connection.value = "reconnecting";
      // The package retries network errors itself; after any other refusal it gives up: retry.
      if (es.readyState === es.CLOSED)
        this.#retry = setTimeout(() => this.connect(token, onUnauthorized), 3000);
    });
  }

  disconnect(): void {
    clearTimeout(this.#retry);
    this.#source?.close();
    this.#source = undefined;
  }

  startClock(): void {
    setInterval(() => (this.now.value = Date.now()), 15_000);
  }

  #onSnapshot(event: MessageEvent): void {
    const list = parse<ServiceList>(event);
    if (!list) return;
    batch(() => {
      this.services.value = list;
      // Services gone from the configuration go from the details too.
      const names = new Set(list.services.map((s) => s.name));
      if ([...this.statuses.value.keys()].some((name) => !names.has(name))) {
        this.statuses.value = new Map([...this.statuses.value].filter(([name]) => names.has(name)));
      }
    });
  }

  #onService(event: MessageEvent): void {
    const status = parse<ServiceStatus>(event);
    if (!status) return;
    batch(() => {
      this.statuses.value = new Map(this.statuses.value).set(status.name, status);
      this.receivedAt.value = new Map(this.receivedAt.value).set(status.name, Date.now());
    });
  }

  #onOperation(event: MessageEvent): void {
    const op = parse<LiveOperation>(event);
    if (op) this.operationSeen(op);
  }

  /** An operation as an event or an answer (a started planned move) says it is now. */
  operationSeen(op: LiveOperation): void {
    const next = new Map(this.operations.value);
    next.delete(op.id); // re-inserted last: the map stays in order of the latest change
    next.set(op.id, op);
    while (next.size > keptOperations) next.delete(next.keys().next().value ?? "");
    this.operations.value = next;
  }
}
