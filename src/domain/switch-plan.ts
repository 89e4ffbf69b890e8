import { type Reference, referenceState } from "./reference.js";
import type { Role, ServiceSpec, TargetRole } from "./service-spec.js";
import { nodeOfRole } from "./service-spec.js";
import type { ServiceAnalysis } from "./service-analysis.js";
import { readRole } from "./read-role.js";

/** Replace the characters `[start, end)` of `file` with `text` (an insertion when start === end). */
export interface TextEdit {
  file: string;
  start: number;
  end: number;
  text: string;
}

export interface Splice extends TextEdit {
  reference: Reference;
}

/** The pure result of planning one service's switch: what to rewrite and what was checked. */
export interface ServicePlan {
  service: string;
  from: Role;
  to: TargetRole;
  /** The node the app moves to. */
  node: string;
  splices: Splice[];
  refusals: string[];
  problems: string[];
}

/** Every reference not already in the target state is rewritten; nothing else is touched. */
export function planSwitch(spec: ServiceSpec, analysis: ServiceAnalysis, to: TargetRole): ServicePlan {
  const reading = readRole(spec, analysis);
  const splices: Splice[] =
    analysis.refusals.length > 0
      ? []
      : analysis.references
          .filter((ref) => referenceState(ref) !== to)
          .map((ref) => ({
            file: ref.file,
            start: ref.start,
            end: ref.end,
            text: ref.render[to],
            reference: ref,
          }));
  return {
    service: spec.name,
    from: reading.role,
    to,
    node: nodeOfRole(spec, to),
    splices,
    refusals: analysis.refusals,
    problems: reading.problems,
  };
}

export function filesChanged(splices: readonly TextEdit[]): string[] {
  return [...new Set(splices.map((s) => s.file))].sort();
}
