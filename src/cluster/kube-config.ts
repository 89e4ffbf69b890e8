import { existsSync } from "node:fs";
import { delimiter } from "node:path";
import { KubeConfig } from "@kubernetes/client-node";
import type { AppConfig } from "../config/app-config.js";

/** Where the service-account token of a pod is mounted (client-node reads it from there too). */
export const serviceAccountTokenPath = "/var/run/secrets/kubernetes.io/serviceaccount/token";

export type ClusterAccess =
  | { enabled: false; reason: string }
  | { enabled: true; kubeConfig: KubeConfig; source: "in-cluster" | "kubeconfig"; server: string };

export interface ClusterAccessEnv {
  env?: NodeJS.ProcessEnv;
  /** For tests: whether a file exists. */
  exists?: (path: string) => boolean;
}

/**
 * Decides whether to talk to a cluster, and loads its credentials. `false`: never; `true`: in
 * a pod or with KUBECONFIG, else an error (the operator asked for a cluster we cannot reach);
 * `auto`: on when either is available. An explicit KUBECONFIG wins over the pod's service
 * account, as it does for kubectl's users. With several KUBECONFIG files, the first existing
 * one is used (no merging: a service has one cluster).
 */
export function clusterAccess(cluster: AppConfig["cluster"], options: ClusterAccessEnv = {}): ClusterAccess {
  const env = options.env ?? process.env;
  const exists = options.exists ?? existsSync;
  if (cluster.enabled === false) return { enabled: false, reason: "cluster.enabled is false" };
  const kubeconfigFiles = (env.KUBECONFIG ?? "").split(delimiter).filter((f) => f !== "");
  const kubeconfigFile = kubeconfigFiles.find((f) => exists(f));
  const inCluster = Boolean(env.KUBERNETES_SERVICE_HOST) && exists(serviceAccountTokenPath);
  if (kubeconfigFiles.length > 0 && kubeconfigFile === undefined && cluster.enabled === true) {
    throw new Error(`cluster.enabled is true but no KUBECONFIG file exists (${kubeconfigFiles.join(", ")})`);
  }
  const kubeConfig = new KubeConfig();
  if (kubeconfigFile !== undefined) {
    kubeConfig.loadFromFile(kubeconfigFile);
    return { enabled: true, kubeConfig, source: "kubeconfig", server: serverOf(kubeConfig) };
  }
  if (inCluster) {
    kubeConfig.loadFromCluster();
    return { enabled: true, kubeConfig, source: "in-cluster", server: serverOf(kubeConfig) };
  }
  if (cluster.enabled === true) {
    throw new Error(
      "cluster.enabled is true but there is no cluster to talk to: not running in a pod " +
        `(KUBERNETES_SERVICE_HOST and ${serviceAccountTokenPath}) and KUBECONFIG is not set`,
    );
  }
  return { enabled: false, reason: "not in a pod and KUBECONFIG is not set (cluster.enabled: auto)" };
}

function serverOf(kubeConfig: KubeConfig): string {
  const cluster = kubeConfig.getCurrentCluster();
  if (!cluster) throw new Error("the kubeconfig has no current cluster");
  return cluster.server;
}
