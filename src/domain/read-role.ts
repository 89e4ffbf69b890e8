import { describeReference, referenceState } from "./reference.js";
import type { RoleReading, ServiceAnalysis } from "./service-analysis.js";
import type { Role, ServiceSpec } from "./service-spec.js";

/**
 * Derives a service's role from its manifests: the claims (and explicit edits) decide it; node
 * pins and replication objects that disagree are reported as problems, and the next switch fixes them.
 */
export function readRole(spec: ServiceSpec, analysis: ServiceAnalysis): RoleReading {
  const problems = [...analysis.refusals];
  const deciding = analysis.references.filter((r) => r.kind === "claim" || r.kind === "edit");
  const activeClaims = spec.claims.map((pair) => {
    const refs = analysis.references.filter((r) => r.kind === "claim" && r.values.primary === pair.primary);
    const states = new Set(refs.map(referenceState));
    if (states.size !== 1) return null;
    return states.has("backup") ? pair.backup : states.has("primary") ? pair.primary : null;
  });
  if (analysis.refusals.length > 0 || deciding.length === 0) {
    return { role: "unknown", problems, activeClaims };
  }
  const onPrimary = deciding.filter((r) => referenceState(r) === "primary");
  const onBackup = deciding.filter((r) => referenceState(r) === "backup");
  let role: Role;
  if (onBackup.length === 0) role = "primary";
  else if (onPrimary.length === 0) role = "backup";
  else {
    role = "mixed";
    problems.push(
      `references disagree: primary at ${onPrimary.map(describeReference).join("; ")}; ` +
        `backup at ${onBackup.map(describeReference).join("; ")}`,
    );
  }
  if (role === "primary" || role === "backup") {
    for (const ref of analysis.references) {
      if (ref.kind === "claim" || ref.kind === "edit") continue;
      const state = referenceState(ref);
      if (state === role) continue;
      const what = ref.kind === "node-pin" ? "node pin" : `${ref.object} ${ref.path}`;
      problems.push(
        `${describeReference(ref)}: ${what} reads "${ref.current}" but the service is on ${role} ` +
          `(expected "${ref.values[role]}"); the next switch rewrites it`,
      );
    }
  }
  return { role, problems, activeClaims };
}
