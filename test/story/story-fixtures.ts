// The story's world: a small Flux-style repository (sonarr-like apps), the infrastructure the
// test creates directly in the cluster (namespaces, node-local PVs, Flux source objects), the
// failover-api configuration, and small readers for pods and the HTTP API.
import { writeFile } from "node:fs/promises";
import { stringify } from "yaml";
import type { ControlPlane } from "../cluster/control-plane.js";

export const primaryNode = "w1";
export const backupNode = "w2";
export const outOfServiceTaint = "node.kubernetes.io/out-of-service=nodeshutdown:NoExecute";

/** Name of the PV pre-bound to `claim`, on `node`. */
export function volumeName(claim: string, node: string): string {
  return `${claim}-${node}`;
}

/**
 * kwok runs no containers, so a deleted pod stays Terminating for its whole grace period; an app
 * that exits promptly on SIGTERM is gone in about this long.
 */
export const terminationGracePeriodSeconds = 2;

/**
 * The Deployment: sonarr-like (Recreate, one RWO claim), no node pin: the PV decides. `claim`
 * is what the manifest says, e.g. `"${VOLSYNC_CLAIM}"` for Flux's post-build substitution.
 */
export function deploymentYaml(name: string, image: string, claim = `${name}-config`): string {
  return `---
# ${name}: a Deployment on a node-local volume (trimmed from examples/homelab's sonarr).
apiVersion: apps/v1
kind: Deployment
metadata:
  name: ${name}
  labels:
    app.kubernetes.io/name: ${name}
spec:
  replicas: 1
  revisionHistoryLimit: 3
  strategy:
    type: Recreate # RWO volume: never two pods at once
  selector:
    matchLabels:
      app.kubernetes.io/name: ${name}
  template:
    metadata:
      labels:
        app.kubernetes.io/name: ${name}
    spec:
      terminationGracePeriodSeconds: ${terminationGracePeriodSeconds}
      # Evicted 5 s after its node fails (the default is 300 s), so the story does not wait
      # five minutes. NoExecute only: the NoSchedule taints still keep new pods off a dead node.
      tolerations:
        - key: node.kubernetes.io/unreachable
          operator: Exists
          effect: NoExecute
          tolerationSeconds: 5
        - key: node.kubernetes.io/not-ready
          operator: Exists
          effect: NoExecute
          tolerationSeconds: 5
      containers:
        - name: app
          image: ${image}
          ports:
            - name: http
              containerPort: 8989
          volumeMounts:
            - name: config
              mountPath: /config
      volumes:
        - name: config
          persistentVolumeClaim:
            claimName: ${claim} # primary on ${primaryNode}
`;
}

/** Primary and backup PVCs, each statically bound to its node-local PV. */
export function pvcYaml(name: string): string {
  const claim = (claimName: string, node: string, comment: string): string => `---
# ${comment}
apiVersion: v1
kind: PersistentVolumeClaim
metadata:
  name: ${claimName}
spec:
  accessModes:
    - ReadWriteOnce
  resources:
    requests:
      storage: 1Gi
  storageClassName: ""
  volumeName: ${volumeName(claimName, node)}
`;
  return (
    claim(`${name}-config`, primaryNode, `primary copy, on ${primaryNode}`) +
    claim(`${name}-config-backup`, backupNode, `backup copy, on ${backupNode}`)
  );
}

/**
 * VolSync: forward restore into the backup (running), reverse backup of it (paused). With
 * `ifNotPresent`, the forward object carries `kustomize.toolkit.fluxcd.io/ssa: IfNotPresent`, as
 * homelab repositories label bootstrap ReplicationDestinations: Flux creates it once and never
 * applies a later change.
 */
export function volsyncYaml(name: string, options: { ifNotPresent?: boolean } = {}): string {
  const labels = options.ifNotPresent ? "\n  labels:\n    kustomize.toolkit.fluxcd.io/ssa: IfNotPresent" : "";
  return `---
# Forward: restores the latest snapshot of ${name}-config into the warm standby on ${backupNode}.
apiVersion: volsync.backube/v1alpha1
kind: ReplicationDestination
metadata:
  name: ${name}-config-backup${labels}
spec:
  paused: false # paused by failover-api while ${name} runs on the backup
  trigger:
    schedule: "15 * * * *"
  restic:
    repository: ${name}-volsync-secret
    destinationPVC: ${name}-config-backup
    copyMethod: Direct
---
# Reverse: backs up ${name}-config-backup so writes made during a failover flow back.
apiVersion: volsync.backube/v1alpha1
kind: ReplicationSource
metadata:
  name: ${name}-config-reverse
spec:
  paused: true # resumed by failover-api on promote
  sourcePVC: ${name}-config-backup
  trigger:
    schedule: "45 * * * *"
  restic:
    repository: ${name}-volsync-reverse-secret
    copyMethod: Direct
`;
}

export function kustomizationYaml(resources: string[], namespace?: string): string {
  return [
    "apiVersion: kustomize.config.k8s.io/v1beta1",
    "kind: Kustomization",
    ...(namespace ? [`namespace: ${namespace}`] : []),
    "resources:",
    ...resources.map((r) => `  - ${r}`),
    "",
  ].join("\n");
}

/** One app's directory in the repository (path → content). */
export function appFiles(
  dir: string,
  name: string,
  image: string,
  namespace?: string,
): Record<string, string> {
  return {
    [`${dir}/kustomization.yaml`]: kustomizationYaml(
      ["./deployment.yaml", "./pvc.yaml", "./volsync.yaml"],
      namespace,
    ),
    [`${dir}/deployment.yaml`]: deploymentYaml(name, image),
    [`${dir}/pvc.yaml`]: pvcYaml(name),
    [`${dir}/volsync.yaml`]: volsyncYaml(name),
  };
}

export interface ServiceConfig {
  name: string;
  namespace: string;
  dir: string;
  /** Keys that replace or add to the generated service entry (files, replication, quiesce, timeouts, …). */
  config?: Record<string, unknown>;
}

export function serviceConfig(s: ServiceConfig): Record<string, unknown> {
  return { ...generatedConfig(s), ...s.config };
}

function generatedConfig(s: ServiceConfig): Record<string, unknown> {
  return {
    name: s.name,
    namespace: s.namespace,
    workload: { kind: "Deployment", name: s.name },
    files: [`${s.dir}/deployment.yaml`, `${s.dir}/volsync.yaml`],
    claims: [{ primary: `${s.name}-config`, backup: `${s.name}-config-backup` }],
    replication: [
      { kind: "ReplicationDestination", name: `${s.name}-config-backup`, direction: "forward" },
      { kind: "ReplicationSource", name: `${s.name}-config-reverse`, direction: "reverse" },
    ],
    ...s.config,
  };
}

export interface StoryConfigOptions {
  url: string;
  sshKeyFile: string;
  knownHostsFile: string;
  dataDir: string;
  services: ServiceConfig[];
  /** `cluster.flux.reconcile`: nudge Flux after each push (default true). */
  reconcile?: boolean;
  /** Keys added to `defaults` (e.g. quiesceTimeout). */
  defaults?: Record<string, unknown>;
  automation?: Record<string, unknown>;
}

/** failover-api's configuration (SPEC §3): cluster on, Flux nudge on unless turned off, no auth. */
export async function writeStoryConfig(file: string, o: StoryConfigOptions): Promise<void> {
  await writeFile(
    file,
    stringify({
      git: {
        url: o.url,
        branch: "main",
        sshKeyFile: o.sshKeyFile,
        knownHostsFile: o.knownHostsFile,
        author: { name: "failover-api", email: "failover-api@users.noreply.local" },
        pushRetries: 5,
        dataDir: o.dataDir,
      },
      cluster: {
        enabled: true,
        flux: {
          reconcile: o.reconcile ?? true,
          gitRepository: { namespace: "flux-system", name: "flux-system" },
        },
      },
      auth: { mode: "none" },
      defaults: { primaryNode, backupNode, maxReplicationAge: "2h", ...o.defaults },
      services: o.services.map(serviceConfig),
      ...(o.automation ? { automation: o.automation } : {}),
    }),
  );
}

async function applyJson(cp: ControlPlane, objects: object[]): Promise<void> {
  const file = `${cp.dir}/story-${Date.now()}-${Math.random().toString(36).slice(2)}.json`;
  await writeFile(file, JSON.stringify({ apiVersion: "v1", kind: "List", items: objects }));
  await cp.kubectl("apply", "-f", file);
}

/** A node-local PV (`local` volume, required node affinity), pre-bound to its claim. */
export function persistentVolume(claimNamespace: string, claim: string, node: string): object {
  const name = volumeName(claim, node);
  return {
    apiVersion: "v1",
    kind: "PersistentVolume",
    metadata: { name },
    spec: {
      capacity: { storage: "1Gi" },
      accessModes: ["ReadWriteOnce"],
      persistentVolumeReclaimPolicy: "Retain",
      storageClassName: "",
      claimRef: { namespace: claimNamespace, name: claim },
      local: { path: `/var/lib/volumes/${name}` },
      nodeAffinity: {
        required: {
          nodeSelectorTerms: [
            { matchExpressions: [{ key: "kubernetes.io/hostname", operator: "In", values: [node] }] },
          ],
        },
      },
    },
  };
}

/**
 * What a homelab has before any app: the namespaces and the node-local PVs of every app
 * (storage is infrastructure, not in the app's directory). Flux comes from startFlux().
 */
export async function createInfrastructure(
  cp: ControlPlane,
  o: { namespace: string; apps: string[] },
): Promise<void> {
  await applyJson(cp, [{ apiVersion: "v1", kind: "Namespace", metadata: { name: o.namespace } }]);
  await applyJson(
    cp,
    o.apps.flatMap((app) => [
      persistentVolume(o.namespace, `${app}-config`, primaryNode),
      persistentVolume(o.namespace, `${app}-config-backup`, backupNode),
    ]),
  );
}

export interface PodView {
  name: string;
  node: string | null;
  phase: string;
  ready: boolean;
  terminating: boolean;
  scheduledBy: string | null;
  claims: string[];
}

interface PodJson {
  metadata: { name: string; deletionTimestamp?: string; labels?: Record<string, string> };
  spec: {
    nodeName?: string;
    schedulerName?: string;
    volumes?: { persistentVolumeClaim?: { claimName: string } }[];
  };
  status: { phase?: string; conditions?: { type: string; status: string }[] };
}

/** The pods of `app` (label app.kubernetes.io/name) as kubectl sees them. */
export async function listPods(cp: ControlPlane, namespace: string, app?: string): Promise<PodView[]> {
  const selector = app ? ["-l", `app.kubernetes.io/name=${app}`] : [];
  const out = await cp.kubectl("get", "pods", "-n", namespace, ...selector, "-o", "json");
  const items = (JSON.parse(out) as { items: PodJson[] }).items;
  return items.map((p) => ({
    name: p.metadata.name,
    node: p.spec.nodeName ?? null,
    phase: p.status.phase ?? "?",
    ready: p.status.conditions?.some((c) => c.type === "Ready" && c.status === "True") === true,
    terminating: p.metadata.deletionTimestamp !== undefined,
    scheduledBy: p.spec.nodeName ? (p.spec.schedulerName ?? null) : null,
    claims: (p.spec.volumes ?? []).flatMap((v) =>
      v.persistentVolumeClaim ? [v.persistentVolumeClaim.claimName] : [],
    ),
  }));
}

export async function nodeReady(cp: ControlPlane, node: string): Promise<string> {
  return (
    await cp.kubectl("get", "node", node, "-o", 'jsonpath={.status.conditions[?(@.type=="Ready")].status}')
  ).trim();
}

export async function specPaused(cp: ControlPlane, namespace: string, kind: string, name: string) {
  return (await cp.kubectl("get", kind, name, "-n", namespace, "-o", "jsonpath={.spec.paused}")).trim();
}

export function rfc3339(date: Date): string {
  return date.toISOString().replace(/\.\d+Z$/, "Z");
}

export async function setLastSyncTime(
  cp: ControlPlane,
  namespace: string,
  kind: string,
  name: string,
  at: Date,
): Promise<void> {
  await cp.kubectl(
    "patch",
    kind,
    name,
    "-n",
    namespace,
    "--subresource=status",
    "--type=merge",
    "-p",
    JSON.stringify({ status: { lastSyncTime: rfc3339(at) } }),
  );
}

/**
 * What VolSync reports once the reverse replication has run after a promote. `lastSyncTime` has
 * whole seconds, and demote's reverse-synced check wants it strictly after the promote's commit
 * (whole seconds too): a promote, Flux and the pod can now all fit in one second, so the sync is
 * stamped in the next second after the call.
 */
export async function reverseSyncedNow(cp: ControlPlane, namespace: string, name: string): Promise<void> {
  await new Promise((r) => setTimeout(r, 1000 - (Date.now() % 1000) + 5));
  await setLastSyncTime(cp, namespace, "replicationsources.volsync.backube", name, new Date());
}

export interface CheckBody {
  name: string;
  status: string;
  detail: string;
}

/** The parts of ServiceStatus (SPEC §7) the story reads. */
export interface StatusBody {
  role: string;
  activeNode: string | null;
  live: {
    pods: { name: string; node: string | null; phase: string; ready: boolean; terminating: boolean }[];
    nodes: Record<string, { ready: boolean; since: string | null }>;
    blockers: string[];
  } | null;
  replication: { kind: string; name: string; paused: boolean | null }[] | null;
  lastOperation: {
    commit: string;
    action: string;
    progress?: {
      pushedAt: string | null;
      fluxAppliedAt: string | null;
      runningAt: string | null;
      runningNode: string | null;
    } | null;
  } | null;
}

/** OperationResult, evacuate result or problem document: the fields the story reads. */
export interface OperationBody {
  dryRun?: boolean;
  changed?: boolean;
  commit?: string | null;
  from?: string;
  to?: string;
  diff?: string;
  checks?: CheckBody[] | Record<string, CheckBody[]>;
  services?: string[];
  skipped?: { name: string; reason: string }[];
  forced?: boolean;
  detail?: string;
}

export interface ApiResponse<T> {
  status: number;
  body: T;
}

/** Calls the API; the body is parsed JSON (typed as the caller expects), or the raw text. */
export async function api<T = OperationBody>(
  baseUrl: string,
  method: string,
  path: string,
): Promise<ApiResponse<T>> {
  const response = await fetch(`${baseUrl}${path}`, { method });
  const text = await response.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // not JSON: keep the text for the failure message
  }
  return { status: response.status, body: body as T };
}

/** The named check of a promote/demote result or problem. */
export function checkOf(body: OperationBody, name: string): CheckBody | undefined {
  return Array.isArray(body.checks) ? body.checks.find((c) => c.name === name) : undefined;
}
