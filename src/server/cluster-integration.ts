import type { AppConfig } from "../config/app-config.js";
import type { ClusterView } from "../cluster/cluster-view.js";
import { ClusterWatcher } from "../cluster/cluster-watcher.js";
import { EventWriter } from "../cluster/event-writer.js";
import { FluxNudge } from "../cluster/flux-nudge.js";
import { clusterAccess } from "../cluster/kube-config.js";
import { LeaderElection } from "../cluster/leader-election.js";
import { leaderLeaseName, serverIdentity, serverNamespace } from "../cluster/server-identity.js";
import { liveStatus, replicationAges, replicationStatus } from "../cluster/live-status.js";
import { ProgressTracker, type AncestryCheck } from "../cluster/progress-tracker.js";
import type { LiveView } from "../domain/live-state.js";
import type { Logger } from "../log/logger.js";
import { workloadStrategy } from "../manifests/workload-strategy.js";
import type { FailoverMetrics } from "../metrics/failover-metrics.js";
import type { OperationObserver } from "../operations/failover-operations.js";
import type { RepoSnapshot } from "../operations/repo-snapshot.js";
import type { ClusterStatusSource } from "../operations/service-status.js";
import { noCluster } from "./no-cluster.js";

export interface ClusterIntegration {
  /** The live view for preflight, or null when there is no cluster or its watches are down. */
  live(): LiveView | null;
  status: ClusterStatusSource | null;
  /**
   * The replicas' one leader (a Lease in the server's namespace): it alone drives multi-step
   * operations and takes automatic decisions. Null without a cluster.
   */
  leader: LeaderElection | null;
  /** The whole in-memory cluster state (automation reads nodes), null like `live()`. */
  view(): ClusterView | null;
  /** Writes Kubernetes Events (automation decisions); null without a cluster. */
  events: EventWriter | null;
  /** Flux's GitRepository artifact revision: it moves when a commit was pushed (by any replica). */
  sourceRevision(): string | null;
  pushed: NonNullable<OperationObserver["pushed"]>;
  /** The working clone fetched: commits Flux applied may now be known to it. */
  fetched(): void;
  /** Called after any watched object changed (live facts for the events stream). */
  onChange(listener: () => void): void;
  reconfigure(config: AppConfig): void;
  stop(): Promise<void>;
}

/**
 * Wires the cluster module into the server: watches, Flux nudge after each push, progress and
 * the cluster metrics. Without a cluster everything answers "unknown" (null), never an error.
 */
export function startClusterIntegration(
  initial: AppConfig,
  config: () => AppConfig,
  snapshot: () => RepoSnapshot | undefined,
  metrics: FailoverMetrics,
  logger: Logger,
  isAncestor: AncestryCheck,
): ClusterIntegration {
  const access = clusterAccess(initial.cluster);
  if (!access.enabled) {
    logger.info("No cluster: live status is null and cluster checks are skipped", { reason: access.reason });
    return noCluster;
  }
  const log = logger.child({ component: "cluster" });
  const gitRepository = initial.cluster.flux.gitRepository;
  const watcher = new ClusterWatcher({
    kubeConfig: access.kubeConfig,
    gitRepository,
    services: initial.services,
    logger: log,
  });
  const nudge = new FluxNudge({
    kubeConfig: access.kubeConfig,
    gitRepository,
    owners: (files) => watcher.fluxOwners(files),
    logger: log,
  });
  const tracker = new ProgressTracker({
    view: watcher,
    services: () => config().services,
    isAncestor,
    onRunning: (_service, seconds) => metrics.timeToRunning.observe(seconds),
  });
  watcher.onChange(() => tracker.observe());
  // From the last known state even while the watches are down: the age only grows.
  metrics.setReplicationAges(() => replicationAges(config().services, watcher, new Date()));
  watcher.start();
  const leader = new LeaderElection({
    kubeConfig: access.kubeConfig,
    namespace: serverNamespace(),
    name: leaderLeaseName,
    identity: serverIdentity(),
    logger: log,
  });
  leader.start();
  const events = new EventWriter({ kubeConfig: access.kubeConfig, instance: leader.identity, logger: log });
  logger.info("Watching the cluster", { source: access.source, server: access.server });
  return {
    live: () => (watcher.connected ? watcher : null),
    view: () => (watcher.connected ? watcher : null),
    events,
    status: {
      live: (state) =>
        liveStatus(state.spec, watcher, {
          node: state.summary.activeNode,
          claims: state.summary.claims.map((c) => c.active).filter((c): c is string => c !== null),
          strategy: workloadStrategy(state.spec, snapshot()?.files ?? new Map()),
        }),
      replication: (state) => replicationStatus(state.spec, watcher, new Date()),
      progress: (service, commit) => tracker.progress(service, commit),
    },
    pushed: (info) => {
      tracker.pushed(info);
      if (config().cluster.flux.reconcile) void nudge.nudge(info.files);
    },
    fetched: () => tracker.observe(),
    onChange: (listener) => void watcher.onChange(listener),
    reconfigure: (next) =>
      watcher.reconfigure({ services: next.services, gitRepository: next.cluster.flux.gitRepository }),
    leader,
    sourceRevision: () => watcher.gitRepository()?.artifactRevision ?? null,
    stop: async () => {
      metrics.setReplicationAges(undefined);
      await Promise.all([watcher.stop(), leader.stop()]);
    },
  };
}
