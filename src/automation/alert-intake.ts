import type { AlertRule } from "../config/automation-settings.js";
import type { AlertFacts, TriggerFacts } from "./decide.js";

/** One alert of an Alertmanager webhook notification (version "4"), as the automation needs it. */
export interface ReceivedAlert {
  status: "firing" | "resolved";
  labels: Readonly<Record<string, string>>;
  startsAt: Date;
  fingerprint: string;
}

/** A firing alert that matched a rule and names its target: to be decided now or after minFiring. */
export interface PendingAlert {
  key: string;
  facts: Extract<TriggerFacts, { trigger: "alertmanager" }>;
}

/** An alert that is answered without a decision function: its rule cannot be applied, or it resolved while waiting. */
export interface ImmediateAlertDecision {
  key: string;
  alert: AlertFacts;
  rule: AlertRule;
  reason: "label-missing" | "resolved";
  detail: string;
  target: { node: string } | { service: string } | null;
}

export interface IntakeResult {
  pending: PendingAlert[];
  immediate: ImmediateAlertDecision[];
  /** Alerts no rule names (they are counted and ignored). */
  unmatched: number;
  /** Redeliveries of alerts already pending or decided (dropped before deciding). */
  duplicates: number;
}

type Entry = { state: "pending" | "decided" | "resolved"; lastSeen: number; pending?: PendingAlert };

// An alert still firing is re-sent at least every repeat_interval (4h by default), which refreshes
// its entry; one not seen for a day is gone. The cap bounds memory under an alert storm.
const forgetAfterMs = 24 * 3600_000;
const maxEntries = 10_000;

/**
 * Dedupe before deciding (SPEC §10): Alertmanager re-sends the same alerts on every
 * group_interval change, every repeat_interval and after a failed delivery. The identity of one
 * firing episode of one alert is `fingerprint` + `startsAt`; each is decided once.
 */
export class AlertIntake {
  readonly #entries = new Map<string, Entry>();

  receive(alerts: readonly ReceivedAlert[], rules: readonly AlertRule[], now: Date): IntakeResult {
    this.#forget(now);
    const result: IntakeResult = { pending: [], immediate: [], unmatched: 0, duplicates: 0 };
    for (const alert of alerts) {
      const alertname = alert.labels.alertname ?? "";
      const rule = rules.find((r) => r.alertname === alertname);
      if (rule === undefined) {
        result.unmatched++;
        continue;
      }
      const key = alertKey(alert);
      const facts: AlertFacts = { alertname, fingerprint: alert.fingerprint, startsAt: alert.startsAt };
      const entry = this.#entries.get(key);
      if (entry) entry.lastSeen = now.getTime();
      if (alert.status === "resolved") {
        // Resolved never acts; it only ends a wait for minFiring.
        if (entry?.state === "pending") {
          entry.state = "resolved";
          result.immediate.push({
            key,
            alert: facts,
            rule,
            reason: "resolved",
            detail: `${alertname} resolved before it had fired for minFiring: nothing done`,
            target: entry.pending ? targetOf(entry.pending.facts) : null,
          });
        } else if (entry === undefined) {
          this.#entries.set(key, { state: "resolved", lastSeen: now.getTime() });
        }
        continue;
      }
      if (entry !== undefined) {
        result.duplicates++;
        continue;
      }
      const label = rule.action === "evacuate" ? rule.nodeLabel : rule.serviceLabel;
      const value = alert.labels[label];
      if (value === undefined || value === "") {
        this.#entries.set(key, { state: "decided", lastSeen: now.getTime() });
        result.immediate.push({
          key,
          alert: facts,
          rule,
          reason: "label-missing",
          detail: `${alertname} has no "${label}" label, which its rule (action ${rule.action}) reads the ${rule.action === "evacuate" ? "node" : "service"} from`,
          target: null,
        });
        continue;
      }
      const pending: PendingAlert = {
        key,
        facts:
          rule.action === "evacuate"
            ? { trigger: "alertmanager", action: "evacuate", node: value, alert: facts }
            : { trigger: "alertmanager", action: "promote", service: value, alert: facts },
      };
      this.#entries.set(key, { state: "pending", lastSeen: now.getTime(), pending });
      result.pending.push(pending);
    }
    return result;
  }

  /** Whether the alert is still waiting for its decision (not resolved, not decided). */
  isPending(key: string): boolean {
    return this.#entries.get(key)?.state === "pending";
  }

  /** The alert got its decision: redeliveries are dropped from now on. */
  decided(key: string): void {
    const entry = this.#entries.get(key);
    if (entry) entry.state = "decided";
  }

  #forget(now: Date): void {
    for (const [key, entry] of this.#entries) {
      if (now.getTime() - entry.lastSeen > forgetAfterMs) this.#entries.delete(key);
    }
    // Map iteration is insertion order: the oldest go first.
    for (const key of this.#entries.keys()) {
      if (this.#entries.size <= maxEntries) break;
      this.#entries.delete(key);
    }
  }
}

export function alertKey(alert: { fingerprint: string; startsAt: Date }): string {
  return `${alert.fingerprint}@${alert.startsAt.toISOString()}`;
}

function targetOf(facts: PendingAlert["facts"]): { node: string } | { service: string } {
  return facts.action === "evacuate" ? { node: facts.node } : { service: facts.service };
}
