import { FailoverError } from "../domain/failover-error.js";
import {
  type Direction,
  finalSyncTargets,
  type FinalSyncStage,
  planQuiesce,
  planRestore,
  planTrigger,
} from "../domain/planned-move-plan.js";
import { readRole } from "../domain/read-role.js";
import type { ServiceSpec, TargetRole } from "../domain/service-spec.js";
import type { PlannedMoveAnalysis } from "../domain/slot.js";
import type { TextEdit } from "../domain/switch-plan.js";
import { planSwitch } from "../domain/switch-plan.js";
import { applySplices } from "../manifests/apply-splices.js";
import { scanPlannedMove } from "../manifests/scan-planned-move.js";
import { scanService } from "../manifests/scan-service.js";

export type Files = ReadonlyMap<string, string | undefined>;

export interface StepFiles {
  /** The new contents of every file the step changes (relative to the tree it was planned on). */
  changed: Map<string, string>;
  /** Slots a restore left alone, with the reason (kept changes made by someone else). */
  kept: string[];
}

/**
 * Applies one service's edits after another, each planned from the tree the previous one left:
 * services of an evacuation may share a file, and a restore may shift what a switch then edits.
 */
function sequentially(
  files: Files,
  specs: readonly ServiceSpec[],
  plan: (spec: ServiceSpec, files: Files) => TextEdit[],
): Map<string, string | undefined> {
  const current = new Map(files);
  for (const spec of specs) {
    const edits = plan(spec, current);
    for (const [file, text] of applySplices(current, edits)) current.set(file, text);
  }
  return current;
}

function changedAgainst(before: Files, after: ReadonlyMap<string, string | undefined>): Map<string, string> {
  const changed = new Map<string, string>();
  for (const [file, text] of after)
    if (text !== undefined && text !== before.get(file)) changed.set(file, text);
  return changed;
}

/** Plans a planned-move analysis; a refusal (the tree changed under the operation) stops the step. */
export function analysed(spec: ServiceSpec, files: Files, operationId: string): PlannedMoveAnalysis {
  const analysis = scanPlannedMove(spec, files, operationId);
  if (analysis.refusals.length > 0) {
    throw new FailoverError("MANIFEST_UNSUPPORTED", `${spec.name}: ${analysis.refusals.join("; ")}`, {
      details: { service: spec.name, problems: analysis.refusals },
    });
  }
  return analysis;
}

/** Step 1: every service's replica count (or `quiesce` edit) at its stopped value. */
export function quiesceFiles(files: Files, specs: readonly ServiceSpec[], operationId: string): StepFiles {
  const after = sequentially(files, specs, (spec, f) => planQuiesce(analysed(spec, f, operationId)));
  return { changed: changedAgainst(files, after), kept: [] };
}

/** Step 2: `spec.trigger.manual: <id>` on the stage's objects of every service. */
export function triggerFiles(
  files: Files,
  specs: readonly ServiceSpec[],
  operationId: string,
  direction: Direction,
  stage: FinalSyncStage,
): StepFiles {
  const after = sequentially(files, specs, (spec, f) =>
    planTrigger(finalSyncTargets(analysed(spec, f, operationId), direction, stage)),
  );
  return { changed: changedAgainst(files, after), kept: [] };
}

function restoreAll(
  files: Files,
  specs: readonly ServiceSpec[],
  base: Files,
  operationId: string,
): { after: Map<string, string | undefined>; kept: string[] } {
  const kept: string[] = [];
  const after = sequentially(files, specs, (spec, f) => {
    const plan = planRestore(analysed(spec, f, operationId), scanPlannedMove(spec, base, operationId));
    kept.push(...plan.kept);
    return plan.edits;
  });
  return { after, kept };
}

/** Rollback: put back what the earlier steps wrote, as the tree before the operation had it. */
export function rollbackFiles(
  files: Files,
  specs: readonly ServiceSpec[],
  base: Files,
  operationId: string,
): StepFiles {
  const { after, kept } = restoreAll(files, specs, base, operationId);
  return { changed: changedAgainst(files, after), kept };
}

/**
 * Step 3: the restore, then the ordinary switch planned on the restored tree, as one change —
 * Flux never sees a half-switched app. The result must read as the target role.
 */
export function switchFilesOf(
  files: Files,
  specs: readonly ServiceSpec[],
  base: Files,
  operationId: string,
  to: TargetRole,
): StepFiles {
  const { after, kept } = restoreAll(files, specs, base, operationId);
  const switched = sequentially(after, specs, (spec, f) => {
    const analysis = scanService(spec, f);
    if (analysis.refusals.length > 0) {
      throw new FailoverError("MANIFEST_UNSUPPORTED", `${spec.name}: ${analysis.refusals.join("; ")}`, {
        details: { service: spec.name, problems: analysis.refusals },
      });
    }
    return planSwitch(spec, analysis, to).splices;
  });
  for (const spec of specs) {
    const role = readRole(spec, scanService(spec, switched)).role;
    if (role !== to) {
      throw new FailoverError(
        "INTERNAL",
        `${spec.name}: the switched manifests read as ${role}, not ${to}; nothing was committed`,
      );
    }
  }
  return { changed: changedAgainst(files, switched), kept };
}
