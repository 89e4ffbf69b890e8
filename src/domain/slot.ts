/**
 * A place a planned move (SPEC §5.1) sets and later puts back byte for byte: the workload's replica
 * count (`spec.replicas`, or a `quiesce` edit) and a VolSync object's `spec.trigger.manual`.
 * Found by src/manifests in one tree; the planners in this directory compare two trees' slots.
 */
export type SlotKind = "replicas" | "quiesce" | "trigger";

export interface TextRange {
  start: number;
  end: number;
}

export interface Slot {
  kind: SlotKind;
  file: string;
  /** `Kind/name` of the object holding it. */
  object: string;
  /** Human path inside the object, e.g. `spec.replicas`. */
  path: string;
  /** Identity across trees (file, object, path): the same slot in the base tree and today's. */
  key: string;
  /** 1-based line, for messages. */
  line: number;
  /** The value as it reads now; null when the key is absent. */
  value: string | null;
  /** The exact source text of the value (what a restore writes back); null when absent. */
  raw: string | null;
  /** Absent only: whether the parent mapping exists (`spec.trigger` for a trigger). */
  parentPresent: boolean;
  /** The value a step writes here: `0`, the `quiesce` edit's `stopped`, or the operation id. */
  target: string;
  /** The splice that writes `target`: a replacement of the value, or an insertion when absent. */
  set: TextRange & { text: string };
  /**
   * Present only: the whole line(s) to delete when the base tree had no such key, or null when
   * the lines are not exactly what an insertion writes (then the key is left alone).
   */
  removal: TextRange | null;
  /** Like `removal`, also deleting the parent (`trigger:`) when the key is its only entry. */
  removalWithParent: TextRange | null;
}

/** What a planned move needs from one tree of one service. */
export interface PlannedMoveAnalysis {
  service: string;
  /** How the app is stopped: replica counts or `quiesce` edits. */
  quiesce: Slot[];
  /** `spec.trigger.manual` of each configured replication object, by `Kind/name`. */
  triggers: TriggerSlot[];
  /** Why the app cannot be stopped through Git, or a trigger cannot be written. */
  refusals: string[];
}

export interface TriggerSlot extends Slot {
  replicationKind: "ReplicationSource" | "ReplicationDestination";
  name: string;
  direction: "forward" | "reverse";
  /**
   * A ReplicationDestination whose mover restores from a repository (restic, rclone, kopia): the
   * data reaches its volume only when it runs, so it runs after the source's final sync.
   */
  pulls: boolean;
}
