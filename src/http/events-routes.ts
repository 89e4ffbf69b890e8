import type { ServerResponse } from "node:http";
import { createRoute, type OpenAPIHono, z } from "@hono/zod-openapi";
import { streamSSE } from "hono/streaming";
import type { EventHub } from "../events/event-hub.js";
import type { AppEnv } from "./app-deps.js";
import { acceptsGzip } from "./accept-encoding.js";
import { readSecurity } from "./api-routes.js";
import { problemSchema } from "./api-schemas.js";
import { gzipEachEvent } from "./gzip-stream.js";
import { makeProblem, problemResponse } from "./problem-details.js";

const sseEventSchema = z
  .object({
    event: z.enum(["snapshot", "service", "operation"]).optional(),
    data: z.string().openapi({ description: "The event's JSON object, as text." }),
    id: z.string().optional(),
    retry: z.number().int().optional(),
  })
  .openapi("ServerSentEvent");

const eventsRoute = createRoute({
  method: "get",
  path: "/api/events",
  tags: ["services"],
  summary: "Live events (Server-Sent Events): snapshot, service and operation changes",
  description: [
    "A `text/event-stream` that stays open. Events: `snapshot` (the `GET /api/services` body), then one",
    "`service` (a ServiceStatus) per service and one `operation` per recent operation, on connect; later a",
    "`snapshot` whenever the revision or a live fact changes, a `service` for each service whose own state",
    "changed (its role, claims, problems, pods, blockers, replication or last operation: not the revision alone,",
    "which the snapshot carries, nor a replication age that only grew), and an `operation` on every step of an",
    "operation. A comment line (`: heartbeat`) every 15 s.",
    "Every event has an `id`; reconnect with `Last-Event-ID` to receive only what was missed (replayed from",
    "the last 1,024 events of this server process); an id the server cannot resume from (another process,",
    "or too old) gets the full state again, snapshot first. A client that does not read fast enough is",
    "disconnected (more than 256 events behind, or one write stuck for 15 s) and reconnects the same way.",
    "With `Accept-Encoding: gzip` the stream is gzipped, each event flushed as it is written.",
  ].join(" "),
  security: readSecurity,
  request: {
    query: z.strictObject({}),
    headers: z.object({
      "last-event-id": z.string().max(200).optional().openapi({
        description: "The id of the last event received, to resume after a disconnect.",
      }),
    }),
  },
  responses: {
    200: {
      description: "The event stream.",
      // One parsed event per item (what SSE-aware clients and validators check), not the raw text.
      content: { "text/event-stream": { schema: sseEventSchema } },
    },
    ...Object.fromEntries(
      [400, 401, 403, 503].map((status) => [
        status,
        {
          description:
            status === 400
              ? "Unknown query parameter."
              : status === 503
                ? "The server is shutting down (retryable)."
                : "Token missing, invalid or too weak.",
          content: { "application/problem+json": { schema: problemSchema } },
        },
      ]),
    ),
  },
});

/** `GET /api/events` (SPEC §7.1): writes the hub's events for one client until either side ends. */
export function registerEventsRoutes(app: OpenAPIHono<AppEnv>, hub: EventHub): void {
  app.openapi(eventsRoute, (c) => {
    // Hono answers HEAD with the GET handler and drops the body unread: do not open a stream.
    if (c.req.method === "HEAD") return c.body(null, 200, { "Content-Type": "text/event-stream" });
    // Shutting down: a 503 that closes the connection, so a reconnecting client cannot keep the
    // server (server.close waits for its connections) alive, and retries elsewhere or later.
    if (hub.closed) {
      const problem = makeProblem(
        503,
        "SHUTTING_DOWN",
        "the server is shutting down; retry",
        c.get("requestId"),
      );
      return problemResponse({ ...problem, retryable: true }, { Connection: "close", "Retry-After": "2" });
    }
    const { subscription } = hub.subscribe(c.req.header("last-event-id"));
    // Behind a proxy (ingress-nginx) the stream must not be buffered.
    c.header("X-Accel-Buffering", "no");
    const outgoing = (c.env as { outgoing?: ServerResponse } | undefined)?.outgoing;
    const socket = outgoing?.socket;
    const response = streamSSE(c, async (stream) => {
      stream.onAbort(() => subscription.end("client-gone"));
      subscription.onEnd((reason) => {
        // Otherwise the loop below ends and the response with it; a client that stopped reading
        // cannot be ended politely: free its socket now, whatever its buffers hold.
        const stuck = reason === "slow" || reason === "stalled" || subscription.writingSince !== null;
        if (reason !== "client-gone" && stuck) {
          outgoing?.destroy();
          stream.abort();
        } else if (reason === "shutdown") {
          // Not kept alive for another request: the server is closing.
          outgoing?.once("finish", () => socket?.end());
        }
      });
      await stream.write(`retry: 2000\n\n`);
      for (;;) {
        const item = await subscription.next();
        if (item === null) break;
        subscription.writingSince = performance.now();
        if (item === "heartbeat") await stream.write(": heartbeat\n\n");
        else {
          // The shared frame, then this client's id: no per-client formatting or encoding of
          // the data (the gzip stream flushes once the blank line has come).
          await stream.write(item.frame);
          await stream.write(`${item.id}\n\n`);
        }
        subscription.writingSince = null;
      }
    });
    // The initial state grows with the services (~600 bytes each): compressed, a phone's first
    // load stays small. Each event is flushed as it is written.
    if (!acceptsGzip(c.req.header("accept-encoding")) || response.body === null) return response;
    const headers = new Headers(response.headers);
    headers.set("Content-Encoding", "gzip");
    headers.set("Vary", "Accept-Encoding");
    const closed = new AbortController();
    outgoing?.once("close", () => closed.abort());
    const body = response.body.pipeThrough(gzipEachEvent(closed.signal));
    return new Response(body, { status: response.status, headers });
  });
}
