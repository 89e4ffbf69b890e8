import { Counter, Gauge, Histogram, Registry } from "prom-client";
import type { OperationObserver } from "../operations/failover-operations.js";

const roles = ["primary", "backup", "mixed", "unknown"] as const;

export type ReplicationAgeSource = () => readonly { service: string; object: string; ageSeconds: number }[];

/** SPEC §11's metrics in a registry of their own (never prom-client's global default). */
export interface FailoverMetrics {
  registry: Registry;
  operations: Counter<"service" | "action" | "result">;
  dryRuns: Counter<"service" | "action" | "result">;
  operationDuration: Histogram<"action">;
  pushAttempts: Counter<"result">;
  serviceRole: Gauge<"service" | "role">;
  replicationAge: Gauge<"service" | "object">;
  /**
   * Where `failover_replication_age_seconds` comes from; read at each scrape, so the ages grow
   * between cluster events. Unset (no cluster): the gauge stays empty.
   */
  setReplicationAges(source: ReplicationAgeSource | undefined): void;
  configReloads: Counter<"result">;
  alertsReceived: Counter<"status">;
  automationDecisions: Counter<"trigger" | "decision" | "reason">;
  timeToRunning: Histogram;
  /** Open `GET /api/events` streams (set by the event hub). */
  eventsClients: Gauge;
  /** `failover_final_sync_seconds`: trigger commit → the sync that answered it (SPEC §5.1). */
  finalSync: Histogram;
  /** Feeds the metrics from FailoverOperations' events. */
  observer: OperationObserver;
}

export function createMetrics(): FailoverMetrics {
  const registry = new Registry();
  const registers = [registry];
  const operations = new Counter({
    name: "failover_operations_total",
    help: "Failover operations by service, action and result (success, noop, refused, error).",
    labelNames: ["service", "action", "result"] as const,
    registers,
  });
  // Dry-runs plan and write nothing: counted apart, so operations_total counts real changes only.
  const dryRuns = new Counter({
    name: "failover_dry_runs_total",
    help: "Dry-runs (plans, nothing written) by service, action and result (success, noop, refused, error).",
    labelNames: ["service", "action", "result"] as const,
    registers,
  });
  const operationDuration = new Histogram({
    name: "failover_operation_duration_seconds",
    help: "Time from request to pushed commit (or refusal) per action.",
    labelNames: ["action"] as const,
    buckets: [0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
    registers,
  });
  const pushAttempts = new Counter({
    name: "failover_git_push_attempts_total",
    help: "Git push attempts by result (pushed, rejected, error).",
    labelNames: ["result"] as const,
    registers,
  });
  const serviceRole = new Gauge({
    name: "failover_service_role",
    help: "1 for the role each service currently has in Git, 0 for the others.",
    labelNames: ["service", "role"] as const,
    registers,
  });
  let replicationAges: ReplicationAgeSource | undefined;
  const replicationAge = new Gauge({
    name: "failover_replication_age_seconds",
    help: "Seconds since each replication object last synced (needs the cluster).",
    labelNames: ["service", "object"] as const,
    registers,
    collect() {
      if (replicationAges === undefined) return;
      // Reset so objects no longer configured (or no longer synced) disappear from the scrape.
      this.reset();
      for (const age of replicationAges())
        this.set({ service: age.service, object: age.object }, age.ageSeconds);
    },
  });
  const configReloads = new Counter({
    name: "failover_config_reloads_total",
    help: "Configuration and tokens file reloads by result (success, error).",
    labelNames: ["result"] as const,
    registers,
  });
  const alertsReceived = new Counter({
    name: "failover_alerts_received_total",
    help: "Alertmanager webhook alerts received by status.",
    labelNames: ["status"] as const,
    registers,
  });
  const automationDecisions = new Counter({
    name: "failover_automation_decisions_total",
    help: "Automation decisions by trigger, decision (acted, suppressed, would-act) and reason.",
    labelNames: ["trigger", "decision", "reason"] as const,
    registers,
  });
  const timeToRunning = new Histogram({
    name: "failover_time_to_running_seconds",
    help: "Time from the pushed commit to the app's pod Ready on the target node.",
    buckets: [5, 15, 30, 60, 120, 300, 600, 1200],
    registers,
  });
  const eventsClients = new Gauge({
    name: "failover_events_clients",
    help: "Open GET /api/events (Server-Sent Events) streams.",
    registers,
  });
  const finalSync = new Histogram({
    name: "failover_final_sync_seconds",
    help: "Planned moves: time from the final-sync trigger's commit to the VolSync sync that answered it (lastManualSync).",
    buckets: [5, 15, 30, 60, 120, 300, 600, 1200, 1800],
    registers,
  });
  const observer: OperationObserver = {
    operationFinished(action, services, result, seconds, dryRun) {
      if (dryRun) {
        for (const service of services) dryRuns.inc({ service, action, result });
        return;
      }
      for (const service of services) operations.inc({ service, action, result });
      operationDuration.observe({ action }, seconds);
    },
    pushAttempt(result) {
      pushAttempts.inc({ result });
    },
    plannedMoveEnded(op) {
      const result = op.state === "succeeded" ? "success" : op.state === "aborted" ? "aborted" : "error";
      for (const service of op.services) operations.inc({ service, action: op.action, result });
      const started = op.steps[0]?.startedAt;
      const ended = op.steps.findLast((s) => s.finishedAt !== null)?.finishedAt;
      if (started && ended)
        operationDuration.observe({ action: op.action }, (Date.parse(ended) - Date.parse(started)) / 1000);
    },
    snapshotRefreshed(snapshot) {
      // Reset so services removed from the configuration disappear from the scrape.
      serviceRole.reset();
      for (const [service, state] of snapshot.services) {
        for (const role of roles) serviceRole.set({ service, role }, state.reading.role === role ? 1 : 0);
      }
    },
  };
  return {
    registry,
    operations,
    dryRuns,
    operationDuration,
    pushAttempts,
    serviceRole,
    replicationAge,
    setReplicationAges(source) {
      replicationAges = source;
      if (source === undefined) replicationAge.reset();
    },
    configReloads,
    alertsReceived,
    automationDecisions,
    timeToRunning,
    eventsClients,
    finalSync,
    observer,
  };
}
