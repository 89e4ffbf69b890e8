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

/** What this process saw of a node's readiness (the engine keeps it). */
export interface ReadyObservations {
  /** When this process first saw the node Ready (stands in for a Ready condition without a time). */
  firstSeenReady(node: string): Date;
  /** When this process saw the node turn Ready after seeing it NotReady, else null. */
  readyAgainAt(node: string): Date | null;
}

/**
 * Failback's triggers, from the tree in hand and the nodes: every service that runs on its
 * backup (its role in Git) while its primary node is Ready, with the time the node became Ready:
 * its Ready condition's `lastTransitionTime`, or, if later, the moment this process saw it turn
 * Ready — a node agent that writes an old transition time (kwok writes the node's creation time)
 * must not shorten `healthyFor`; waiting longer is the safe side. A service in the middle of a
 * planned move is left alone (it is being moved); `running` names the failback still under way,
 * if any: one service at a time. Pure.
 */
export function failbackTriggers(
  snapshot: RepoSnapshot,
  nodes: readonly NodeRecord[],
  seen: ReadyObservations,
): FailbackTrigger[] {
  const open = openPlannedMoves(snapshot);
  const running = runningFailback(snapshot, open);
  const triggers: FailbackTrigger[] = [];
  for (const state of snapshot.services.values()) {
    if (state.reading.role !== "backup" || open.has(state.spec.name)) continue;
    const node = nodes.find((n) => n.name === state.spec.primaryNode);
    if (!node?.ready) continue;
    const parsed = node.since === null ? Number.NaN : Date.parse(node.since);
    const condition = Number.isNaN(parsed) ? seen.firstSeenReady(node.name).getTime() : parsed;
    const since = Math.max(condition, seen.readyAgainAt(node.name)?.getTime() ?? 0);
    const facts: FailbackFacts = {
      trigger: "failback",
      service: state.spec.name,
      primaryReadySince: new Date(since),
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
