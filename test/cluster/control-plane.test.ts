// Proves the test control plane: a real kube-apiserver with RBAC and the Flux/VolSync CRDs,
// restartable; and with controllers + kwok, a fake node that runs a Deployment's pod and goes
// NotReady when kwok stops heartbeating it.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as k8s from "@kubernetes/client-node";
import { CRD_SOURCES, startControlPlane, type ControlPlane } from "./control-plane.js";

function clients(kubeconfigPath: string): {
  core: k8s.CoreV1Api;
  ext: k8s.ApiextensionsV1Api;
  apps: k8s.AppsV1Api;
} {
  const kc = new k8s.KubeConfig();
  kc.loadFromFile(kubeconfigPath);
  return {
    core: kc.makeApiClient(k8s.CoreV1Api),
    ext: kc.makeApiClient(k8s.ApiextensionsV1Api),
    apps: kc.makeApiClient(k8s.AppsV1Api),
  };
}

async function eventually<T>(what: string, timeoutMs: number, fn: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await fn();
      if (value !== undefined) return value;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline)
      throw new Error(`timed out waiting for ${what}${last instanceof Error ? `: ${last.message}` : ""}`);
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

const isTrue = (conditions: { type: string; status: string }[] | undefined, type: string): boolean =>
  conditions?.some((c) => c.type === type && c.status === "True") ?? false;

describe("control plane: kube-apiserver + CRDs", () => {
  let cp: ControlPlane;
  beforeAll(async () => {
    cp = await startControlPlane();
  });
  afterAll(async () => {
    await cp?.stop();
  });

  it("serves the API to the admin kubeconfig", async () => {
    const { core } = clients(cp.kubeconfigPath);
    const namespaces = await core.listNamespace();
    expect(namespaces.items.map((n) => n.metadata?.name)).toEqual(
      expect.arrayContaining(["default", "kube-system"]),
    );
    expect(cp.server).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
  });

  it("has the Flux and VolSync CRDs established", async () => {
    const { ext } = clients(cp.kubeconfigPath);
    const names = CRD_SOURCES.flatMap((s) => [...s.names]);
    expect(names).toHaveLength(5);
    for (const name of names) {
      const crd = await ext.readCustomResourceDefinition({ name });
      expect(isTrue(crd.status?.conditions, "Established"), name).toBe(true);
    }
  });

  it("authenticates ServiceAccount tokens and enforces RBAC", async () => {
    const path = await cp.createServiceAccountKubeconfig("rbac-test", "nobody");
    const { core } = clients(path);
    const attempt = core.createNamespacedConfigMap({
      namespace: "rbac-test",
      body: { metadata: { name: "nope" }, data: { a: "b" } },
    });
    await expect(attempt).rejects.toMatchObject({ code: 403 });
  });

  it("survives an apiserver restart with its data", async () => {
    const { core } = clients(cp.kubeconfigPath);
    await core.createNamespacedConfigMap({
      namespace: "default",
      body: { metadata: { name: "before-restart" } },
    });
    await cp.restartApiServer();
    const cm = await core.readNamespacedConfigMap({ namespace: "default", name: "before-restart" });
    expect(cm.metadata?.name).toBe("before-restart");
  });
});

describe("control plane: controllers + scheduler + kwok", () => {
  let cp: ControlPlane;
  beforeAll(async () => {
    cp = await startControlPlane({ controllers: true, kwok: true, crds: false });
  });
  afterAll(async () => {
    await cp?.stop();
  });

  it("schedules a Deployment's pod onto a kwok node and runs it", async () => {
    const { core, apps } = clients(cp.kubeconfigPath);
    await cp.addNode("w1", { zone: "a" });

    await apps.createNamespacedDeployment({
      namespace: "default",
      body: {
        metadata: { name: "app" },
        spec: {
          replicas: 1,
          selector: { matchLabels: { app: "app" } },
          template: {
            metadata: { labels: { app: "app" } },
            spec: { containers: [{ name: "app", image: "registry.invalid/app:1" }] },
          },
        },
      },
    });
    const pod = await eventually("a Running and Ready pod", 90_000, async () => {
      const pods = await core.listNamespacedPod({ namespace: "default", labelSelector: "app=app" });
      return pods.items.find((p) => p.status?.phase === "Running" && isTrue(p.status.conditions, "Ready"));
    });
    expect(pod.spec?.nodeName).toBe("w1");
  });

  it("marks a node Ready=Unknown once its kwok stops, and Ready again when it returns", async () => {
    const { core } = clients(cp.kubeconfigPath);
    const readyStatus = async (): Promise<string | undefined> =>
      (await core.readNode({ name: "w1" })).status?.conditions?.find((c) => c.type === "Ready")?.status;
    await cp.stopNode("w1");
    const started = Date.now();
    await eventually("node w1 not Ready", 90_000, async () =>
      (await readyStatus()) !== "True" ? true : undefined,
    );
    console.log(
      `node w1 left Ready ${((Date.now() - started) / 1000).toFixed(1)}s after its kwok was killed`,
    );
    expect(await readyStatus()).toBe("Unknown");
    await cp.startNode("w1");
    expect(await readyStatus()).toBe("True");
  });
});
