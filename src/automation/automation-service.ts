import type { AutomationSettings } from "../config/automation-settings.js";
import type { ReceivedAlert } from "./alert-intake.js";
import type { AutomationEngine, LeaderView } from "./automation-engine.js";
import type { DecisionListener, DecisionLog } from "./decision-log.js";
import type { DecisionRecord } from "./decision-types.js";

/** `GET /api/automation` (SPEC §10). */
export interface AutomationStatus {
  enabled: boolean;
  dryRun: boolean;
  /** Whether this replica holds the Lease. */
  leader: boolean;
  holder: string | null;
  decisions: DecisionRecord[];
}

/** The webhook's answer: what was received and what will be decided. */
export interface AlertReceiptBody {
  status: "accepted" | "ignored";
  alerts: number;
  firing: number;
  resolved: number;
  pending: number;
  duplicates: number;
  unmatched: number;
  reason: string | null;
}

/** What the HTTP layer (and the dashboard's event stream) use of the automation. */
export interface AutomationApi {
  status(): AutomationStatus;
  /** Every new decision, as it is recorded; returns the unsubscribe function. */
  onDecision(listener: DecisionListener): () => void;
  /** Takes a webhook's alerts; the decisions happen after it returns. May throw NOT_LEADER. */
  receiveAlerts(alerts: readonly ReceivedAlert[]): AlertReceiptBody;
}

export interface AutomationServiceDeps {
  settings: () => AutomationSettings;
  log: DecisionLog;
  /** Null without a cluster (then automation cannot be enabled). */
  engine: AutomationEngine | null;
  leader: LeaderView | null;
  countAlert: (status: "firing" | "resolved") => void;
}

export class AutomationService implements AutomationApi {
  readonly #deps: AutomationServiceDeps;

  constructor(deps: AutomationServiceDeps) {
    this.#deps = deps;
  }

  status(): AutomationStatus {
    const settings = this.#deps.settings();
    return {
      enabled: settings.enabled,
      dryRun: settings.dryRun,
      leader: this.#deps.leader?.isLeader ?? false,
      holder: this.#deps.leader?.holder ?? null,
      decisions: this.#deps.log.list(),
    };
  }

  onDecision(listener: DecisionListener): () => void {
    return this.#deps.log.onDecision(listener);
  }

  receiveAlerts(alerts: readonly ReceivedAlert[]): AlertReceiptBody {
    const firing = alerts.filter((a) => a.status === "firing").length;
    for (const a of alerts) this.#deps.countAlert(a.status);
    const base = { alerts: alerts.length, firing, resolved: alerts.length - firing };
    const settings = this.#deps.settings();
    const off = !settings.enabled
      ? "automation.enabled is false"
      : !settings.alertmanager.enabled
        ? "automation.alertmanager.enabled is false"
        : this.#deps.engine === null
          ? "no cluster: automation cannot run"
          : null;
    if (off !== null || this.#deps.engine === null) {
      return { status: "ignored", ...base, pending: 0, duplicates: 0, unmatched: 0, reason: off };
    }
    const receipt = this.#deps.engine.receiveAlerts(alerts);
    return { status: "accepted", ...base, ...receipt, reason: null };
  }
}
