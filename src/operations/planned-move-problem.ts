import { finalSyncConfigProblem } from "../domain/planned-move-plan.js";
import type { ServiceSpec } from "../domain/service-spec.js";
import { scanPlannedMove } from "../manifests/scan-planned-move.js";
import type { Files } from "./step-files.js";

/**
 * Why a final-sync move of this service cannot be done from this tree (a 422 reason), or null:
 * no ReplicationSource for the direction, no way to stop the app, a trigger that cannot be written.
 */
export function plannedMoveProblem(
  spec: ServiceSpec,
  files: Files,
  action: "promote" | "demote",
): string | null {
  const config = finalSyncConfigProblem(spec, action);
  if (config !== null) return config;
  // The id only shapes the text a step would write; any value finds the same problems.
  const analysis = scanPlannedMove(spec, files, "00000000-0000-0000-0000-000000000000");
  return analysis.refusals.length > 0 ? `${spec.name}: ${analysis.refusals.join("; ")}` : null;
}
