import type { TargetRole } from "./service-spec.js";

export type ReferenceKind = "claim" | "node-pin" | "replication" | "edit";

/**
 * One place in the repository that a promote or demote rewrites. `start`/`end` are character
 * offsets into the file's text; `render` holds the exact replacement text of that range for each
 * role, already in the scalar's own quoting style (or, for an absent `spec.paused`, the text to
 * insert at `start === end`).
 */
export interface Reference {
  kind: ReferenceKind;
  file: string;
  /** 0-based index of the YAML document inside the file. */
  document: number;
  /** `Kind/name` of the object holding the reference, e.g. `Deployment/sonarr`. */
  object: string;
  /** Human path inside the object, e.g. `spec.template.spec.volumes[0].persistentVolumeClaim.claimName`. */
  path: string;
  start: number;
  end: number;
  /** The value as it reads now (`"false"` for an absent `spec.paused`). */
  current: string;
  values: Record<TargetRole, string>;
  render: Record<TargetRole, string>;
  /** 1-based line of the reference, for messages. */
  line: number;
}

/** Which role a reference currently encodes, or `other` when it matches neither. */
export function referenceState(ref: Reference): TargetRole | "other" {
  if (ref.current === ref.values.primary) return "primary";
  if (ref.current === ref.values.backup) return "backup";
  return "other";
}

export function describeReference(ref: Reference): string {
  return `${ref.file}:${ref.line} ${ref.object} ${ref.path}`;
}
