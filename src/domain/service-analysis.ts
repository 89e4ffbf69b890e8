import type { Reference } from "./reference.js";
import type { Role } from "./service-spec.js";

/** What the manifest scanner found for one service in one repository tree. */
export interface ServiceAnalysis {
  service: string;
  references: Reference[];
  /**
   * Reasons the service cannot be switched at all (SPEC §4 refusals, missing files or claims).
   * Non-empty means the `config` check fails and the service's role is `unknown`.
   */
  refusals: string[];
  /** Replication objects labelled `kustomize.toolkit.fluxcd.io/ssa: IfNotPresent`, as `file: Kind/name`. */
  ssaIfNotPresent: string[];
}

export interface RoleReading {
  role: Role;
  /** Plain-language reasons when the role is not clean (mixed, unknown, or references disagreeing). */
  problems: string[];
  /** Per configured claim pair: which of the two names the manifests reference, or null if unclear. */
  activeClaims: (string | null)[];
}
