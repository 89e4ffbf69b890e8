import { serviceStatus } from "../operations/service-status.js";
import type { ServerType } from "@hono/node-server";
import { readFile } from "node:fs/promises";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { type ApiToken, loadTokens } from "../auth/tokens-file.js";
import type { AppConfig } from "../config/app-config.js";
import { configFileProblems } from "../config/config-files.js";
import { loadConfig } from "../config/load-config.js";
import { FailoverError } from "../domain/failover-error.js";
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
import { operationFromDetail } from "../events/live-operation.js";
import { observeOperations } from "../events/observed-operations.js";
import { OperationDriver } from "../operations/operation-driver.js";
import { OperationReader } from "../operations/operation-reader.js";
import { PlannedMoves } from "../operations/planned-moves.js";
import type { ClusterIntegration } from "./cluster-integration.js";
import { listen } from "./listen.js";
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

async function loadAll(configPath: string, checkFiles = false): Promise<Loaded> {
  const config = await loadConfig(configPath);
  // At start, every file the configuration names, all problems at once (as `config validate`).
  // A reload keeps checking only the tokens: a key Secret being swapped must not reject it.
  const problems = checkFiles ? await configFileProblems(config) : [];
  if (problems.length > 0) {
    const plural = problems.length === 1 ? "error" : "errors";
    throw new FailoverError(
      "CONFIG_INVALID",
      `${configPath}: ${problems.length} ${plural}\n${problems.join("\n")}`,
      { details: { file: configPath, errors: problems } },
    );
  }
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
  let current = await loadAll(options.configPath, true);
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
        (ancestor, descendant) => clone.isAncestor(ancestor, descendant),
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
      snapshotRefreshed: (snapshot) => {
        metrics.observer.snapshotRefreshed?.(snapshot);
        live.snapshotChanged();
      },
      // Ready the moment a fetched snapshot is published, so /readyz never lags /api/services;
      // not ready the moment a fetch fails, whoever fetched (the periodic refresh or an operation).
      // (A snapshot re-analysed after a config reload says nothing about the remote.)
      remoteReached: () => {
        Object.assign(readiness, { gitReachable: true, lastFetchAt: new Date(), reason: null, error: null });
        // Commits Flux applied may be known to the working clone now (progress.fluxAppliedAt).
        cluster.fetched();
      },
      syncFailed: (error) => {
        Object.assign(readiness, {
          gitReachable: false,
          reason: error instanceof Error ? error.message : String(error),
          error,
        });
      },
    },
  });
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
  const reader = new OperationReader({
    repo: clone,
    config: () => current.config,
    live: () => cluster.live(),
    progress: (service, commit) => cluster.status?.progress(service, commit) ?? null,
    now: () => new Date(),
  });
  const planned = new PlannedMoves({
    operations,
    reader,
    config: () => current.config,
    live: () => cluster.live(),
    leader: () => cluster.leader,
    logger,
    now: () => new Date(),
  });
  planned.observe({
    finalSynced: (seconds) => metrics.finalSync.observe(seconds),
    // Each step of a planned move reaches the dashboard as it happens (SPEC §7.1 `operation`).
    operationChanged: (op) => live.operation(operationFromDetail(op)),
  });
  const driver = new OperationDriver({
    planned,
    operations,
    leader: () => cluster.leader,
    sourceRevision: () => cluster.sourceRevision(),
    logger: logger.child({ component: "operations" }),
    onEnded: (op) => metrics.observer.plannedMoveEnded?.(op),
  });
  let automation;
  try {
    automation = startAutomation({
      config: () => current.config,
      operations,
      planned,
      cluster,
      metrics,
      logger,
    });
  } catch (error) {
    live.close();
    hub.close();
    await cluster.stop();
    await credentials.dispose();
    throw error;
  }
  const readiness: Readiness = {
    configLoaded: true,
    gitReachable: false,
    lastFetchAt: null,
    reason: "not fetched yet",
    error: null,
  };

  const refresh = async (): Promise<void> => {
    try {
      await operations.refresh();
    } catch (error) {
      // Readiness already says why (syncFailed); a failure after the fetch still counts.
      if (readiness.gitReachable) {
        Object.assign(readiness, {
          gitReachable: false,
          reason: error instanceof Error ? error.message : String(error),
          error,
        });
      }
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
    planned,
  });
  const limits = { ...defaultHttpLimits, ...options.httpLimits };
  let server: ServerType;
  try {
    server = await listen(app.fetch, options.host, options.port, httpServerOptions(limits));
  } catch (error) {
    // Release what was started, so the process can end with the message alone.
    for (const w of watches) w.close();
    live.close();
    hub.close();
    await automation.stop();
    await cluster.stop();
    await credentials.dispose();
    throw error;
  }
  applyHttpLimits(server as Server, limits);
  const { port } = server.address() as AddressInfo;
  const url = `http://${options.host.includes(":") ? `[${options.host}]` : options.host}:${port}`;
  logger.info(`Listening on ${url}`);
  void refresh().finally(scheduleRefresh);
  // Planned moves are driven only with a cluster (they need it to observe each step).
  if (cluster.leader !== null) driver.start();

  return {
    url,
    port,
    logger,
    async close() {
      clearTimeout(refreshTimer);
      await driver.stop();
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
