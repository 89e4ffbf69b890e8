import type { ServiceSpec } from "../domain/service-spec.js";

/**
 * Whether a pod belongs to a service's workload, by name alone: we watch pods, not their
 * controllers. A bare Pod is matched exactly; any other kind by the prefix `<workload.name>-`
 * (Deployment `<name>-<hash>-<id>`, StatefulSet `<name>-<ordinal>`, DaemonSet/Job
 * `<name>-<id>`, CronJob `<name>-<time>-<id>`, HelmRelease pods named after the release).
 * Known limit: a workload named `app` also matches the pods of a sibling `app-exporter`.
 */
export function podBelongsTo(workload: ServiceSpec["workload"], podName: string): boolean {
  if (workload.kind === "Pod") return podName === workload.name;
  return podName.startsWith(`${workload.name}-`);
}
