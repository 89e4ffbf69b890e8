import { serviceStatus } from "../../src/operations/service-status.js";
import { serve, type ServerType } from "@hono/node-server";
import type { AddressInfo } from "node:net";
import type { ApiToken } from "../../src/auth/tokens-file.js";
import type { AppConfig } from "../../src/config/app-config.js";
import type { Readiness } from "../../src/http/app-deps.js";
import { createApp } from "../../src/http/create-app.js";
import { silentLogger } from "../../src/log/json-logger.js";
import { createMetrics, type FailoverMetrics } from "../../src/metrics/failover-metrics.js";
import type { FailoverOperations } from "../../src/operations/failover-operations.js";
import { EventHub, type EventHubOptions } from "../../src/events/event-hub.js";
import { LiveEvents } from "../../src/events/live-events.js";
import { observeOperations } from "../../src/events/observed-operations.js";
import { OperationReader } from "../../src/operations/operation-reader.js";
import { PlannedMoves } from "../../src/operations/planned-moves.js";
import { homelabOperations } from "./homelab-remote.js";
import type { SshGitServer } from "./ssh-git-server.js";

export interface ApiServer {
  base: string;
  operations: FailoverOperations;
  metrics: FailoverMetrics;
  /** What GET /api/events streams, fed like the server feeds it (snapshots, operations). */
  events: EventHub;
  /** Mutable so a test can switch auth modes or tokens between requests. */
  config: AppConfig;
  tokens: ApiToken[];
  readiness: Readiness;
  close(): Promise<void>;
}

/** The real app over real HTTP on 127.0.0.1, backed by a real clone of `url`. */
export async function startApiServer(
  server: SshGitServer,
  url: string,
  options: { events?: EventHubOptions } = {},
): Promise<ApiServer> {
  const metrics = createMetrics();
  const events = new EventHub({ onClients: (n) => metrics.eventsClients.set(n), ...options.events });
  const { operations, config } = await homelabOperations(server, url, {
    observer: {
      ...metrics.observer,
      snapshotRefreshed: (snapshot) => {
        metrics.observer.snapshotRefreshed?.(snapshot);
        // Declared below; the first snapshot is published by the refresh further down.
        liveEvents.snapshotChanged();
      },
    },
  });
  const liveEvents = new LiveEvents({
    hub: events,
    snapshot: () => operations.snapshot,
    status: (snapshot, service) => serviceStatus(snapshot, service),
  });
  const state = {
    config,
    tokens: [] as ApiToken[],
    readiness: { configLoaded: true, gitReachable: true, lastFetchAt: new Date(), reason: null } as Readiness,
  };
  await operations.refresh();
  // No cluster here: planned moves are refused (409), operations are read back from Git.
  const planned = new PlannedMoves({
    operations,
    reader: new OperationReader({
      repo: operations.session.repo,
      config: () => state.config,
      live: () => null,
      now: () => new Date(),
    }),
    config: () => state.config,
    live: () => null,
    leader: () => null,
    logger: silentLogger,
    now: () => new Date(),
  });
  const app = createApp({
    operations: observeOperations(
      operations,
      (op) => liveEvents.operation(op),
      (node) => state.config.services.filter((s) => s.primaryNode === node).map((s) => s.name),
    ),
    config: () => state.config,
    tokens: () => state.tokens,
    logger: silentLogger,
    metrics: metrics.registry,
    readiness: () => state.readiness,
    status: (snapshot, service) => serviceStatus(snapshot, service),
    events,
    planned,
  });
  const http: ServerType = await new Promise((resolve) => {
    const s = serve({ fetch: app.fetch, hostname: "127.0.0.1", port: 0 }, () => resolve(s));
  });
  const { port } = http.address() as AddressInfo;
  return {
    base: `http://127.0.0.1:${port}`,
    operations,
    metrics,
    events,
    get config() {
      return state.config;
    },
    set config(value) {
      state.config = value;
    },
    get tokens() {
      return state.tokens;
    },
    set tokens(value) {
      state.tokens = value;
    },
    get readiness() {
      return state.readiness;
    },
    set readiness(value) {
      state.readiness = value;
    },
    close: () => {
      liveEvents.close();
      events.close();
      return new Promise<void>((resolve) => http.close(() => resolve()));
    },
  };
}
