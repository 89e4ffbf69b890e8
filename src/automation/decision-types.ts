/** What started an automatic decision; also the commit's `Failover-Actor` when it acts. */
export type Trigger = "node-watcher" | "alertmanager" | "failback";

export const automationActors: readonly Trigger[] = ["node-watcher", "alertmanager", "failback"];

export type DecisionKind = "acted" | "suppressed" | "would-act";

/**
 * Why a decision came out as it did: a short, stable code (the metric's `reason` label and the
 * Event's note prefix); `detail` says the same in words, with the numbers.
 */
export const decisionReasons = [
  // why it acted (or would have)
  "node-not-ready",
  "alert-firing",
  "primary-healthy",
  // why it did not
  "awaiting-out-of-service-taint",
  "min-firing",
  "resolved",
  "label-missing",
  "unknown-node",
  "unknown-service",
  "nothing-to-do",
  "too-many-nodes-down",
  "cooldown",
  "backup-stale",
  "preflight-failed",
  "refused",
  "no-eligible-service",
  "rate-limit",
  "outside-window",
  "failback-in-progress",
] as const;

export type DecisionReason = (typeof decisionReasons)[number];

export type AutomaticAction = "evacuate" | "promote" | "demote";

/** The operation a decision started (acted) or would have started (would-act). */
export interface DecisionOperation {
  /** The operation's request id (`Failover-Request-Id`); null for would-act. */
  id: string | null;
  action: AutomaticAction;
  services: string[];
  /** The pushed commit; null for would-act, a no-op, or a failure. */
  commit: string | null;
  /** Why the operation failed after the decision to act, else null. */
  error: string | null;
}

/** One entry of `GET /api/automation` (SPEC §10): exactly one of `node` and `service` is set. */
export interface DecisionRecord {
  at: string;
  trigger: Trigger;
  node?: string;
  service?: string;
  decision: DecisionKind;
  reason: DecisionReason;
  detail: string;
  operation: DecisionOperation | null;
}
