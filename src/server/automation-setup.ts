import { AutomationEngine } from "../automation/automation-engine.js";
import { AutomationService, type AutomationApi } from "../automation/automation-service.js";
import { DecisionJournal } from "../automation/decision-journal.js";
import { DecisionLog } from "../automation/decision-log.js";
import type { AppConfig } from "../config/app-config.js";
import { FailoverError } from "../domain/failover-error.js";
import type { Logger } from "../log/logger.js";
import type { FailoverMetrics } from "../metrics/failover-metrics.js";
import type { FailoverOperations } from "../operations/failover-operations.js";
import type { PlannedMoves } from "../operations/planned-moves.js";
import type { ClusterIntegration } from "./cluster-integration.js";

export interface RunningAutomation {
  api: AutomationApi;
  /** Stops deciding; waits for a running evaluation and the Events being written. */
  stop(): Promise<void>;
}

/**
 * Automation needs the cluster's live facts and its Lease: `cluster.enabled: auto` with no
 * cluster in reach is the same configuration error as `cluster.enabled: false` (exit 2).
 */
export function assertAutomationRunnable(config: AppConfig, cluster: ClusterIntegration): void {
  if (config.automation.enabled && cluster.leader === null) {
    const error =
      "automation.enabled: true, but no cluster is reachable (not in a pod and KUBECONFIG is not set): " +
      "automation would act blind; run it with a cluster or set automation.enabled to false";
    throw new FailoverError("CONFIG_INVALID", `${config.source}: ${error}`, {
      details: { file: config.source, errors: [error] },
    });
  }
}

/** SPEC §10 wired into the server: the engine runs on every replica, acts only on the Lease holder. */
export function startAutomation(o: {
  config: () => AppConfig;
  operations: FailoverOperations;
  /** Failback starts its final-sync demote here. */
  planned: PlannedMoves;
  cluster: ClusterIntegration;
  metrics: FailoverMetrics;
  logger: Logger;
}): RunningAutomation {
  assertAutomationRunnable(o.config(), o.cluster);
  const logger = o.logger.child({ component: "automation" });
  const log = new DecisionLog((error) => logger.error("Decision listener failed", { error }));
  const journal = new DecisionJournal({
    log,
    logger,
    count: (labels) => o.metrics.automationDecisions.inc(labels),
    events: o.cluster.events,
    services: () => o.config().services,
  });
  const leader = o.cluster.leader;
  const engine =
    leader === null
      ? null
      : new AutomationEngine({
          config: o.config,
          operations: o.operations,
          planned: o.planned,
          view: () => o.cluster.view(),
          leader,
          journal,
          logger,
        });
  engine?.start();
  const settings = o.config().automation;
  if (settings.enabled) {
    logger.info("Automation enabled", {
      dryRun: settings.dryRun,
      nodeWatcher: settings.nodeWatcher.enabled,
      alertmanager: settings.alertmanager.enabled,
      failback: settings.failback.enabled,
    });
  }
  return {
    api: new AutomationService({
      settings: () => o.config().automation,
      log,
      engine,
      leader,
      countAlert: (status) => o.metrics.alertsReceived.inc({ status }),
    }),
    stop: async () => {
      await engine?.stop();
      await journal.flush();
    },
  };
}
