import type { NodeRecord } from "../cluster/node-record.js";
import type { RepoSnapshot } from "../operations/repo-snapshot.js";
import type { TriggerFacts } from "./decide.js";

export type FailbackFacts = Extract<TriggerFacts, { trigger: "failback" }>;

/**
 * Failback's triggers: every service that runs on its backup (its role in Git) while its primary
 * node is Ready, with the time the node last became Ready (the node-lifecycle controller's
 * clock, so `healthyFor` is the same for every replica). `running` names the failback still in
 * progress, if any: one service at a time.
 */
export function failbackFacts(
  snapshot: RepoSnapshot,
  nodes: readonly NodeRecord[],
  running: string | null,
  firstSeenReady: (node: string) => Date,
): FailbackFacts[] {
  const facts: FailbackFacts[] = [];
  for (const state of snapshot.services.values()) {
    if (state.reading.role !== "backup") continue;
    const node = nodes.find((n) => n.name === state.spec.primaryNode);
    if (!node?.ready) continue;
    const since = node.since === null ? Number.NaN : Date.parse(node.since);
    facts.push({
      trigger: "failback",
      service: state.spec.name,
      primaryReadySince: Number.isNaN(since) ? firstSeenReady(node.name) : new Date(since),
      running,
    });
  }
  return facts;
}
