import { serviceStatus } from "../operations/service-status.js";
import { serve, type ServerType } from "@hono/node-server";
import { readFile } from "node:fs/promises";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { type ApiToken, loadTokens } from "../auth/tokens-file.js";
import type { AppConfig } from "../config/app-config.js";
import { loadConfig } from "../config/load-config.js";
import { prepareGitCredentials } from "../git/git-credentials.js";
import { WorkingClone } from "../git/working-clone.js";
import type { Readiness } from "../http/app-deps.js";
import { createApp } from "../http/create-app.js";
import { JsonLogger } from "../log/json-logger.js";
import type { Logger } from "../log/logger.js";
import { createMetrics } from "../metrics/failover-metrics.js";
import { FailoverOperations } from "../operations/failover-operations.js";
import { assertAutomationRunnable, startAutomation } from "./automation-setup.js";
import type { RepoSnapshot } from "../operations/repo-snapshot.js";
import { EventHub } from "../events/event-hub.js";
import { LiveEvents } from "../events/live-events.js";
import { observeOperations } from "../events/observed-operations.js";
import type { ClusterIntegration } from "./cluster-integration.js";
import { noCluster, wantsCluster } from "./no-cluster.js";
import { watchFile } from "./watch-file.js";
import { applyHttpLimits, defaultHttpLimits, type HttpLimits, httpServerOptions } from "./http-limits.js";

export interface ServerOptions {
  configPath: string;
  host: string;
  port: number;
  /** Replaces the default JSON logger on standard error (tests). */
  write?: (line: string) => void;
  /** Overrides of the HTTP server's limits (tests). */
  httpLimits?: Partial<HttpLimits>;
}

export interface RunningServer {
  url: string;
  port: number;
  logger: Logger;
  /** Stops accepting, waits for the in-flight operation and open responses, releases everything. */
  close(): Promise<void>;
}

interface Loaded {
  config: AppConfig;
  tokens: ApiToken[];
  /** What was read, to ignore watcher events that changed nothing. */
  fingerprint: string;
}

async function loadAll(configPath: string): Promise<Loaded> {
  const config = await loadConfig(configPath);
  let tokens: ApiToken[] = [];
  let tokensText = "";
  if (config.auth.mode === "token") {
    tokensText = await readFile(config.auth.tokensFile, "utf8").catch(() => "");
    tokens = await loadTokens(config.auth.tokensFile);
  }
  const configText = await readFile(configPath, "utf8");
  return { config, tokens, fingerprint: `${configText}\u0000${tokensText}` };
}

/** `failover-api serve`: the long-running API server of SPEC §7 and §12. */
export async function startServer(options: ServerOptions): Promise<RunningServer> {
  let current = await loadAll(options.configPath);
  const credentials = await prepareGitCredentials(current.config.git, {
    parentDir: current.config.git.dataDir,
  });
  const logger = new JsonLogger({
    ...(options.write ? { write: options.write } : {}),
    secrets: () => [...current.tokens.map((t) => t.token), ...credentials.secrets],
  });
  if (current.config.auth.mode === "none") {
    logger.warn("auth.mode is none: anyone who can reach this server can fail services over");
  }
  const metrics = createMetrics();
  const { git } = current.config;
  const clone = new WorkingClone({
    url: git.url,
    branch: git.branch,
    dataDir: git.dataDir,
    credentials,
    author: git.author,
    logger: logger.child({ component: "git" }),
  });
  const cluster: ClusterIntegration = !wantsCluster(current.config.cluster, process.env)
    ? noCluster
    : (await import("./cluster-integration.js")).startClusterIntegration(
        current.config,
        () => current.config,
        () => operations.snapshot,
        metrics,
        logger,
      );
  const operations = new FailoverOperations({
    repo: clone,
    config: () => current.config,
    live: () => cluster.live(),
    logger,
    observer: {
      ...metrics.observer,
      pushed: (info) => {
        metrics.observer.pushed?.(info);
        cluster.pushed(info);
      },
      // Ready the moment a fetched snapshot is published, so /readyz never lags /api/services.
      snapshotRefreshed: (snapshot) => {
        metrics.observer.snapshotRefreshed?.(snapshot);
        Object.assign(readiness, { gitReachable: true, lastFetchAt: new Date(), reason: null });
        live.snapshotChanged();
      },
    },
  });
  let automation;
  try {
    automation = startAutomation({ config: () => current.config, operations, cluster, metrics, logger });
  } catch (error) {
    await cluster.stop();
    await credentials.dispose();
    throw error;
  }
  const status = (snapshot: RepoSnapshot, service: string) =>
    serviceStatus(snapshot, service, cluster.status);
  // SPEC §7.1 events: fed by published snapshots, cluster changes and the operations' progress.
  const hub = new EventHub({
    onClients: (n) => metrics.eventsClients.set(n),
    onDropped: (reason) => logger.warn("Dropped an events client that stopped reading", { reason }),
  });
  const live = new LiveEvents({
    hub,
    snapshot: () => operations.snapshot,
    status,
    onError: (service, error) => logger.error("Live status failed; its last one stays", { service, error }),
  });
  cluster.onChange(() => live.liveChanged());
  const readiness: Readiness = {
    configLoaded: true,
    gitReachable: false,
    lastFetchAt: null,
    reason: "not fetched yet",
  };

  const refresh = async (): Promise<void> => {
    try {
      await operations.refresh();
      Object.assign(readiness, { gitReachable: true, lastFetchAt: new Date(), reason: null });
    } catch (error) {
      Object.assign(readiness, {
        gitReachable: false,
        reason: error instanceof Error ? error.message : String(error),
      });
      logger.error("Fetch failed", { error });
    }
  };
  let refreshTimer: NodeJS.Timeout | undefined;
  const scheduleRefresh = () => {
    refreshTimer = setTimeout(() => {
      // An operation fetches by itself; a periodic fetch queued behind it would only add latency.
      const run = operations.busy ? Promise.resolve() : refresh();
      void run.finally(scheduleRefresh);
    }, current.config.git.fetchIntervalSeconds * 1000);
    refreshTimer.unref();
  };

  let reloading = Promise.resolve();
  const reload = () => {
    reloading = reloading.then(async () => {
      try {
        const next = await loadAll(options.configPath);
        if (next.fingerprint === current.fingerprint) return;
        assertAutomationRunnable(next.config, cluster);
        current = next; // one assignment: readers see the old or the new configuration, never a mix
        metrics.configReloads.inc({ result: "success" });
        logger.info("Configuration reloaded", { services: next.config.services.length });
        cluster.reconfigure(next.config);
        await operations.reconfigure();
      } catch (error) {
        metrics.configReloads.inc({ result: "error" });
        logger.error("Configuration reload rejected; the previous configuration stays in force", { error });
      }
    });
  };
  const watches = [watchFile(options.configPath, reload)];
  if (current.config.auth.mode === "token") watches.push(watchFile(current.config.auth.tokensFile, reload));

  const app = createApp({
    operations: observeOperations(
      operations,
      (op) => live.operation(op),
      (node) => current.config.services.filter((s) => s.primaryNode === node).map((s) => s.name),
    ),
    config: () => current.config,
    tokens: () => current.tokens,
    logger,
    metrics: metrics.registry,
    readiness: () => readiness,
    status,
    events: hub,
    automation: automation.api,
  });
  const limits = { ...defaultHttpLimits, ...options.httpLimits };
  const server: ServerType = await new Promise((resolve, reject) => {
    const s = serve(
      {
        fetch: app.fetch,
        hostname: options.host,
        port: options.port,
        serverOptions: httpServerOptions(limits),
      },
      () => resolve(s),
    );
    s.once("error", reject);
  });
  applyHttpLimits(server as Server, limits);
  const { port } = server.address() as AddressInfo;
  const url = `http://${options.host.includes(":") ? `[${options.host}]` : options.host}:${port}`;
  logger.info(`Listening on ${url}`);
  void refresh().finally(scheduleRefresh);

  return {
    url,
    port,
    logger,
    async close() {
      clearTimeout(refreshTimer);
      for (const w of watches) w.close();
      live.close();
      hub.close(); // open event streams would hold server.close() forever
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      await automation.stop();
      await operations.idle();
      await closed;
      await reloading;
      await cluster.stop();
      await credentials.dispose();
      logger.info("Stopped");
    },
  };
}
