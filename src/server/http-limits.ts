import type { Server, ServerOptions } from "node:http";

/**
 * Limits of the HTTP server against slow or greedy clients. A request must arrive whole (headers
 * and body, at most 64 KiB) within `requestTimeoutMs`: a body trickled byte by byte is cut off
 * with 408. The response may take as long as the operation needs — these limits are about
 * receiving the request only. Beyond `maxConnections` open connections, new ones are closed at
 * once (the probes and the dashboard use a handful; the rest is abuse or a leak).
 */
export interface HttpLimits {
  /** Time to receive the request line and all headers. */
  headersTimeoutMs: number;
  /** Time to receive the whole request, body included. */
  requestTimeoutMs: number;
  /** How long an idle keep-alive connection stays open between requests. */
  keepAliveTimeoutMs: number;
  /** Open connections at most; more are refused. */
  maxConnections: number;
  /** How often Node checks the two request timeouts (their resolution). */
  checkIntervalMs: number;
}

export const defaultHttpLimits: HttpLimits = {
  headersTimeoutMs: 10_000,
  requestTimeoutMs: 30_000,
  keepAliveTimeoutMs: 5_000,
  maxConnections: 256,
  checkIntervalMs: 1_000,
};

/** Options for `http.createServer` (through @hono/node-server's `serverOptions`). */
export function httpServerOptions(limits: HttpLimits): ServerOptions {
  return {
    headersTimeout: limits.headersTimeoutMs,
    requestTimeout: limits.requestTimeoutMs,
    keepAliveTimeout: limits.keepAliveTimeoutMs,
    connectionsCheckingInterval: limits.checkIntervalMs,
  };
}

/** What cannot be passed to createServer. */
export function applyHttpLimits(server: Server, limits: HttpLimits): void {
  server.maxConnections = limits.maxConnections;
}
