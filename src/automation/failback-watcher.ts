import type { NodeRecord } from "../cluster/node-record.js";
import { openPlannedMoves } from "../operations/open-moves.js";
import type { RepoSnapshot } from "../operations/repo-snapshot.js";
import { stepCommitOf } from "../operations/step-message.js";
import type { TriggerFacts } from "./decide.js";

export type FailbackFacts = Extract<TriggerFacts, { trigger: "failback" }>;

/** A failback to decide, and the key of its episode. */
export interface FailbackTrigger {
  facts: FailbackFacts;
  /**
   * `failback/<service>/<primary Ready since>/<the service's newest commit>`: a new Ready period
   * or a new commit for the service (a failback rolled back, someone moved it) starts a new
   * episode, so the engine decides again after an attempt instead of holding its old outcome.
   */
  key: string;
}

/**
 * Failback's triggers, from the tree in hand and the nodes: every service that runs on its
 * backup (its role in Git) while its primary node is Ready, with the time the node last became
 * Ready (the node-lifecycle controller's clock, so `healthyFor` is the same on every replica).
 * A service in the middle of a planned move is left alone (it is being moved); `running` names
 * the failback still under way, if any: one service at a time. Pure.
 */
export function failbackTriggers(
  snapshot: RepoSnapshot,
  nodes: readonly NodeRecord[],
  firstSeenReady: (node: string) => Date,
): FailbackTrigger[] {
  const open = openPlannedMoves(snapshot);
  const running = runningFailback(snapshot, open);
  const triggers: FailbackTrigger[] = [];
  for (const state of snapshot.services.values()) {
    if (state.reading.role !== "backup" || open.has(state.spec.name)) continue;
    const node = nodes.find((n) => n.name === state.spec.primaryNode);
    if (!node?.ready) continue;
    const since = node.since === null ? Number.NaN : Date.parse(node.since);
    const facts: FailbackFacts = {
      trigger: "failback",
      service: state.spec.name,
      primaryReadySince: Number.isNaN(since) ? firstSeenReady(node.name) : new Date(since),
      running,
    };
    const last = snapshot.commits.find((c) => stepCommitOf(c)?.services.includes(state.spec.name));
    const key = `failback/${facts.service}/${facts.primaryReadySince.toISOString()}/${last?.sha ?? "-"}`;
    triggers.push({ facts, key });
  }
  return triggers;
}

/** The service of the planned move started by `failback` that is still open, else null. */
export function runningFailback(
  snapshot: RepoSnapshot,
  open: ReadonlyMap<string, string> = openPlannedMoves(snapshot),
): string | null {
  for (const [service, operation] of open) {
    const quiesce = snapshot.commits
      .map(stepCommitOf)
      .find((c) => c?.operation === operation && c.step === "quiesce");
    if (quiesce?.actor === "failback") return service;
  }
  return null;
}
