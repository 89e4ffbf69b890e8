import type { PathSegment } from "../domain/service-spec.js";

/** Where the pod spec sits in each workload kind that SPEC §4 rule 1 covers. */
const podSpecPaths: Record<string, PathSegment[]> = {
  Deployment: ["spec", "template", "spec"],
  StatefulSet: ["spec", "template", "spec"],
  DaemonSet: ["spec", "template", "spec"],
  ReplicaSet: ["spec", "template", "spec"],
  Job: ["spec", "template", "spec"],
  CronJob: ["spec", "jobTemplate", "spec", "template", "spec"],
  Pod: ["spec"],
};

export function podSpecPath(kind: string | undefined): PathSegment[] | undefined {
  return kind === undefined ? undefined : podSpecPaths[kind];
}

export const hostnameLabel = "kubernetes.io/hostname";
export const ssaLabel = "kustomize.toolkit.fluxcd.io/ssa";
