import { AuthorizationV1Api, CustomObjectsApi, type KubeConfig } from "@kubernetes/client-node";
import type { AppConfig } from "../config/app-config.js";
import { fluxOwnersOf } from "../cluster/flux-owners.js";
import { parseKustomization, type KustomizationRecord, type ObjectRef } from "../cluster/flux-records.js";
import { clusterAccess } from "../cluster/kube-config.js";
import { serverNamespace } from "../cluster/server-identity.js";
import { apis } from "../cluster/watched-apis.js";
import type { DoctorCheck } from "./doctor-check.js";

/** One permission the server uses; `namespace: null` is cluster-wide. */
export interface NeededPermission {
  verb: string;
  group: string;
  resource: string;
  namespace: string | null;
  why: string;
}

/**
 * What the server does with the API (SPEC §9), as the ClusterWatcher and the FluxNudge do it:
 * nodes, VolSync objects and Kustomizations are watched cluster-wide, pods in each service's
 * namespace, the GitRepository in its namespace; the nudge patches the GitRepository and the
 * Kustomizations owning the changed files (in any namespace).
 */
export function neededPermissions(config: AppConfig, ownNamespace = "default"): NeededPermission[] {
  const watch = (group: string, resource: string, namespace: string | null, why: string) =>
    (["list", "watch"] as const).map((verb) => ({ verb, group, resource, namespace, why }));
  const namespaces = [...new Set(config.services.map((s) => s.namespace))].sort();
  const git = config.cluster.flux.gitRepository;
  return [
    ...watch("", "nodes", null, "live status and the target-node-ready check"),
    ...namespaces.flatMap((ns) => watch("", "pods", ns, "live status and the source-stopped check")),
    ...watch(apis.replicationSource.group, apis.replicationSource.plural, null, "replication status"),
    ...watch(
      apis.replicationDestination.group,
      apis.replicationDestination.plural,
      null,
      "replication status",
    ),
    ...watch(apis.gitRepository.group, apis.gitRepository.plural, git.namespace, "progress (Flux fetched)"),
    {
      verb: "patch",
      group: apis.gitRepository.group,
      resource: apis.gitRepository.plural,
      namespace: git.namespace,
      why: "the Flux reconcile nudge",
    },
    ...watch(apis.kustomization.group, apis.kustomization.plural, null, "flux-applies and progress"),
    {
      verb: "patch",
      group: apis.kustomization.group,
      resource: apis.kustomization.plural,
      namespace: null,
      why: "the Flux reconcile nudge",
    },
    ...(["get", "create", "update"] as const).map((verb) => ({
      verb,
      group: "coordination.k8s.io",
      resource: "leases",
      namespace: ownNamespace,
      why: "the leader Lease: only its holder acts (automation, planned moves)",
    })),
    // A Node's Events live in `default`; a workload's in its namespace.
    ...[...new Set(["default", ...namespaces])].map((namespace) => ({
      verb: "create",
      group: "events.k8s.io",
      resource: "events",
      namespace,
      why: "automation decisions recorded as Events",
    })),
  ];
}

function resourceName(p: { group: string; resource: string }): string {
  return p.group === "" ? p.resource : `${p.resource}.${p.group}`;
}

function scope(namespace: string | null): string {
  return namespace === null ? "cluster-wide" : `in namespace ${namespace}`;
}

function message(error: unknown): string {
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    return typeof code === "number" ? `HTTP ${code}` : error.message;
  }
  return String(error);
}

function statusCode(error: unknown): number | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === "number" ? code : undefined;
}

/** A SelfSubjectAccessReview per permission: does this identity have it? */
export async function checkPermissions(
  kubeConfig: KubeConfig,
  permissions: readonly NeededPermission[],
): Promise<DoctorCheck[]> {
  const api = kubeConfig.makeApiClient(AuthorizationV1Api);
  return Promise.all(
    permissions.map(async (p): Promise<DoctorCheck> => {
      const what = `${p.verb} ${resourceName(p)} ${scope(p.namespace)}`;
      const name = `rbac/${p.verb} ${resourceName(p)}${p.namespace === null ? "" : ` (${p.namespace})`}`;
      try {
        const review = await api.createSelfSubjectAccessReview({
          body: {
            apiVersion: "authorization.k8s.io/v1",
            kind: "SelfSubjectAccessReview",
            spec: {
              resourceAttributes: {
                verb: p.verb,
                group: p.group,
                resource: p.resource,
                ...(p.namespace === null ? {} : { namespace: p.namespace }),
              },
            },
          },
        });
        const status = review.status;
        if (status?.allowed === true) return { name, status: "pass", detail: `may ${what}` };
        const reason = [status?.reason, status?.evaluationError].filter((r) => r).join("; ");
        return {
          name,
          status: "fail",
          detail:
            `missing permission: ${what} (needed for ${p.why}); apply deploy/base/rbac.yaml for this identity` +
            (reason ? ` (${reason})` : ""),
        };
      } catch (error) {
        return {
          name,
          status: "fail",
          detail: `could not check ${what} with a SelfSubjectAccessReview: ${message(error)}`,
        };
      }
    }),
  );
}

/** The GitRepository, the Kustomizations built from it, and the one owning each service's files. */
export async function checkFluxObjects(kubeConfig: KubeConfig, config: AppConfig): Promise<DoctorCheck[]> {
  const api = kubeConfig.makeApiClient(CustomObjectsApi);
  const git: ObjectRef = config.cluster.flux.gitRepository;
  const gitName = `GitRepository ${git.namespace}/${git.name}`;
  const checks: DoctorCheck[] = [];
  try {
    await api.getNamespacedCustomObject({ ...apis.gitRepository, namespace: git.namespace, name: git.name });
    checks.push({ name: "flux-git-repository", status: "pass", detail: `${gitName} exists` });
  } catch (error) {
    checks.push({
      name: "flux-git-repository",
      status: "fail",
      detail:
        statusCode(error) === 404
          ? `${gitName} not found; set cluster.flux.gitRepository to the GitRepository Flux syncs this repository with`
          : `cannot read ${gitName}: ${message(error)}`,
    });
  }
  let kustomizations: KustomizationRecord[];
  try {
    const list = (await api.listClusterCustomObject({ ...apis.kustomization })) as { items?: unknown[] };
    kustomizations = (list.items ?? [])
      .map(parseKustomization)
      .filter((k): k is KustomizationRecord => k !== undefined);
  } catch (error) {
    checks.push({
      name: "flux-kustomizations",
      status: "fail",
      detail: `cannot list Kustomizations: ${message(error)}`,
    });
    return checks;
  }
  const fromSource = kustomizations.filter(
    (k) =>
      k.source.kind === "GitRepository" && k.source.namespace === git.namespace && k.source.name === git.name,
  );
  checks.push(
    fromSource.length > 0
      ? {
          name: "flux-kustomizations",
          status: "pass",
          detail: `${fromSource.length} Kustomization${fromSource.length === 1 ? "" : "s"} built from ${gitName}`,
        }
      : {
          name: "flux-kustomizations",
          status: "fail",
          detail: `no Kustomization has sourceRef ${gitName} (${kustomizations.length} Kustomizations in the cluster)`,
        },
  );
  for (const service of config.services) {
    const owners = fluxOwnersOf(kustomizations, git, service.files);
    const names = owners.map((k) => `${k.namespace}/${k.name}`).join(", ");
    const suspended = owners.filter((k) => k.suspended).map((k) => `${k.namespace}/${k.name}`);
    checks.push(
      owners.length === 0
        ? {
            name: `flux/${service.name}`,
            status: "fail",
            detail: `no Kustomization of ${gitName} has a spec.path containing ${service.files.join(", ")}: Flux would not apply a failover`,
          }
        : suspended.length > 0
          ? {
              name: `flux/${service.name}`,
              status: "warn",
              detail: `applied by Kustomization ${names}; suspended: ${suspended.join(", ")}`,
            }
          : { name: `flux/${service.name}`, status: "pass", detail: `applied by Kustomization ${names}` },
    );
  }
  return checks;
}

/**
 * SPEC §8 "with a cluster: Flux objects present, RBAC allows what the server needs". Without a
 * cluster (cluster.enabled false, or auto with none reachable) one `skip` says why.
 */
export async function clusterChecks(
  config: AppConfig,
  options: { env?: NodeJS.ProcessEnv } = {},
): Promise<DoctorCheck[]> {
  let access;
  try {
    access = clusterAccess(config.cluster, options.env ? { env: options.env } : {});
  } catch (error) {
    return [{ name: "cluster", status: "fail", detail: message(error) }];
  }
  if (!access.enabled) return [{ name: "cluster", status: "skip", detail: access.reason }];
  const checks: DoctorCheck[] = [
    { name: "cluster", status: "pass", detail: `${access.source}: ${access.server}` },
  ];
  const [rbac, flux] = await Promise.all([
    checkPermissions(
      access.kubeConfig,
      neededPermissions(config, serverNamespace(options.env ? { env: options.env } : {})),
    ),
    checkFluxObjects(access.kubeConfig, config),
  ]);
  return [...checks, ...rbac, ...flux];
}
