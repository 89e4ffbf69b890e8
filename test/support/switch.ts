import type { ServiceSpec, TargetRole } from "../../src/domain/service-spec.js";
import { planSwitch } from "../../src/domain/switch-plan.js";
import { applySplices } from "../../src/manifests/apply-splices.js";
import { scanService } from "../../src/manifests/scan-service.js";
import { unifiedDiff } from "../../src/manifests/unified-diff.js";

/** Scans, plans and applies one switch over in-memory files; returns new files and the diff. */
export function switchFiles(spec: ServiceSpec, files: Record<string, string>, to: TargetRole) {
  const map = new Map(Object.entries(files));
  const analysis = scanService(spec, map);
  const plan = planSwitch(spec, analysis, to);
  const changed = applySplices(map, plan.splices);
  const after = { ...files, ...Object.fromEntries(changed) };
  const diff = [...changed].map(([f, text]) => unifiedDiff(f, files[f] ?? "", text)).join("");
  return { analysis, plan, after, diff, changed };
}
