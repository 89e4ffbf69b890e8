import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { hostname } from "node:os";

/** Where a pod's own namespace is mounted with its service-account token. */
export const serviceAccountNamespacePath = "/var/run/secrets/kubernetes.io/serviceaccount/namespace";

/** The leader Lease's name: one per installation, shared by its replicas. */
export const leaderLeaseName = "failover-api";

export interface IdentityEnv {
  env?: NodeJS.ProcessEnv;
  /** For tests: reads a file or returns undefined. */
  read?: (path: string) => string | undefined;
}

/**
 * The namespace the server runs in (its Leases live there): POD_NAMESPACE (downward API), else
 * the service account's mounted namespace, else FAILOVER_API_NAMESPACE, else "default" (out of
 * a cluster, e.g. a developer's kubeconfig).
 */
export function serverNamespace(options: IdentityEnv = {}): string {
  const env = options.env ?? process.env;
  const read = options.read ?? readOptional;
  const candidates = [env.POD_NAMESPACE, read(serviceAccountNamespacePath), env.FAILOVER_API_NAMESPACE];
  return candidates.map((c) => c?.trim()).find((c) => c !== undefined && c !== "") ?? "default";
}

/**
 * A unique name for this process in the Lease: the pod name (or host name) plus a random
 * suffix, so a restarted container never mistakes its predecessor's claim for its own.
 */
export function serverIdentity(options: IdentityEnv = {}): string {
  const env = options.env ?? process.env;
  const base = env.POD_NAME?.trim() || hostname();
  return `${base}_${randomBytes(4).toString("hex")}`;
}

function readOptional(path: string): string | undefined {
  try {
    return readFileSync(path, "utf8");
  } catch {
    return undefined;
  }
}
