import type { AppConfig } from "../config/app-config.js";
import type { ClusterIntegration } from "./cluster-integration.js";

/**
 * Whether the configuration asks for a cluster in this environment, decided without loading the
 * Kubernetes client (about 60 MB of memory a server without a cluster should not pay).
 */
export function wantsCluster(cluster: AppConfig["cluster"], env: NodeJS.ProcessEnv): boolean {
  if (cluster.enabled === false) return false;
  return cluster.enabled === true || Boolean(env.KUBECONFIG) || Boolean(env.KUBERNETES_SERVICE_HOST);
}

export const noCluster: ClusterIntegration = {
  live: () => null,
  status: null,
  leader: null,
  view: () => null,
  events: null,
  sourceRevision: () => null,
  pushed: () => undefined,
  fetched: () => undefined,
  onChange: () => undefined,
  reconfigure: () => undefined,
  stop: () => Promise.resolve(),
};
