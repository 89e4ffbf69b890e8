import type { AutomationSettings } from "../config/automation-settings.js";
import type { Check } from "../domain/check.js";
import { formatDuration } from "../domain/duration.js";
import type { Role } from "../domain/service-spec.js";
import { inTimeWindow, nextWindowStart } from "../domain/time-window.js";
import type { Operation } from "../operations/operation-types.js";
import {
  automationActors,
  type AutomaticAction,
  type DecisionKind,
  type DecisionReason,
} from "./decision-types.js";

/** What the decision needs to know about one service the action would touch. */
export interface ServiceFacts {
  name: string;
  role: Role;
  /** Why the `config` check fails (the manifests cannot be switched; never forceable), else null. */
  refused: string | null;
  /** The failing preflight checks other than `config`, from the planning the operation itself runs. */
  failing: readonly Check[];
}

export interface AlertFacts {
  alertname: string;
  fingerprint: string;
  startsAt: Date;
}

/** The trigger and the live facts that belong to it. */
export type TriggerFacts =
  | { trigger: "node-watcher"; node: string; notReadySince: Date; outOfServiceTaint: boolean }
  | { trigger: "alertmanager"; action: "evacuate"; node: string; alert: AlertFacts }
  | { trigger: "alertmanager"; action: "promote"; service: string; alert: AlertFacts }
  | {
      trigger: "failback";
      service: string;
      /** When the service's primary node last became Ready. */
      primaryReadySince: Date;
      /** Another failback still running (one at a time), by service name; null when none. */
      running: string | null;
    };

/** A decision recorded earlier (in this process): dry-run accounting, failed attempts. */
export interface PastDecision {
  at: Date;
  decision: DecisionKind;
  services: readonly string[];
  /** Acted, but the operation failed before committing anything (Git has no trace of it). */
  failed: boolean;
}

export interface DecisionInput {
  settings: AutomationSettings;
  facts: TriggerFacts;
  /** The services the action would touch: the node's primaries (evacuate) or the one service. */
  services: readonly ServiceFacts[];
  /** Nodes that are NotReady or Unknown now. */
  nodesNotReady: readonly string[];
  /** Failover commits read back from Git (any actor), newest first. */
  operations: readonly Operation[];
  /**
   * Recent decisions: in dry-run mode their would-acts count as operations, and an action that
   * failed before committing starts the cooldown too (so it is not retried at every look).
   */
  decisions: readonly PastDecision[];
  now: Date;
}

/** A service left out of an action, and why. */
export interface Exclusion {
  service: string;
  reason: DecisionReason;
  detail: string;
}

/** Act (or, in a dry run, would act) on these services. */
export interface ActOutcome {
  kind: "act" | "would-act";
  reason: DecisionReason;
  detail: string;
  action: AutomaticAction;
  services: string[];
  excluded: Exclusion[];
}

export type Outcome =
  /** Not yet: the condition needs time (notReadyFor, minFiring, healthyFor). */
  | { kind: "wait"; reason: DecisionReason; detail: string; until: Date }
  | { kind: "suppress"; reason: DecisionReason; detail: string; excluded: Exclusion[] }
  | ActOutcome;

const hourMs = 3600_000;

/**
 * SPEC §10: act, suppress (with the reason) or would-act. Pure: the same input always gives the
 * same outcome, so every guard rail is a row in a table test. Order: the trigger's own
 * condition, then nothing to do, the cluster in trouble, each service (cooldown, stale backup,
 * other failing checks), the hourly limit, dry run.
 */
export function decide(input: DecisionInput): Outcome {
  const { settings, facts, now } = input;
  const early = triggerCondition(settings, facts, now);
  if (early) return early;
  const action: AutomaticAction =
    facts.trigger === "failback" ? "demote" : facts.trigger === "alertmanager" ? facts.action : "evacuate";
  const target = "node" in facts ? `node ${facts.node}` : `service ${facts.service}`;
  if (input.services.length === 0) {
    return "node" in facts
      ? suppress("unknown-node", `no service has ${facts.node} as its primaryNode: nothing to ${action}`)
      : suppress("unknown-service", `no service named "${facts.service}" is configured`);
  }
  const targetRole = action === "demote" ? "primary" : "backup";
  const toMove = input.services.filter((s) => s.role !== targetRole);
  if (toMove.length === 0) {
    const names = input.services.map((s) => s.name).join(", ");
    return suppress("nothing-to-do", `${names} already on ${targetRole}: nothing to ${action} for ${target}`);
  }
  if (input.nodesNotReady.length > settings.maxNodesDown) {
    return suppress(
      "too-many-nodes-down",
      `${input.nodesNotReady.length} nodes are NotReady (${input.nodesNotReady.join(", ")}), more than ` +
        `maxNodesDown ${settings.maxNodesDown}: the cluster, not one node, is in trouble`,
    );
  }
  const excluded = toMove.map((s) => exclusion(input, s, action)).filter((e): e is Exclusion => e !== null);
  const eligible = toMove.filter((s) => !excluded.some((e) => e.service === s.name)).map((s) => s.name);
  if (eligible.length === 0) {
    const reasons = new Set(excluded.map((e) => e.reason));
    const [only] = reasons;
    const reason = reasons.size === 1 && only !== undefined ? only : "no-eligible-service";
    return suppress(reason, excluded.map((e) => `${e.service}: ${e.detail}`).join("; "), excluded);
  }
  const recent = automaticActions(input);
  if (recent.length >= settings.maxActionsPerHour) {
    const oldest = recent.at(-1) ?? now;
    const free = new Date(oldest.getTime() + hourMs);
    return suppress(
      "rate-limit",
      `${recent.length} automatic operation${recent.length === 1 ? "" : "s"} in the last hour, maxActionsPerHour is ${settings.maxActionsPerHour}; ` +
        `the next is allowed after ${iso(free)}`,
      excluded,
    );
  }
  const why = reasonToAct(facts, now);
  const skipped = excluded.length > 0 ? ` (left out: ${excluded.map((e) => e.service).join(", ")})` : "";
  return {
    kind: settings.dryRun ? "would-act" : "act",
    reason: why.reason,
    // A failback is always a planned move: say so where the decision is read.
    detail: `${why.detail}: ${facts.trigger === "failback" ? "final-sync " : ""}${action} ${eligible.join(", ")}${skipped}${settings.dryRun ? " — dry run, nothing committed" : ""}`,
    action,
    services: eligible,
    excluded,
  };
}

function triggerCondition(settings: AutomationSettings, facts: TriggerFacts, now: Date): Outcome | null {
  if (facts.trigger === "node-watcher") {
    const { notReadyForSeconds, requireOutOfServiceTaint } = settings.nodeWatcher;
    const until = new Date(facts.notReadySince.getTime() + notReadyForSeconds * 1000);
    if (now < until) {
      return wait(
        "node-not-ready",
        `${facts.node} NotReady since ${iso(facts.notReadySince)}; notReadyFor ${formatDuration(notReadyForSeconds)} not reached`,
        until,
      );
    }
    if (requireOutOfServiceTaint && !facts.outOfServiceTaint) {
      return suppress(
        "awaiting-out-of-service-taint",
        `${facts.node} NotReady since ${iso(facts.notReadySince)}, but not fenced: requireOutOfServiceTaint waits for ` +
          `the node.kubernetes.io/out-of-service taint (set it once the machine is really off)`,
      );
    }
    return null;
  }
  if (facts.trigger === "alertmanager") {
    const minFiring = settings.alertmanager.minFiringSeconds;
    const until = new Date(facts.alert.startsAt.getTime() + minFiring * 1000);
    if (now < until) {
      const firing = Math.max(0, (now.getTime() - facts.alert.startsAt.getTime()) / 1000);
      return wait(
        "min-firing",
        `${facts.alert.alertname} firing for ${formatDuration(firing)} of minFiring ${formatDuration(minFiring)}; decided again at ${iso(until)}`,
        until,
      );
    }
    return null;
  }
  const { healthyForSeconds, window } = settings.failback;
  const until = new Date(facts.primaryReadySince.getTime() + healthyForSeconds * 1000);
  if (now < until) {
    return wait(
      "primary-healthy",
      `primary node Ready since ${iso(facts.primaryReadySince)}; healthyFor ${formatDuration(healthyForSeconds)} not reached`,
      until,
    );
  }
  if (window !== null && !inTimeWindow(window, now)) {
    return suppress(
      "outside-window",
      `outside the failback window ${window.text} (server local time); next opening ${iso(nextWindowStart(window, now))}`,
    );
  }
  if (facts.running !== null) {
    return suppress(
      "failback-in-progress",
      `the failback of ${facts.running} is still running: one service at a time`,
    );
  }
  return null;
}

function exclusion(input: DecisionInput, s: ServiceFacts, action: AutomaticAction): Exclusion | null {
  if (s.role === "mixed" || s.role === "unknown") {
    return { service: s.name, reason: "refused", detail: `role is ${s.role}: switch it by hand` };
  }
  if (s.refused !== null) return { service: s.name, reason: "refused", detail: s.refused };
  const last = lastOperation(input, s.name);
  const cooldownMs = input.settings.cooldownSeconds * 1000;
  if (last !== null && input.now.getTime() - last.at.getTime() < cooldownMs) {
    const ago = (input.now.getTime() - last.at.getTime()) / 1000;
    return {
      service: s.name,
      reason: "cooldown",
      detail:
        `last operation ${formatDuration(ago)} ago (${last.what}); cooldown ${formatDuration(input.settings.cooldownSeconds)} ` +
        `until ${iso(new Date(last.at.getTime() + cooldownMs))}`,
    };
  }
  const stale = s.failing.find((c) => c.name === "backup-fresh");
  if (stale && action !== "demote") {
    return {
      service: s.name,
      reason: "backup-stale",
      detail: `backup is stale, never forced: ${stale.detail}`,
    };
  }
  if (s.failing.length > 0) {
    return {
      service: s.name,
      reason: "preflight-failed",
      detail: `preflight fails, never forced: ${s.failing.map((c) => `${c.name}: ${c.detail}`).join("; ")}`,
    };
  }
  return null;
}

/**
 * The service's newest operation in Git, an automatic one that failed before committing, or (dry
 * run) the newest would-act naming it.
 */
function lastOperation(input: DecisionInput, service: string): { at: Date; what: string } | null {
  const op = input.operations.find((o) => o.services.includes(service));
  let last = op ? { at: new Date(op.at), what: `${op.action} by ${op.actor} at ${op.at}` } : null;
  const newer = (at: Date) => last === null || at > last.at;
  const failed = input.decisions.find(
    (d) => d.decision === "acted" && d.failed && d.services.includes(service),
  );
  if (failed && newer(failed.at)) {
    last = { at: failed.at, what: `automatic attempt at ${iso(failed.at)} failed before committing` };
  }
  if (input.settings.dryRun) {
    const would = input.decisions.find((d) => d.decision === "would-act" && d.services.includes(service));
    if (would && newer(would.at)) {
      last = { at: would.at, what: `would-act at ${iso(would.at)}, dry run` };
    }
  }
  return last;
}

/**
 * Times of the automatic operations of the last hour, newest first: commits whose actor is an
 * automation trigger, one per request id (a planned move is several commits), plus the dry
 * run's would-acts, so a dry run shows where the limit would stop a real one.
 */
function automaticActions(input: DecisionInput): Date[] {
  const since = input.now.getTime() - hourMs;
  const byRequest = new Map<string, Date>();
  for (const op of input.operations) {
    const at = new Date(op.at);
    if (!(automationActors as readonly string[]).includes(op.actor) || at.getTime() <= since) continue;
    const key = op.requestId === "" ? op.commit : op.requestId;
    const seen = byRequest.get(key);
    if (seen === undefined || at < seen) byRequest.set(key, at);
  }
  const times = [...byRequest.values()];
  if (input.settings.dryRun) {
    for (const d of input.decisions) {
      if (d.decision === "would-act" && d.at.getTime() > since) times.push(d.at);
    }
  }
  return times.sort((a, b) => b.getTime() - a.getTime());
}

function reasonToAct(facts: TriggerFacts, now: Date): { reason: DecisionReason; detail: string } {
  if (facts.trigger === "node-watcher") {
    const down = (now.getTime() - facts.notReadySince.getTime()) / 1000;
    return {
      reason: "node-not-ready",
      detail: `${facts.node} NotReady since ${iso(facts.notReadySince)} (${formatDuration(down)})`,
    };
  }
  if (facts.trigger === "alertmanager") {
    const firing = (now.getTime() - facts.alert.startsAt.getTime()) / 1000;
    const target = facts.action === "evacuate" ? facts.node : facts.service;
    return {
      reason: "alert-firing",
      detail: `${facts.alert.alertname} for ${target} firing since ${iso(facts.alert.startsAt)} (${formatDuration(firing)})`,
    };
  }
  const healthy = (now.getTime() - facts.primaryReadySince.getTime()) / 1000;
  return {
    reason: "primary-healthy",
    detail: `primary node Ready since ${iso(facts.primaryReadySince)} (${formatDuration(healthy)})`,
  };
}

function suppress(reason: DecisionReason, detail: string, excluded: Exclusion[] = []): Outcome {
  return { kind: "suppress", reason, detail, excluded };
}

function wait(reason: DecisionReason, detail: string, until: Date): Outcome {
  return { kind: "wait", reason, detail, until };
}

function iso(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, "Z");
}
