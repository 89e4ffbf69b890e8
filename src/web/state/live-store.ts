import { batch, signal } from "@preact/signals";
import { EventSource } from "eventsource";
import { authHeaders } from "../api/api-client";
import type { LiveOperation, ServiceList, ServiceStatus } from "../api/api-types";

export type Connection = "connecting" | "live" | "reconnecting" | "unauthorized";

/** The state the dashboard shows, kept current by `GET /api/events` (SPEC §7.1). */
export const services = signal<ServiceList | null>(null);
export const statuses = signal<ReadonlyMap<string, ServiceStatus>>(new Map());
export const operations = signal<ReadonlyMap<string, LiveOperation>>(new Map());
export const connection = signal<Connection>("connecting");
/** When each status arrived (ms), to age the replication ages it carries. */
export const receivedAt = signal<ReadonlyMap<string, number>>(new Map());
/** Ticks every 15 s, so relative times ("3 min ago") move on their own. */
export const now = signal(Date.now());

const keptOperations = 200;

function parse<T>(event: MessageEvent): T | undefined {
  try {
    return JSON.parse(String(event.data)) as T;
  } catch {
    return undefined;
  }
}

function onSnapshot(event: MessageEvent): void {
  const list = parse<ServiceList>(event);
  if (!list) return;
  batch(() => {
    services.value = list;
    // Services gone from the configuration go from the details too.
    const names = new Set(list.services.map((s) => s.name));
    if ([...statuses.value.keys()].some((name) => !names.has(name))) {
      statuses.value = new Map([...statuses.value].filter(([name]) => names.has(name)));
    }
  });
}

function onService(event: MessageEvent): void {
  const status = parse<ServiceStatus>(event);
  if (!status) return;
  batch(() => {
    statuses.value = new Map(statuses.value).set(status.name, status);
    receivedAt.value = new Map(receivedAt.value).set(status.name, Date.now());
  });
}

function onOperation(event: MessageEvent): void {
  const op = parse<LiveOperation>(event);
  if (!op) return;
  const next = new Map(operations.value);
  next.delete(op.id); // re-inserted last: the map stays in order of the latest change
  next.set(op.id, op);
  while (next.size > keptOperations) next.delete(next.keys().next().value ?? "");
  operations.value = next;
}

let source: EventSource | undefined;
let retry: ReturnType<typeof setTimeout> | undefined;

/**
 * Opens the stream with the bearer header (a plain EventSource cannot send one; the
 * `eventsource` package is the same API over fetch). It reconnects by itself with
 * `Last-Event-ID`; a refusal (401/403) asks for a token instead.
 */
export function connect(onUnauthorized: () => void): void {
  disconnect();
  connection.value = "connecting";
  const es = new EventSource("/api/events", {
    fetch: (input, init) =>
      fetch(input, { ...init, headers: { ...init.headers, ...authHeaders() }, credentials: "omit" }),
  });
  source = es;
  es.addEventListener("open", () => (connection.value = "live"));
  es.addEventListener("snapshot", onSnapshot);
  es.addEventListener("service", onService);
  es.addEventListener("operation", onOperation);
  es.addEventListener("error", (event) => {
    if (source !== es) return;
    const code = (event as Event & { code?: number }).code;
    if (code === 401 || code === 403) {
      connection.value = "unauthorized";
      es.close();
      onUnauthorized();
      return;
    }
    connection.value = "reconnecting";
    // The package retries network errors itself; after any other refusal it gives up: retry.
    if (es.readyState === es.CLOSED) retry = setTimeout(() => connect(onUnauthorized), 3000);
  });
}

export function disconnect(): void {
  clearTimeout(retry);
  source?.close();
  source = undefined;
}

export function startClock(): void {
  setInterval(() => (now.value = Date.now()), 15_000);
}
