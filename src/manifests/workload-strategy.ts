import type { ServiceSpec } from "../domain/service-spec.js";
import { parseManifest } from "./manifest-file.js";
import { stringAt } from "./yaml-walk.js";

/**
 * A Deployment's rollout strategy as Git declares it (the cluster watches no Deployments), so
 * status can tell whether a pod stuck on a dead node blocks the rollout.
 */
export function workloadStrategy(
  spec: ServiceSpec,
  files: ReadonlyMap<string, string | undefined>,
): "Recreate" | "RollingUpdate" | undefined {
  if (spec.workload.kind !== "Deployment") return undefined;
  for (const file of spec.files) {
    const text = files.get(file);
    if (text === undefined) continue;
    const parsed = parseManifest(file, text);
    if (!parsed.ok) continue;
    for (const d of parsed.documents) {
      if (d.kind !== "Deployment" || d.name !== spec.workload.name) continue;
      const type = stringAt(d.doc.contents, ["spec", "strategy", "type"], d.doc);
      if (type === "Recreate" || type === "RollingUpdate") return type;
    }
  }
  return undefined;
}
