import type { ServiceSpec } from "../domain/service-spec.js";
import type { ClusterView } from "./cluster-view.js";
import type { PodRecord } from "./pod-record.js";

export const outOfServiceTaint = "node.kubernetes.io/out-of-service";

/** What Git wants, as far as the caller knows it (from the service's summary). */
export interface DesiredPlacement {
  /** The node of the active role; null when the role is mixed/unknown. */
  node: string | null;
  /** The claims of the active role. */
  claims: readonly string[];
  /** The workload's rollout strategy, if known: we do not watch Deployments. */
  strategy?: "Recreate" | "RollingUpdate" | undefined;
}

function waitsFor(spec: ServiceSpec, desired: DesiredPlacement): string {
  const { kind, name } = spec.workload;
  if (kind === "StatefulSet")
    return `StatefulSet ${name} waits for it to be gone before it starts the pod again`;
  if (kind === "Deployment" && desired.strategy === "Recreate")
    return `the Recreate rollout of Deployment ${name} waits for it to be gone before it starts the new pod`;
  if (kind === "Deployment" && desired.strategy === undefined)
    return `a Recreate rollout of Deployment ${name} waits for it to be gone, and its volume stays attached to it`;
  return "its volume stays attached to it";
}

function stuckTerminating(
  spec: ServiceSpec,
  pod: PodRecord,
  view: ClusterView,
  desired: DesiredPlacement,
): string {
  const nodeName = pod.node ?? "?";
  const node = view.node(nodeName);
  const state = node ? `NotReady since ${node.since ?? "an unknown time"}` : "gone from the cluster";
  const tainted = node?.taints.some((t) => t.key === outOfServiceTaint) === true;
  const head =
    `pod ${pod.name} is stuck Terminating (its deletion grace period ended at ${pod.deletionTimestamp ?? "?"}) on node ${nodeName}, ` +
    `which is ${state}: ${waitsFor(spec, desired)}.`;
  if (tainted) {
    return `${head} Node ${nodeName} already has the ${outOfServiceTaint} taint, so Kubernetes should force-delete it shortly; if it stays, run \`kubectl delete pod -n ${pod.namespace} ${pod.name} --grace-period=0 --force\`.`;
  }
  return (
    `${head} Only if ${nodeName} is really powered off: \`kubectl taint nodes ${nodeName} ${outOfServiceTaint}=nodeshutdown:NoExecute\` ` +
    `(remove the taint once the node is back), or \`kubectl delete pod -n ${pod.namespace} ${pod.name} --grace-period=0 --force\`.`
  );
}

function pendingProblems(pod: PodRecord, desired: DesiredPlacement): string[] {
  const problems: string[] = [];
  if (desired.node !== null) {
    const elsewhere = pod.pinnedNodes.filter((n) => n !== desired.node);
    if (elsewhere.length > 0)
      problems.push(
        `pod ${pod.name} is Pending, pinned to node ${elsewhere.join(", ")} while Git wants ${desired.node}: ` +
          `Flux has not applied the commit yet, or the pod was created from an old template`,
      );
  }
  if (desired.claims.length > 0) {
    const other = pod.claims.filter((c) => !desired.claims.includes(c));
    if (other.length > 0)
      problems.push(
        `pod ${pod.name} is Pending and mounts claim ${other.join(", ")} while Git wants ${desired.claims.join(", ")}`,
      );
  }
  if (pod.unschedulable !== null) {
    problems.push(
      `pod ${pod.name} is Pending and cannot be scheduled: ${pod.unschedulable}` +
        (pod.pinnedNodes.length > 0
          ? ` (a node-local volume can only be used on its own node: a node pin that disagrees with the claim's node keeps the pod Pending forever)`
          : ""),
    );
  }
  return problems;
}

/**
 * What stops the service from running where Git wants it, in plain words and with the remedy
 * (SPEC §7 `blockers`). Empty when nothing is known to be in the way.
 */
export function podBlockers(spec: ServiceSpec, view: ClusterView, desired: DesiredPlacement): string[] {
  const blockers: string[] = [];
  const pods = view.pods(spec.namespace, spec.workload.name);
  for (const pod of pods) {
    const node = pod.node === null ? undefined : view.node(pod.node);
    const nodeDown = pod.node !== null && node?.ready !== true;
    if (pod.terminating && nodeDown) blockers.push(stuckTerminating(spec, pod, view, desired));
    else if (!pod.terminating && pod.phase === "Pending") blockers.push(...pendingProblems(pod, desired));
    else if (!pod.terminating && nodeDown && pod.phase === "Running")
      blockers.push(
        `pod ${pod.name} is reported Running on node ${pod.node ?? "?"}, which is NotReady: its status is stale; ` +
          `Kubernetes evicts it after its toleration (5 minutes by default), and then it stays Terminating until the node is back or it is force-deleted`,
      );
  }
  if (desired.node !== null) {
    const target = view.node(desired.node);
    if (!target)
      blockers.push(`node ${desired.node}, where Git wants ${spec.name} to run, is not in the cluster`);
    else if (!target.ready)
      blockers.push(
        `node ${desired.node}, where Git wants ${spec.name} to run, is NotReady since ${target.since ?? "an unknown time"}: the pod cannot start there`,
      );
  }
  return blockers;
}
