// The whole server on a real kube-apiserver, as the deploy/base ServiceAccount, pushing to a
// real SSH remote: live status, replication, each cluster preflight check over HTTP, the Flux
// nudge, progress to running, reverse-synced on demote, and the cluster metrics.
import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { reconcileAnnotation } from "../../src/cluster/flux-nudge.js";
import { type RunningServer, startServer } from "../../src/server/start-server.js";
import { generatedConfigText, generatedHomelabFiles } from "../support/generated-homelab.js";
import { startSshGitServer, type SshGitServer } from "../support/ssh-git-server.js";
import { git } from "../support/test-git.js";
import {
  apply,
  applyRbac,
  namespace,
  node,
  patchStatus,
  pod,
  rfc3339,
  setNodeReady,
  setPodStatus,
} from "./cluster-fixtures.js";
import { startControlPlane, type ControlPlane } from "./control-plane.js";

const ns = "apps";
const svc = "svc-00";

interface CheckBody {
  name: string;
  status: string;
  detail: string;
}

interface StatusBody {
  live: {
    pods: { name: string; node: string; phase: string; ready: boolean }[];
    nodes: Record<string, { ready: boolean; since: string | null }>;
    blockers: string[];
  } | null;
  replication:
    | {
        kind: string;
        name: string;
        paused: boolean;
        lastSyncTime: string | null;
        ageSeconds: number | null;
      }[]
    | null;
  lastOperation: {
    commit: string;
    progress: {
      pushedAt: string;
      fluxAppliedAt: string | null;
      runningAt: string | null;
      runningNode: string | null;
    } | null;
  } | null;
}

function kustomization(name: string, path: string) {
  return {
    apiVersion: "kustomize.toolkit.fluxcd.io/v1",
    kind: "Kustomization",
    metadata: { name, namespace: "flux-system" },
    spec: { interval: "10m", prune: true, path, sourceRef: { kind: "GitRepository", name: "flux-system" } },
  };
}

function volsync(kind: "ReplicationSource" | "ReplicationDestination", name: string) {
  return {
    apiVersion: "volsync.backube/v1alpha1",
    kind,
    metadata: { name, namespace: ns },
    spec: { trigger: { schedule: "15 * * * *" } },
  };
}

async function until<T>(probe: () => Promise<T>, ok: (value: T) => boolean, ms = 20_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (ok(value) || Date.now() > deadline) return value;
    await new Promise((r) => setTimeout(r, 150));
  }
}

describe("the server with a cluster (deploy/base RBAC, real SSH remote)", () => {
  let cp: ControlPlane;
  let ssh: SshGitServer;
  let server: RunningServer;
  let repo: string;
  const logs: string[] = [];

  const status = async (): Promise<StatusBody> => {
    const r = await fetch(`${server.url}/api/failover/${svc}/status`);
    expect(r.status).toBe(200);
    return (await r.json()) as StatusBody;
  };
  const act = async (action: "promote" | "demote", query = "") => {
    const r = await fetch(`${server.url}/api/failover/${svc}/${action}?reason=cluster-test${query}`, {
      method: "POST",
    });
    return { status: r.status, body: (await r.json()) as Record<string, unknown> & { checks?: CheckBody[] } };
  };
  const checkOf = (checks: CheckBody[] | undefined, name: string) => checks?.find((c) => c.name === name);
  const syncedAt = (kind: string, name: string, at: Date) =>
    patchStatus(cp, kind, name, ns, { lastSyncTime: rfc3339(at) });
  const annotation = async (kind: string, name: string) =>
    (
      await cp.kubectl(
        "get",
        kind,
        "-n",
        "flux-system",
        name,
        "-o",
        "jsonpath={.metadata.annotations.reconcile\\.fluxcd\\.io/requestedAt}",
      )
    ).trim();

  beforeAll(async () => {
    [cp, ssh] = await Promise.all([startControlPlane(), startSshGitServer()]);
    await ssh.createBareRepo("homelab", generatedHomelabFiles(2));
    repo = ssh.repoPath("homelab");
    const saKubeconfig = await applyRbac(cp, "failover-system");
    await namespace(cp, ns);
    await namespace(cp, "flux-system");
    await apply(cp, node("w1"), node("w2"));
    await setNodeReady(cp, "w1", true);
    await setNodeReady(cp, "w2", true);
    await apply(
      cp,
      {
        apiVersion: "source.toolkit.fluxcd.io/v1",
        kind: "GitRepository",
        metadata: { namespace: "flux-system", name: "flux-system" },
        spec: { interval: "1m", url: ssh.url("homelab"), ref: { branch: "main" } },
      },
      kustomization("apps", "./apps"),
      kustomization(svc, `./apps/${svc}`),
      kustomization("svc-01", "./apps/svc-01"),
      volsync("ReplicationDestination", `${svc}-config-backup`),
      volsync("ReplicationSource", `${svc}-config-reverse`),
    );
    await syncedAt("replicationdestination", `${svc}-config-backup`, new Date(Date.now() - 600_000));

    const dir = await mkdtemp(join(tmpdir(), "failover-server-cluster-"));
    const configPath = join(dir, "config.yaml");
    const text = generatedConfigText({
      services: 2,
      url: ssh.url("homelab"),
      sshKeyFile: ssh.clientKeyFile,
      knownHostsFile: ssh.knownHostsFile,
      dataDir: join(dir, "data"),
    }).replace("cluster:\n  enabled: false\n", "cluster:\n  enabled: true\n");
    expect(text).toContain("enabled: true");
    await writeFile(configPath, text);

    const saved = process.env.KUBECONFIG;
    process.env.KUBECONFIG = saKubeconfig;
    try {
      server = await startServer({
        configPath,
        host: "127.0.0.1",
        port: 0,
        write: (line) => logs.push(line),
      });
    } finally {
      if (saved === undefined) delete process.env.KUBECONFIG;
      else process.env.KUBECONFIG = saved;
    }
    await until(
      () => fetch(`${server.url}/readyz`).then((r) => r.status),
      (s) => s === 200,
    );
  });

  afterAll(async () => {
    await server?.close();
    await Promise.all([cp?.stop(), ssh?.stop()]);
  });

  it("status has live nodes and pods, and replication with lastSyncTime and age", async () => {
    await apply(cp, pod(ns, `${svc}-5d8c7b9f6-abcde`, "w1", { claim: `${svc}-config` }));
    await setPodStatus(cp, ns, `${svc}-5d8c7b9f6-abcde`, "Running", true);
    const body = await until(status, (s) => s.live?.pods[0]?.ready === true);
    expect(body.live?.nodes).toEqual({
      w1: { ready: true, since: expect.any(String) },
      w2: { ready: true, since: expect.any(String) },
    });
    expect(body.live?.pods).toEqual([
      { name: `${svc}-5d8c7b9f6-abcde`, node: "w1", phase: "Running", ready: true, terminating: false },
    ]);
    expect(body.replication).toEqual([
      {
        kind: "ReplicationDestination",
        name: `${svc}-config-backup`,
        paused: false,
        lastSyncTime: expect.any(String),
        ageSeconds: expect.any(Number),
      },
      {
        kind: "ReplicationSource",
        name: `${svc}-config-reverse`,
        paused: false,
        lastSyncTime: null,
        ageSeconds: null,
      },
    ]);
    expect(body.replication?.[0]?.ageSeconds).toBeGreaterThanOrEqual(599);
    expect(body.lastOperation).toBeNull();
  });

  it("refuses a promote while the app runs on a Ready primary (source-stopped)", async () => {
    const { status: code, body } = await act("promote");
    expect(code).toBe(409);
    expect(checkOf(body.checks, "source-stopped")).toMatchObject({ status: "fail" });
    expect(checkOf(body.checks, "backup-fresh")).toMatchObject({ status: "pass" });
    expect(checkOf(body.checks, "target-node-ready")).toMatchObject({ status: "pass" });
    expect(checkOf(body.checks, "flux-applies")).toMatchObject({
      status: "pass",
      detail: `applied by Kustomization flux-system/${svc}`,
    });
    await cp.kubectl("delete", "pod", "-n", ns, `${svc}-5d8c7b9f6-abcde`, "--grace-period=0", "--force");
    await until(status, (s) => s.live?.pods.length === 0);
  });

  it("refuses a promote to a NotReady node (target-node-ready)", async () => {
    await setNodeReady(cp, "w2", false);
    await until(status, (s) => s.live?.nodes.w2?.ready === false);
    const { status: code, body } = await act("promote");
    expect(code).toBe(409);
    expect(checkOf(body.checks, "target-node-ready")).toMatchObject({ status: "fail" });
    expect(checkOf(body.checks, "source-stopped")).toMatchObject({ status: "pass" });
    await setNodeReady(cp, "w2", true);
    await until(status, (s) => s.live?.nodes.w2?.ready === true);
  });

  it("refuses a promote from a stale backup (backup-fresh), and forces it", async () => {
    await syncedAt("replicationdestination", `${svc}-config-backup`, new Date(Date.now() - 3 * 3600_000));
    await until(status, (s) => (s.replication?.[0]?.ageSeconds ?? 0) > 3 * 3600 - 60);
    const refused = await act("promote");
    expect(refused.status).toBe(409);
    expect(checkOf(refused.body.checks, "backup-fresh")).toMatchObject({
      status: "fail",
      detail: expect.stringContaining("older than maxReplicationAge"),
    });
    const before = await git(["rev-parse", "main"], repo);
    const forced = await act("promote", "&force=true");
    expect(forced.status).toBe(200);
    expect(forced.body).toMatchObject({ changed: true, forced: true, to: "backup" });
    const head = await git(["rev-parse", "main"], repo);
    expect(head).not.toBe(before);
    expect(forced.body.commit).toBe(head);
    const message = await git(["log", "-1", "--format=%B", "main"], repo);
    expect(message).toContain("Failover-Forced: true");
    expect(message).toContain(`Failover-Service: ${svc}`);
  });

  it("nudges the GitRepository and the Kustomization owning the files after the push", async () => {
    const gitRepo = await until(
      () => annotation("gitrepository", "flux-system"),
      (a) => a !== "",
    );
    const owner = await until(
      () => annotation("kustomization", svc),
      (a) => a !== "",
    );
    expect(Number.isNaN(Date.parse(gitRepo))).toBe(false);
    expect(Number.isNaN(Date.parse(owner))).toBe(false);
    expect(await annotation("kustomization", "apps")).toBe("");
    expect(await annotation("kustomization", "svc-01")).toBe("");
    expect(reconcileAnnotation).toBe("reconcile.fluxcd.io/requestedAt");
  });

  it("shows progress: Flux applied the commit, then the pod Ready on w2", async () => {
    const head = await git(["rev-parse", "main"], repo);
    const pushed = await status();
    expect(pushed.lastOperation?.commit).toBe(head);
    expect(pushed.lastOperation?.progress).toMatchObject({
      pushedAt: expect.any(String),
      fluxAppliedAt: null,
      runningAt: null,
      runningNode: null,
    });
    await patchStatus(cp, "kustomization", svc, "flux-system", { lastAppliedRevision: `main@sha1:${head}` });
    await until(status, (s) => s.lastOperation?.progress?.fluxAppliedAt != null);
    await apply(cp, pod(ns, `${svc}-7c9d8e6f5-newpd`, "w2", { claim: `${svc}-config-backup` }));
    await setPodStatus(cp, ns, `${svc}-7c9d8e6f5-newpd`, "Running", true);
    const running = await until(status, (s) => s.lastOperation?.progress?.runningAt != null);
    const progress = running.lastOperation?.progress;
    expect(progress?.runningNode).toBe("w2");
    expect(Date.parse(progress?.runningAt ?? "")).toBeGreaterThanOrEqual(
      Date.parse(progress?.fluxAppliedAt ?? ""),
    );
    expect(Date.parse(progress?.fluxAppliedAt ?? "")).toBeGreaterThanOrEqual(
      Date.parse(progress?.pushedAt ?? ""),
    );
  });

  it("refuses a demote until the reverse replication synced after the promote (reverse-synced)", async () => {
    const promotedAt = new Date(Number(await git(["log", "-1", "--format=%ct", "main"], repo)) * 1000);
    await syncedAt("replicationsource", `${svc}-config-reverse`, new Date(promotedAt.getTime() - 600_000));
    await until(status, (s) => s.replication?.[1]?.lastSyncTime != null);
    const refused = await act("demote");
    expect(refused.status).toBe(409);
    expect(checkOf(refused.body.checks, "reverse-synced")).toMatchObject({
      status: "fail",
      detail: expect.stringContaining("not after the promote"),
    });
    const after = new Date(promotedAt.getTime() + 60_000);
    await syncedAt("replicationsource", `${svc}-config-reverse`, after);
    await until(status, (s) => s.replication?.[1]?.lastSyncTime === rfc3339(after));
    const demoted = await act("demote");
    expect(demoted.status).toBe(200);
    expect(demoted.body).toMatchObject({ changed: true, forced: false, to: "primary" });
    expect(checkOf(demoted.body.checks as CheckBody[], "reverse-synced")).toMatchObject({ status: "pass" });
    expect(await git(["log", "-1", "--format=%B", "main"], repo)).not.toContain("Failover-Forced");
  });

  it("exports replication age and time to running", async () => {
    const text = await (await fetch(`${server.url}/metrics`)).text();
    expect(text).toMatch(
      new RegExp(
        `failover_replication_age_seconds\\{service="${svc}",object="ReplicationDestination/${svc}-config-backup"\\} \\d+`,
      ),
    );
    expect(text).toMatch(
      new RegExp(
        `failover_replication_age_seconds\\{service="${svc}",object="ReplicationSource/${svc}-config-reverse"\\}`,
      ),
    );
    expect(text).toMatch(/failover_time_to_running_seconds_count 1\b/);
    // The age is computed when scraped, so it grows between cluster events.
    const age = (metrics: string) =>
      Number(
        new RegExp(
          `failover_replication_age_seconds\\{service="${svc}",object="ReplicationDestination/${svc}-config-backup"\\} (\\d+)`,
        ).exec(metrics)?.[1],
      );
    await new Promise((r) => setTimeout(r, 2100));
    const later = await (await fetch(`${server.url}/metrics`)).text();
    expect(age(later)).toBeGreaterThanOrEqual(age(text) + 2);
    expect(logs.join("\n")).toContain("Asked Flux to reconcile");
  });
});
