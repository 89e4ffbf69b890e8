import { parseDuration } from "../domain/duration.js";
import { parseTimeWindow, type TimeWindow } from "../domain/time-window.js";
import type { RawAlertRule, RawAutomation } from "./automation-schema.js";

export type AlertRule =
  | { alertname: string; action: "evacuate"; nodeLabel: string }
  | { alertname: string; action: "promote"; serviceLabel: string };

/** SPEC §10's `automation`, with durations in seconds and the failback window parsed. */
export interface AutomationSettings {
  enabled: boolean;
  dryRun: boolean;
  nodeWatcher: { enabled: boolean; notReadyForSeconds: number; requireOutOfServiceTaint: boolean };
  alertmanager: { enabled: boolean; minFiringSeconds: number; rules: AlertRule[] };
  cooldownSeconds: number;
  maxActionsPerHour: number;
  maxNodesDown: number;
  failback: { enabled: boolean; healthyForSeconds: number; window: TimeWindow | null };
}

const seconds = (text: string): number => parseDuration(text) ?? 0;

/**
 * Resolves the validated section and adds the checks that need the rest of the file:
 * automation without a cluster would act blind, and two rules for one alert would be ambiguous.
 */
export function resolveAutomation(
  raw: RawAutomation,
  clusterEnabled: boolean | "auto",
  errors: string[],
): AutomationSettings {
  if (raw.enabled && clusterEnabled === false) {
    errors.push(
      "automation.enabled: automation needs the cluster's live facts (node readiness, replication age) " +
        "and would act blind without them; set cluster.enabled to true or auto, or automation.enabled to false",
    );
  }
  const seen = new Map<string, number>();
  raw.alertmanager.rules.forEach((r: RawAlertRule, i) => {
    const first = seen.get(r.alertname);
    if (first !== undefined) {
      errors.push(
        `automation.alertmanager.rules[${i}].alertname: "${r.alertname}" already has a rule (rules[${first}]); one rule per alert`,
      );
    } else seen.set(r.alertname, i);
  });
  const window = raw.failback.window === undefined ? null : parseTimeWindow(raw.failback.window);
  return {
    enabled: raw.enabled,
    dryRun: raw.dryRun,
    nodeWatcher: {
      enabled: raw.nodeWatcher.enabled,
      notReadyForSeconds: seconds(raw.nodeWatcher.notReadyFor),
      requireOutOfServiceTaint: raw.nodeWatcher.requireOutOfServiceTaint,
    },
    alertmanager: {
      enabled: raw.alertmanager.enabled,
      minFiringSeconds: seconds(raw.alertmanager.minFiring),
      rules: raw.alertmanager.rules,
    },
    cooldownSeconds: seconds(raw.cooldown),
    maxActionsPerHour: raw.maxActionsPerHour,
    maxNodesDown: raw.maxNodesDown,
    failback: {
      enabled: raw.failback.enabled,
      healthyForSeconds: seconds(raw.failback.healthyFor),
      // Already validated by the schema; a string here cannot happen.
      window: typeof window === "string" ? null : window,
    },
  };
}
