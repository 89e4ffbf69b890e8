// The cluster integration on a real kube-apiserver, running as a ServiceAccount bound to
// exactly deploy/base/rbac.yaml: live state, preflight, Flux nudge, progress, reconnects.
import {
  AppsV1Api,
  CoreV1Api,
  CustomObjectsApi,
  KubeConfig,
  PatchStrategy,
  setHeaderOptions,
} from "@kubernetes/client-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ClusterWatcher } from "../../src/cluster/cluster-watcher.js";
import { FluxNudge, reconcileAnnotation } from "../../src/cluster/flux-nudge.js";
import { liveStatus, replicationAges, replicationStatus } from "../../src/cluster/live-status.js";
import { ProgressTracker } from "../../src/cluster/progress-tracker.js";
import type { Check } from "../../src/domain/check.js";
import { preflight } from "../../src/domain/preflight.js";
import type { ServiceSpec } from "../../src/domain/service-spec.js";
import { silentLogger } from "../../src/log/json-logger.js";
import { serviceSpec } from "../support/service-spec.js";
import {
  apply,
  applyRbac,
  eventually,
  namespace,
  node,
  patchStatus,
  pod,
  rfc3339,
  setNodeReady,
  setPodStatus,
} from "./cluster-fixtures.js";
import { startControlPlane, type ControlPlane } from "./control-plane.js";

const appDir = "kubernetes/apps/media/sonarr/app";
const spec: ServiceSpec = serviceSpec({
  files: [`${appDir}/deployment.yaml`],
  replication: [
    { kind: "ReplicationSource", name: "sonarr-forward", direction: "forward" },
    { kind: "ReplicationSource", name: "sonarr-reverse", direction: "reverse" },
  ],
});

const gitRepository = { namespace: "flux-system", name: "flux-system" };

function kustomization(name: string, path: string, suspend = false, source = "flux-system") {
  return {
    apiVersion: "kustomize.toolkit.fluxcd.io/v1",
    kind: "Kustomization",
    metadata: { name, namespace: "flux-system" },
    spec: { interval: "10m", prune: true, path, suspend, sourceRef: { kind: "GitRepository", name: source } },
  };
}

function replicationSource(name: string) {
  return {
    apiVersion: "volsync.backube/v1alpha1",
    kind: "ReplicationSource",
    metadata: { name, namespace: "media" },
    spec: { sourcePVC: "sonarr-config", trigger: { schedule: "0 * * * *" } },
  };
}

function check(checks: Check[], name: string): Check {
  const found = checks.find((c) => c.name === name);
  if (!found) throw new Error(`no check ${name}`);
  return found;
}

function runPreflight(action: "promote" | "demote", live: ClusterWatcher, lastPromoteAt: Date | null = null) {
  return preflight({
    spec,
    action,
    plan: {
      service: spec.name,
      from: action === "promote" ? "primary" : "backup",
      to: action === "promote" ? "backup" : "primary",
      node: action === "promote" ? spec.backupNode : spec.primaryNode,
      splices: [],
      refusals: [],
      problems: [],
    },
    analysis: { service: spec.name, references: [], refusals: [], ssaIfNotPresent: [] },
    live,
    now: new Date(),
    lastPromoteAt,
  });
}

describe("ClusterWatcher on a real API server, with the RBAC of deploy/base", () => {
  let cp: ControlPlane;
  let kubeConfig: KubeConfig;
  let watcher: ClusterWatcher;

  beforeAll(async () => {
    cp = await startControlPlane();
    const saKubeconfig = await applyRbac(cp, "failover-system");
    await namespace(cp, "media");
    await namespace(cp, "flux-system");
    await apply(cp, node("w1"), node("w2"));
    await setNodeReady(cp, "w1", true);
    await setNodeReady(cp, "w2", true);
    await apply(
      cp,
      {
        apiVersion: "source.toolkit.fluxcd.io/v1",
        kind: "GitRepository",
        metadata: gitRepository,
        spec: { interval: "1m", url: "ssh://git@127.0.0.1/homelab.git", ref: { branch: "main" } },
      },
      kustomization("apps", "./kubernetes/apps"),
      kustomization("sonarr", `./${appDir}`),
      kustomization("radarr", "./kubernetes/apps/media/radarr/app"),
      kustomization("other-source", `./${appDir}`, false, "other"),
      replicationSource("sonarr-forward"),
      replicationSource("sonarr-reverse"),
    );
    kubeConfig = new KubeConfig();
    kubeConfig.loadFromFile(saKubeconfig);
    watcher = new ClusterWatcher({
      kubeConfig,
      gitRepository,
      services: [spec],
      logger: silentLogger,
      backoff: { initialMs: 200, maxMs: 1000 },
    });
    watcher.start();
    await eventually(() => expect(watcher.connected).toBe(true));
  });

  afterAll(async () => {
    await watcher?.stop();
    await cp?.stop();
  });

  it("is refused by the API server outside its RBAC (403)", async () => {
    const status = (p: Promise<unknown>) =>
      p.then(
        () => 200,
        (e: { code?: number }) => e.code,
      );
    const core = kubeConfig.makeApiClient(CoreV1Api);
    const apps = kubeConfig.makeApiClient(AppsV1Api);
    const custom = kubeConfig.makeApiClient(CustomObjectsApi);
    const merge = setHeaderOptions("Content-Type", PatchStrategy.MergePatch);
    expect(
      await status(
        core.createNamespacedConfigMap({
          namespace: "media",
          body: { metadata: { name: "x" }, data: { a: "b" } },
        }),
      ),
    ).toBe(403);
    expect(
      await status(
        apps.patchNamespacedDeployment(
          { namespace: "media", name: "sonarr", body: { spec: { replicas: 0 } } },
          merge,
        ),
      ),
    ).toBe(403);
    expect(
      await status(
        custom.patchNamespacedCustomObject(
          {
            group: "volsync.backube",
            version: "v1alpha1",
            plural: "replicationsources",
            namespace: "media",
            name: "sonarr-forward",
            body: { spec: { paused: true } },
          },
          merge,
        ),
      ),
    ).toBe(403);
    expect(await status(core.deleteNamespacedPod({ namespace: "media", name: "nope" }))).toBe(403);
    expect(await status(core.readNamespacedSecret({ namespace: "flux-system", name: "flux-system" }))).toBe(
      403,
    );
  });

  it("reflects nodes, pods and VolSync objects; replication ages", async () => {
    const synced = new Date(Date.now() - 600_000);
    await patchStatus(cp, "replicationsource", "sonarr-forward", "media", { lastSyncTime: rfc3339(synced) });
    await apply(cp, pod("media", "sonarr-5d8c7b9f6-abcde", "w1"), pod("media", "sonarr-exporter", "w1"));
    await setPodStatus(cp, "media", "sonarr-5d8c7b9f6-abcde", "Running", true);
    await apply(cp, pod("other", "sonarr-5d8c7b9f6-zzzzz", "w1")).catch(() => undefined);
    const live = await eventually(() => {
      const s = liveStatus(spec, watcher, { node: "w1", claims: ["sonarr-config"] });
      expect(s.pods).toEqual([
        { name: "sonarr-5d8c7b9f6-abcde", node: "w1", phase: "Running", ready: true, terminating: false },
        { name: "sonarr-exporter", node: "w1", phase: "Pending", ready: false, terminating: false },
      ]);
      return s;
    });
    expect(live.nodes).toEqual({
      w1: { ready: true, since: expect.any(String) },
      w2: { ready: true, since: expect.any(String) },
    });
    const replication = await eventually(() => {
      const r = replicationStatus(spec, watcher, new Date());
      expect(r[0]?.lastSyncTime).toBe(rfc3339(synced));
      return r;
    });
    expect(replication[0]).toMatchObject({
      kind: "ReplicationSource",
      name: "sonarr-forward",
      paused: false,
    });
    expect(replication[0]?.ageSeconds).toBeGreaterThanOrEqual(599);
    expect(replication[1]).toMatchObject({ name: "sonarr-reverse", lastSyncTime: null, ageSeconds: null });
    expect(replicationAges([spec], watcher, new Date())).toEqual([
      { service: "sonarr", object: "ReplicationSource/sonarr-forward", ageSeconds: expect.any(Number) },
    ]);
    await cp.kubectl("delete", "pod", "-n", "media", "sonarr-exporter", "--wait=false");
  });

  it("source-stopped fails for a Running pod on a Ready primary, passes when the primary is NotReady", async () => {
    await eventually(() =>
      expect(check(runPreflight("promote", watcher), "source-stopped").status).toBe("fail"),
    );
    await setNodeReady(cp, "w1", false);
    await eventually(() =>
      expect(check(runPreflight("promote", watcher), "source-stopped").status).toBe("pass"),
    );
  });

  it("reports a pod stuck Terminating on a NotReady node as a blocker, with the remedies", async () => {
    // No kubelet on w1: a graceful delete leaves the pod Terminating, as on a dead node.
    await cp.kubectl("delete", "pod", "-n", "media", "sonarr-5d8c7b9f6-abcde", "--wait=false");
    const live = await eventually(() => {
      const s = liveStatus(spec, watcher, {
        node: "w2",
        claims: ["sonarr-config-backup"],
        strategy: "Recreate",
      });
      expect(s.pods[0]?.terminating).toBe(true);
      expect(s.blockers.some((b) => b.includes("sonarr-5d8c7b9f6-abcde"))).toBe(true);
      return s;
    });
    const blocker = live.blockers.find((b) => b.includes("sonarr-5d8c7b9f6-abcde")) ?? "";
    expect(blocker).toContain("pod sonarr-5d8c7b9f6-abcde is stuck Terminating");
    expect(blocker).toContain("node w1, which is NotReady since");
    expect(blocker).toContain("Recreate rollout of Deployment sonarr waits for it");
    expect(blocker).toContain(
      "kubectl taint nodes w1 node.kubernetes.io/out-of-service=nodeshutdown:NoExecute",
    );
    expect(blocker).toContain("kubectl delete pod -n media sonarr-5d8c7b9f6-abcde --grace-period=0 --force");
    expect(live.nodes.w1).toEqual({ ready: false, since: expect.any(String) });
  });

  it("reports a Pending pod pinned to the wrong node and claim", async () => {
    await apply(cp, pod("media", "sonarr-6f7d8c9b5-pend1", null, { pin: "w1", claim: "sonarr-config" }));
    const live = await eventually(() => {
      const s = liveStatus(spec, watcher, { node: "w2", claims: ["sonarr-config-backup"] });
      expect(s.blockers.some((b) => b.includes("sonarr-6f7d8c9b5-pend1"))).toBe(true);
      return s;
    });
    expect(live.blockers).toContainEqual(expect.stringContaining("pinned to node w1 while Git wants w2"));
    expect(live.blockers).toContainEqual(
      expect.stringContaining("mounts claim sonarr-config while Git wants sonarr-config-backup"),
    );
    await cp.kubectl("delete", "pod", "-n", "media", "sonarr-6f7d8c9b5-pend1", "--wait=false");
  });

  it("target-node-ready follows the target node's Ready condition", async () => {
    await setNodeReady(cp, "w2", false);
    await eventually(() =>
      expect(check(runPreflight("promote", watcher), "target-node-ready").status).toBe("fail"),
    );
    await setNodeReady(cp, "w2", true);
    await eventually(() =>
      expect(check(runPreflight("promote", watcher), "target-node-ready").status).toBe("pass"),
    );
    expect(check(runPreflight("promote", watcher), "target-node-ready").detail).toMatch(
      /^node w2 is Ready since /,
    );
  });

  it("backup-fresh passes for a recent lastSyncTime and fails for an old one", async () => {
    await patchStatus(cp, "replicationsource", "sonarr-forward", "media", {
      lastSyncTime: rfc3339(new Date(Date.now() - 60_000)),
    });
    await eventually(() =>
      expect(check(runPreflight("promote", watcher), "backup-fresh").status).toBe("pass"),
    );
    await patchStatus(cp, "replicationsource", "sonarr-forward", "media", {
      lastSyncTime: rfc3339(new Date(Date.now() - 3 * 3600_000)),
    });
    await eventually(() =>
      expect(check(runPreflight("promote", watcher), "backup-fresh").status).toBe("fail"),
    );
    expect(check(runPreflight("promote", watcher), "backup-fresh").detail).toContain(
      "older than maxReplicationAge",
    );
  });

  it("reverse-synced compares the reverse object's lastSyncTime with the promote time", async () => {
    const promotedAt = new Date(Date.now() - 1800_000);
    expect(check(runPreflight("demote", watcher, promotedAt), "reverse-synced")).toMatchObject({
      status: "fail",
      detail: expect.stringContaining("never synced"),
    });
    await patchStatus(cp, "replicationsource", "sonarr-reverse", "media", {
      lastSyncTime: rfc3339(new Date(promotedAt.getTime() - 60_000)),
    });
    await eventually(() =>
      expect(check(runPreflight("demote", watcher, promotedAt), "reverse-synced").detail).toContain(
        "not after the promote",
      ),
    );
    await patchStatus(cp, "replicationsource", "sonarr-reverse", "media", {
      lastSyncTime: rfc3339(new Date(promotedAt.getTime() + 60_000)),
    });
    await eventually(() =>
      expect(check(runPreflight("demote", watcher, promotedAt), "reverse-synced").status).toBe("pass"),
    );
  });

  it("flux-applies: owned by the deepest Kustomization of the GitRepository; fails when suspended or missing", async () => {
    expect(watcher.fluxOwners(spec.files).map((k) => k.name)).toEqual(["sonarr"]);
    expect(check(runPreflight("promote", watcher), "flux-applies")).toMatchObject({
      status: "pass",
      detail: "applied by Kustomization flux-system/sonarr",
    });
    await apply(cp, kustomization("sonarr", `./${appDir}`, true));
    await eventually(() =>
      expect(check(runPreflight("promote", watcher), "flux-applies").detail).toContain("is suspended"),
    );
    await cp.kubectl("delete", "kustomization", "-n", "flux-system", "sonarr", "apps");
    await eventually(() =>
      expect(check(runPreflight("promote", watcher), "flux-applies")).toMatchObject({
        status: "fail",
        detail: expect.stringContaining("no Flux Kustomization found"),
      }),
    );
    await apply(cp, kustomization("sonarr", `./${appDir}`));
    await eventually(() =>
      expect(check(runPreflight("promote", watcher), "flux-applies").status).toBe("pass"),
    );
  });

  it("nudges the GitRepository and the owning Kustomization only", async () => {
    const now = new Date("2030-01-02T03:04:05.678Z");
    const nudge = new FluxNudge({
      kubeConfig,
      gitRepository,
      owners: (files) => watcher.fluxOwners(files),
      logger: silentLogger,
      now: () => now,
    });
    const result = await nudge.nudge(spec.files);
    expect(result).toEqual({
      requestedAt: now.toISOString(),
      patched: ["GitRepository flux-system/flux-system", "Kustomization flux-system/sonarr"],
      failed: [],
    });
    const annotation = async (kind: string, name: string) =>
      (
        await cp.kubectl(
          "get",
          kind,
          "-n",
          "flux-system",
          name,
          "-o",
          `jsonpath={.metadata.annotations.reconcile\\.fluxcd\\.io/requestedAt}`,
        )
      ).trim();
    expect(await annotation("gitrepository", "flux-system")).toBe(now.toISOString());
    expect(await annotation("kustomization", "sonarr")).toBe(now.toISOString());
    expect(await annotation("kustomization", "radarr")).toBe("");
    expect(await annotation("kustomization", "other-source")).toBe("");
    expect(reconcileAnnotation).toBe("reconcile.fluxcd.io/requestedAt");
  });

  it("a failing nudge is reported, not thrown", async () => {
    const nudge = new FluxNudge({
      kubeConfig,
      gitRepository: { namespace: "flux-system", name: "missing" },
      owners: () => [],
      logger: silentLogger,
    });
    const result = await nudge.nudge(spec.files);
    expect(result.patched).toEqual([]);
    expect(result.failed).toEqual([
      { object: "GitRepository flux-system/missing", error: expect.stringContaining("404") },
    ]);
  });

  it("tracks progress: pushed, Flux applied the sha, pod Ready on the target node", async () => {
    const running: [string, number][] = [];
    const tracker = new ProgressTracker({
      view: watcher,
      services: () => [spec],
      onRunning: (service, seconds) => running.push([service, seconds]),
    });
    const unsubscribe = watcher.onChange(() => tracker.observe());
    const sha = "0123456789abcdef0123456789abcdef01234567";
    const at = new Date();
    tracker.pushed({
      commit: sha,
      files: spec.files,
      services: ["sonarr"],
      at,
      targetNode: "w2",
      action: "promote",
    });
    expect(tracker.progress("sonarr", sha)).toEqual({
      pushedAt: at.toISOString(),
      fluxAppliedAt: null,
      runningAt: null,
      runningNode: null,
    });
    expect(tracker.progress("sonarr", "f".repeat(40))).toBeNull();
    await patchStatus(cp, "kustomization", "sonarr", "flux-system", {
      lastAppliedRevision: `main@sha1:${sha}`,
    });
    await eventually(() => expect(tracker.progress("sonarr")?.fluxAppliedAt).not.toBeNull());
    await apply(cp, pod("media", "sonarr-7c9d8e6f5-newpd", "w2"));
    await setPodStatus(cp, "media", "sonarr-7c9d8e6f5-newpd", "Running", true);
    const progress = await eventually(() => {
      const p = tracker.progress("sonarr");
      expect(p?.runningAt).not.toBeNull();
      return p;
    });
    expect(progress?.runningNode).toBe("w2");
    expect(Date.parse(progress?.runningAt ?? "")).toBeGreaterThanOrEqual(
      Date.parse(progress?.fluxAppliedAt ?? ""),
    );
    expect(running).toEqual([["sonarr", expect.any(Number)]]);
    unsubscribe();
  });

  it("survives an API server restart: objects created afterwards show up", async () => {
    await cp.restartApiServer();
    await apply(cp, replicationSource("after-restart"));
    await eventually(
      () => expect(watcher.replication("media", "ReplicationSource", "after-restart")).toBeDefined(),
      60_000,
    );
    await eventually(() => expect(watcher.connected).toBe(true), 60_000);
  });

  it("follows a new service list: pods of a new namespace are watched", async () => {
    await namespace(cp, "db");
    const pg = serviceSpec({ name: "pg", namespace: "db", workload: { kind: "Pod", name: "pg" } });
    watcher.reconfigure({ services: [spec, pg] });
    await apply(cp, pod("db", "pg", "w1"), pod("db", "pg-other", "w1"));
    await eventually(() => expect(watcher.pods("db", "pg").map((p) => p.name)).toEqual(["pg"]));
    await eventually(() => expect(watcher.connected).toBe(true));
  });
});
