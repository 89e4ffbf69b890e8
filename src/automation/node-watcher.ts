import type { NodeRecord } from "../cluster/node-record.js";
import type { ServiceSpec } from "../domain/service-spec.js";
import type { TriggerFacts } from "./decide.js";

export const outOfServiceTaintKey = "node.kubernetes.io/out-of-service";

export type NodeWatcherFacts = Extract<TriggerFacts, { trigger: "node-watcher" }>;

/**
 * The node watcher's triggers: every node that is some service's primary and is NotReady or
 * Unknown, with the time its Ready condition last changed (the node-lifecycle controller's
 * clock, so every replica computes the same `notReadyFor`). A node without a Ready condition
 * counts from when this process first saw it so.
 */
export function nodeWatcherFacts(
  services: readonly ServiceSpec[],
  nodes: readonly NodeRecord[],
  firstSeenNotReady: (node: string) => Date,
): NodeWatcherFacts[] {
  const primaries = new Set(services.map((s) => s.primaryNode));
  const facts: NodeWatcherFacts[] = [];
  for (const node of nodes) {
    if (node.ready || !primaries.has(node.name)) continue;
    const since = node.since === null ? Number.NaN : Date.parse(node.since);
    facts.push({
      trigger: "node-watcher",
      node: node.name,
      notReadySince: Number.isNaN(since) ? firstSeenNotReady(node.name) : new Date(since),
      outOfServiceTaint: node.taints.some((t) => t.key === outOfServiceTaintKey),
    });
  }
  return facts;
}

/** Names of the nodes that are NotReady or Unknown (the `maxNodesDown` guard rail counts them). */
export function nodesNotReady(nodes: readonly NodeRecord[]): string[] {
  return nodes.filter((n) => !n.ready).map((n) => n.name);
}
