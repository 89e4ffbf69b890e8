import type { ServiceSpec } from "./service-spec.js";
import type { PlannedMoveAnalysis, Slot, TriggerSlot } from "./slot.js";
import type { TextEdit } from "./switch-plan.js";

/**
 * The pure planners of a planned move's steps (SPEC §5.1). Each one makes the tree in hand say
 * one thing and plans nothing where it already does, so a retry, a rejected push, a restart or a
 * second replica planning the same step again finds nothing to do.
 */

export type Direction = "forward" | "reverse";

/** The replication direction that carries the data of a move: promote forward, demote reverse. */
export function directionOf(action: "promote" | "demote"): Direction {
  return action === "promote" ? "forward" : "reverse";
}

/** Quiesce: every replica count (or `quiesce` edit) reads its stopped value. */
export function planQuiesce(now: PlannedMoveAnalysis): TextEdit[] {
  return now.quiesce.filter((s) => s.value !== s.target).map(writeTarget);
}

export type FinalSyncStage = "sources" | "destinations";

/**
 * The objects a final sync triggers, in order: the direction's ReplicationSources, then its
 * ReplicationDestinations that restore from a repository (they get the data only when they run,
 * so they run after the source's sync has put it there).
 */
export function finalSyncTargets(now: PlannedMoveAnalysis, direction: Direction, stage: FinalSyncStage) {
  return now.triggers.filter(
    (t) =>
      t.direction === direction &&
      (stage === "sources"
        ? t.replicationKind === "ReplicationSource"
        : t.replicationKind === "ReplicationDestination" && t.pulls),
  );
}

/** Final sync: `spec.trigger.manual` reads the operation id on every target of the stage. */
export function planTrigger(targets: readonly TriggerSlot[]): TextEdit[] {
  return targets.filter((t) => t.value !== t.target).map(writeTarget);
}

export interface RestorePlan {
  edits: TextEdit[];
  /** Slots left alone, and why (someone else changed them meanwhile, or they cannot be put back exactly). */
  kept: string[];
}

/**
 * Puts back what the earlier steps wrote (replica counts, triggers) as the base tree had it:
 * the exact source text of the value, or no key at all. Only a slot that still holds the value a
 * step wrote is touched; anything else someone pushed meanwhile stays as it is.
 */
export function planRestore(now: PlannedMoveAnalysis, base: PlannedMoveAnalysis): RestorePlan {
  const baseSlots = new Map<string, Slot>([...base.quiesce, ...base.triggers].map((s) => [s.key, s]));
  const edits: TextEdit[] = [];
  const kept: string[] = [];
  for (const slot of [...now.quiesce, ...now.triggers]) {
    const original = baseSlots.get(slot.key);
    const where = `${slot.file}:${slot.line} ${slot.object} ${slot.path}`;
    if (slot.value !== slot.target) continue;
    if (!original) {
      kept.push(`${where}: not in the tree before the operation; left as it is`);
      continue;
    }
    if (original.value === slot.target) continue;
    if (original.raw !== null) {
      edits.push({ file: slot.file, start: slot.set.start, end: slot.set.end, text: original.raw });
      continue;
    }
    const removal = original.parentPresent ? slot.removal : (slot.removalWithParent ?? slot.removal);
    if (removal === null) {
      kept.push(`${where}: the line no longer reads as written; remove it by hand`);
      continue;
    }
    edits.push({ file: slot.file, start: removal.start, end: removal.end, text: "" });
  }
  return { edits, kept };
}

/** What a final-sync move of this service needs in its configuration, as a 422 reason; null when met. */
export function finalSyncConfigProblem(spec: ServiceSpec, action: "promote" | "demote"): string | null {
  const direction = directionOf(action);
  if (spec.replication.some((r) => r.kind === "ReplicationSource" && r.direction === direction)) return null;
  const [from, to] = action === "promote" ? ["primary", "backup"] : ["backup", "primary"];
  const claim = spec.claims[0];
  const sourcePvc = claim ? (action === "promote" ? claim.primary : claim.backup) : "<claim>";
  return (
    `${spec.name}: a final sync ${action === "promote" ? "before promoting" : "before demoting"} needs a ${direction} ` +
    `ReplicationSource (${from} → ${to}); add {kind: ReplicationSource, name: <its name>, direction: ${direction}} ` +
    `to the service's \`replication\` (the ReplicationSource whose spec.sourcePVC is ${sourcePvc})`
  );
}

function writeTarget(slot: Slot): TextEdit {
  return { file: slot.file, start: slot.set.start, end: slot.set.end, text: slot.set.text };
}
