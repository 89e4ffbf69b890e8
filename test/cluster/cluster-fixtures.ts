// Helpers for the cluster tests: RBAC of deploy/base applied as-is, nodes and pods created
// directly (no kubelet: status is written through the status subresource), and polling.
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parseAllDocuments } from "yaml";
import type { ControlPlane } from "./control-plane.js";

interface RbacDoc {
  kind: string;
  metadata: { namespace?: string };
  subjects?: { namespace?: string }[];
}

const rbacPath = join(import.meta.dirname, "../../deploy/base/rbac.yaml");

/** Applies deploy/base/rbac.yaml for ServiceAccount `name` in `namespace`, as the overlay's `namespace:` would. */
export async function applyRbac(cp: ControlPlane, namespace: string, name = "failover-api"): Promise<string> {
  const kubeconfig = await cp.createServiceAccountKubeconfig(namespace, name);
  const docs = parseAllDocuments(readFileSync(rbacPath, "utf8")).map((d) => d.toJS() as RbacDoc);
  for (const doc of docs) {
    if (doc.kind === "Role" || doc.kind === "RoleBinding") doc.metadata.namespace = namespace;
    for (const subject of doc.subjects ?? []) subject.namespace = namespace;
  }
  const file = join(cp.dir, `rbac-${namespace}.json`);
  writeFileSync(file, JSON.stringify({ apiVersion: "v1", kind: "List", items: docs }));
  await cp.kubectl("apply", "-f", file);
  return kubeconfig;
}

export async function apply(cp: ControlPlane, ...objects: object[]): Promise<void> {
  const file = join(cp.dir, `apply-${Date.now()}-${Math.random().toString(36).slice(2)}.json`);
  writeFileSync(file, JSON.stringify({ apiVersion: "v1", kind: "List", items: objects }));
  await cp.kubectl("apply", "--server-side", "--force-conflicts", "-f", file);
}

export async function patchStatus(
  cp: ControlPlane,
  resource: string,
  name: string,
  namespace: string | null,
  status: object,
) {
  const ns = namespace === null ? [] : ["-n", namespace];
  await cp.kubectl(
    "patch",
    resource,
    name,
    ...ns,
    "--subresource=status",
    "--type=merge",
    "-p",
    JSON.stringify({ status }),
  );
}

export async function namespace(cp: ControlPlane, name: string): Promise<void> {
  // No controller-manager: create the `default` ServiceAccount pods need ourselves.
  await apply(cp, { apiVersion: "v1", kind: "Namespace", metadata: { name } });
  await apply(cp, {
    apiVersion: "v1",
    kind: "ServiceAccount",
    metadata: { name: "default", namespace: name },
  });
}

export function node(name: string): object {
  return { apiVersion: "v1", kind: "Node", metadata: { name, labels: { "kubernetes.io/hostname": name } } };
}

export async function setNodeReady(cp: ControlPlane, name: string, ready: boolean, since = new Date()) {
  await patchStatus(cp, "node", name, null, {
    conditions: [
      {
        type: "Ready",
        status: ready ? "True" : "False",
        reason: ready ? "KubeletReady" : "NodeStatusUnknown",
        message: ready ? "kubelet is posting ready status" : "Kubelet stopped posting node status.",
        lastHeartbeatTime: since.toISOString().replace(/\.\d+Z$/, "Z"),
        lastTransitionTime: since.toISOString().replace(/\.\d+Z$/, "Z"),
      },
    ],
  });
}

export function pod(
  namespace: string,
  name: string,
  nodeName: string | null,
  extra: { pin?: string; claim?: string } = {},
) {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name, namespace },
    spec: {
      ...(nodeName ? { nodeName } : {}),
      ...(extra.pin ? { nodeSelector: { "kubernetes.io/hostname": extra.pin } } : {}),
      containers: [{ name: "app", image: "registry.invalid/app:1" }],
      ...(extra.claim
        ? { volumes: [{ name: "data", persistentVolumeClaim: { claimName: extra.claim } }] }
        : {}),
    },
  };
}

export async function setPodStatus(
  cp: ControlPlane,
  namespace: string,
  name: string,
  phase: string,
  ready: boolean,
) {
  const now = new Date().toISOString().replace(/\.\d+Z$/, "Z");
  await patchStatus(cp, "pod", name, namespace, {
    phase,
    conditions: [{ type: "Ready", status: ready ? "True" : "False", lastTransitionTime: now }],
  });
}

export function rfc3339(date: Date): string {
  return date.toISOString().replace(/\.\d+Z$/, "Z");
}

/** Polls `check` until it stops throwing. */
export async function eventually<T>(check: () => T, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return check();
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}
