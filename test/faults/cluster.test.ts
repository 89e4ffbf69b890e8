import { execFile } from "node:child_process";
import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  apply,
  applyRbac,
  namespace,
  node,
  patchStatus,
  rfc3339,
  setNodeReady,
} from "../cluster/cluster-fixtures.js";
import { startControlPlane, type ControlPlane } from "../cluster/control-plane.js";
import { freePort } from "../support/free-port.js";
import { generatedConfigText, generatedHomelabFiles } from "../support/generated-homelab.js";
import { startSshGitServer, type SshGitServer } from "../support/ssh-git-server.js";
import { git } from "../support/test-git.js";
import { type ServerProcess, startServe, waitFor } from "./fault-harness.js";

const run = promisify(execFile);
const ns = "apps";

interface Check {
  name: string;
  status: string;
}

/** The pid listening on a loopback port, from the kernel's socket table (ss), never by name. */
async function listenerPid(port: number): Promise<number> {
  const { stdout } = await run("ss", ["-ltnpH", `sport = :${port}`]);
  const pid = /pid=(\d+)/.exec(stdout)?.[1];
  if (pid === undefined) throw new Error(`nothing listens on port ${port}: ${stdout}`);
  return Number(pid);
}

/** Fast-forwards only, and the head before the fault still on the branch. */
async function remoteIntact(bare: string, head: string): Promise<void> {
  await git(["fsck", "--no-progress", "--no-dangling"], bare);
  const reflog = (await git(["reflog", "show", "--format=%H %gs", "main"], bare)).split("\n");
  expect(reflog.filter((l) => /forced-update/.test(l))).toEqual([]);
  await git(["merge-base", "--is-ancestor", head, "main"], bare);
}

describe("the Kubernetes API server restarted and unreachable under a running server", () => {
  let cp: ControlPlane;
  let ssh: SshGitServer;
  let bare: string;
  let server: ServerProcess;
  let baseline: number;
  const injected: string[] = [];

  const act = async (service: string, action: string) => {
    const r = await fetch(`${server.url}/api/failover/${service}/${action}?reason=fault`, { method: "POST" });
    return {
      status: r.status,
      body: (await r.json()) as { checks?: Check[]; code?: string; detail?: string },
    };
  };
  const live = async () =>
    ((await (await fetch(`${server.url}/api/failover/svc-00/status`)).json()) as { live: unknown }).live;
  const checkOf = (checks: Check[] | undefined, name: string) => checks?.find((c) => c.name === name)?.status;

  beforeAll(async () => {
    [cp, ssh] = await Promise.all([startControlPlane(), startSshGitServer()]);
    bare = await ssh.createBareRepo("cluster-faults", generatedHomelabFiles(2));
    const saKubeconfig = await applyRbac(cp, "failover-system");
    await namespace(cp, ns);
    await namespace(cp, "flux-system");
    await apply(cp, node("w1"), node("w2"));
    await setNodeReady(cp, "w1", true);
    await setNodeReady(cp, "w2", true);
    const kustomization = (name: string, path: string) => ({
      apiVersion: "kustomize.toolkit.fluxcd.io/v1",
      kind: "Kustomization",
      metadata: { name, namespace: "flux-system" },
      spec: { interval: "10m", prune: true, path, sourceRef: { kind: "GitRepository", name: "flux-system" } },
    });
    const volsync = (kind: string, name: string) => ({
      apiVersion: "volsync.backube/v1alpha1",
      kind,
      metadata: { name, namespace: ns },
      spec: { trigger: { schedule: "15 * * * *" } },
    });
    await apply(
      cp,
      {
        apiVersion: "source.toolkit.fluxcd.io/v1",
        kind: "GitRepository",
        metadata: { namespace: "flux-system", name: "flux-system" },
        spec: { interval: "1m", url: ssh.url("cluster-faults"), ref: { branch: "main" } },
      },
      kustomization("apps", "./apps"),
      ...["svc-00", "svc-01"].flatMap((s) => [
        volsync("ReplicationDestination", `${s}-config-backup`),
        volsync("ReplicationSource", `${s}-config-reverse`),
      ]),
    );
    for (const s of ["svc-00", "svc-01"]) {
      await patchStatus(cp, "replicationdestination", `${s}-config-backup`, ns, {
        lastSyncTime: rfc3339(new Date(Date.now() - 600_000)),
      });
      await patchStatus(cp, "replicationsource", `${s}-config-reverse`, ns, {
        lastSyncTime: rfc3339(new Date(Date.now() + 3600_000)),
      });
    }
    const dir = await mkdtemp(join(tmpdir(), "failover-cluster-faults-"));
    const configPath = join(dir, "config.yaml");
    const text = generatedConfigText({
      services: 2,
      url: ssh.url("cluster-faults"),
      sshKeyFile: ssh.clientKeyFile,
      knownHostsFile: ssh.knownHostsFile,
      dataDir: join(dir, "data"),
    })
      .replace("cluster:\n  enabled: false\n", "cluster:\n  enabled: true\n")
      .replace("  branch: main\n", "  branch: main\n  fetchInterval: 2s\n  operationTimeout: 30s\n");
    await writeFile(configPath, text);
    server = await startServe(
      { dir, configPath, tokensFile: "", dataDir: join(dir, "data"), port: await freePort() },
      { ...process.env, KUBECONFIG: saKubeconfig },
    );
    await waitFor(live, (l) => l !== null);
    // Warm up with a real operation that consults the cluster, then take the baseline.
    const first = await act("svc-01", "promote");
    expect(first.status, JSON.stringify(first.body)).toBe(200);
    expect(checkOf(first.body.checks, "target-node-ready")).toBe("pass");
    expect((await act("svc-01", "demote")).status).toBe(200);
    await new Promise((r) => setTimeout(r, 3000));
    baseline = (await server.memory()).rss;
  });
  afterAll(async () => {
    console.log(`cluster faults injected: ${injected.length}\n${injected.join("\n")}`);
    await server?.stop();
    await Promise.all([cp?.stop(), ssh?.stop()]);
  });

  it("kube-apiserver restarted during an operation: the operation lands once, the watches come back", async () => {
    const head = await git(["rev-parse", "main"], bare);
    const promote = act("svc-00", "promote");
    await cp.restartApiServer();
    injected.push("kube-apiserver restarted during a promote");
    const result = await promote;
    // Git is the source of truth: the operation does not depend on the API server being up.
    expect(result.status, JSON.stringify(result.body)).toBe(200);
    await remoteIntact(bare, head);
    expect(await git(["rev-list", "--count", `${head}..main`], bare)).toBe("1");
    // The watches reconnect: the next operation's cluster checks run again (not skipped).
    await waitFor(live, (l) => l !== null);
    const next = await waitFor(
      () => act("svc-00", "demote"),
      (r) => r.status === 200 && checkOf(r.body.checks, "target-node-ready") === "pass",
    );
    expect(next.status, JSON.stringify(next.body)).toBe(200);
    expect(checkOf(next.body.checks, "target-node-ready")).toBe("pass");
  });

  it("kube-apiserver unreachable (frozen): reads and operations still answer from Git, no 5xx", async () => {
    const url = new URL(cp.server);
    const pid = await listenerPid(Number(url.port));
    const head = await git(["rev-parse", "main"], bare);
    process.kill(pid, "SIGSTOP");
    injected.push("kube-apiserver frozen (SIGSTOP) for an operation and reads");
    try {
      expect((await fetch(`${server.url}/api/services`)).status).toBe(200);
      expect((await fetch(`${server.url}/api/failover/svc-00/status`)).status).toBe(200);
      const promote = await act("svc-00", "promote");
      expect(promote.status, JSON.stringify(promote.body)).toBe(200);
      expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
    } finally {
      process.kill(pid, "SIGCONT");
    }
    await remoteIntact(bare, head);
    await waitFor(live, (l) => l !== null);
    const next = await act("svc-00", "demote");
    expect(next.status, JSON.stringify(next.body)).toBe(200);
  });

  it("memory is back to its baseline", async () => {
    const after = await waitFor(
      () => server.memory(),
      (m) => m.rss <= baseline + 32,
      20_000,
    );
    console.log(
      `server RSS: baseline ${baseline.toFixed(0)} MiB, after ${after.rss.toFixed(0)} MiB, peak ${after.peak.toFixed(0)} MiB`,
    );
    expect(after.rss).toBeLessThanOrEqual(baseline + 32);
  });
});
