import type { AppConfig } from "../config/app-config.js";
import { formatDuration } from "../domain/duration.js";
import { finalSyncConfigProblem } from "../domain/planned-move-plan.js";
import type { DoctorCheck } from "./doctor-check.js";

/** SPEC §10 in one line: what automation would do with this configuration, and whether it can. */
export function automationCheck(config: AppConfig, clusterReachable: boolean): DoctorCheck {
  const a = config.automation;
  const name = "automation";
  if (!a.enabled) {
    return { name, status: "pass", detail: "off (automation.enabled: false): nothing acts on its own" };
  }
  if (!clusterReachable) {
    return {
      name,
      status: "fail",
      detail: "automation.enabled is true but no cluster is reachable: it would act blind",
    };
  }
  const triggers: string[] = [];
  if (a.nodeWatcher.enabled) {
    const fence = a.nodeWatcher.requireOutOfServiceTaint ? " and fenced (out-of-service taint)" : "";
    triggers.push(
      `node watcher: evacuate a node NotReady for ${formatDuration(a.nodeWatcher.notReadyForSeconds)}${fence}`,
    );
  }
  if (a.alertmanager.enabled && a.alertmanager.rules.length > 0) {
    const rules = a.alertmanager.rules.map((r) => `${r.alertname} → ${r.action}`).join(", ");
    triggers.push(`Alertmanager after ${formatDuration(a.alertmanager.minFiringSeconds)} firing: ${rules}`);
  }
  if (a.failback.enabled) {
    const window = a.failback.window ? ` inside ${a.failback.window.text}` : "";
    triggers.push(`failback after ${formatDuration(a.failback.healthyForSeconds)} healthy${window}`);
  }
  const rails =
    `cooldown ${formatDuration(a.cooldownSeconds)}, at most ${a.maxActionsPerHour} actions per hour, ` +
    `none with more than ${a.maxNodesDown} node(s) NotReady or a stale backup`;
  const mode = a.dryRun ? "dry run (decides and records would-act, commits nothing)" : "acting";
  if (triggers.length === 0) {
    return {
      name,
      status: "warn",
      detail: `enabled (${mode}), but no trigger is on: no node watcher, no alert rule, no failback`,
    };
  }
  const detail = `enabled, ${mode}; ${triggers.join("; ")}; ${rails}`;
  // A failback is always a final-sync demote: a service without a reverse ReplicationSource never
  // fails back by itself (each attempt is suppressed as refused); say so before it matters.
  const stuck = a.failback.enabled
    ? config.services.filter((s) => finalSyncConfigProblem(s, "demote") !== null).map((s) => s.name)
    : [];
  if (stuck.length > 0) {
    return {
      name,
      status: "warn",
      detail:
        `${detail}; failback cannot bring ${stuck.join(", ")} home: a final-sync demote needs a reverse ` +
        `ReplicationSource in the service's \`replication\` (fail those back by hand)`,
    };
  }
  return { name, status: "pass", detail };
}
