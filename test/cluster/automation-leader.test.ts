// Two replicas of the built server (separate processes, one Lease in their namespace, the
// deploy/base ServiceAccount): a node down makes exactly one commit; the leader SIGKILLed while
// a node is waiting out notReadyFor: the standby takes the Lease over and makes that decision's
// one commit itself.
import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freePort } from "../support/free-port.js";
import { generatedHomelabFiles } from "../support/generated-homelab.js";
import { startSshGitServer, type SshGitServer } from "../support/ssh-git-server.js";
import { sleep, waitFor } from "../story/wait-for.js";
import {
  applyServiceObjects,
  automationOf,
  backupSyncedAt,
  failoverCommits,
  writeAutomationConfig,
} from "./automation-fixtures.js";
import { apply, applyRbac, namespace, node, setNodeReady } from "./cluster-fixtures.js";
import { startControlPlane, type ControlPlane } from "./control-plane.js";

const root = join(import.meta.dirname, "../..");
const services = [
  { name: "svc-00", primaryNode: "w1", backupNode: "w2" },
  { name: "svc-01", primaryNode: "w3", backupNode: "w2" },
];
const notReadyForSeconds = 6;

interface Replica {
  name: string;
  url: string;
  child: ChildProcess;
  exited: Promise<unknown>;
  stderr: string[];
}

describe("two replicas, one Lease", () => {
  let cp: ControlPlane;
  let ssh: SshGitServer;
  let repo: string;
  let replicas: Replica[] = [];

  const start = async (name: string, kubeconfig: string, dir: string): Promise<Replica> => {
    const configPath = join(dir, `${name}.yaml`);
    await writeAutomationConfig(configPath, {
      url: ssh.url("homelab"),
      sshKeyFile: ssh.clientKeyFile,
      knownHostsFile: ssh.knownHostsFile,
      dataDir: join(dir, `data-${name}`),
      services,
      automation: { enabled: true, nodeWatcher: { notReadyFor: `${notReadyForSeconds}s` } },
    });
    const port = await freePort();
    const child = spawn(
      "node",
      ["bin/failover-api.js", "serve", "--config", configPath, "--host", "127.0.0.1", "--port", String(port)],
      {
        cwd: root,
        stdio: ["ignore", "ignore", "pipe"],
        env: { ...process.env, KUBECONFIG: kubeconfig, POD_NAMESPACE: "failover-system", POD_NAME: name },
      },
    );
    const stderr: string[] = [];
    child.stderr?.on("data", (chunk: Buffer) => stderr.push(chunk.toString()));
    const replica = { name, url: `http://127.0.0.1:${port}`, child, exited: once(child, "exit"), stderr };
    await waitFor(
      `${name} to answer`,
      () => fetch(`${replica.url}/readyz`).then((r) => r.status),
      (s) => s === 200,
      60_000,
    );
    return replica;
  };
  const leaders = async () => {
    const states = await Promise.all(
      replicas.map(async (r) => ({ r, a: await automationOf(r.url).catch(() => null) })),
    );
    return states.filter((s) => s.a?.leader === true).map((s) => s.r);
  };

  beforeAll(async () => {
    [cp, ssh] = await Promise.all([startControlPlane(), startSshGitServer()]);
    await ssh.createBareRepo("homelab", generatedHomelabFiles(2));
    repo = ssh.repoPath("homelab");
    const kubeconfig = await applyRbac(cp, "failover-system");
    await namespace(cp, "apps");
    await namespace(cp, "flux-system");
    await apply(cp, node("w1"), node("w2"), node("w3"));
    for (const n of ["w1", "w2", "w3"]) await setNodeReady(cp, n, true);
    await applyServiceObjects(
      cp,
      ssh.url("homelab"),
      services.map((s) => s.name),
    );
    for (const s of services) await backupSyncedAt(cp, s.name, new Date(Date.now() - 600_000));
    const dir = await mkdtemp(join(tmpdir(), "failover-leader-"));
    replicas = await Promise.all([start("replica-a", kubeconfig, dir), start("replica-b", kubeconfig, dir)]);
    await waitFor("one leader", leaders, (ls) => ls.length === 1, 30_000);
  }, 180_000);

  afterAll(async () => {
    for (const r of replicas) {
      if (r.child.exitCode === null && r.child.signalCode === null) {
        r.child.kill("SIGTERM");
        await r.exited;
      }
    }
    await Promise.all([cp?.stop(), ssh?.stop()]);
  });

  it("a node down: exactly one commit, by the leader; the standby decides nothing", async () => {
    const [leader] = await leaders();
    const standby = replicas.find((r) => r !== leader)!;
    const before = await failoverCommits(repo);
    await setNodeReady(cp, "w1", false);
    await waitFor(
      "the evacuation of w1",
      () => failoverCommits(repo),
      (cs) => cs.length > before.length,
      30_000,
    );
    // Both replicas see the node; give the standby every chance to act twice.
    await sleep(4000);
    const after = await failoverCommits(repo);
    expect(after).toHaveLength(before.length + 1);
    expect(after[0]).toMatchObject({ actor: "node-watcher", services: ["svc-00"] });
    const onLeader = await automationOf(leader!.url);
    expect(onLeader.decisions.filter((d) => d.decision === "acted")).toHaveLength(1);
    expect(onLeader.decisions[0]?.operation?.commit).toBe(after[0]!.sha);
    const onStandby = await automationOf(standby.url);
    expect(onStandby).toMatchObject({ leader: false, decisions: [] });
    expect(onStandby.holder).toMatch(new RegExp(`^${leader!.name}_`));
    await setNodeReady(cp, "w1", true);
  });

  it("the leader killed while a node waits out notReadyFor: the standby takes over and commits once", async () => {
    const [leader] = await leaders();
    const standby = replicas.find((r) => r !== leader)!;
    const before = await failoverCommits(repo);
    const downAt = Date.now();
    await setNodeReady(cp, "w3", false);
    await sleep(2000);
    leader!.child.kill("SIGKILL");
    await leader!.exited;
    const killedAt = Date.now();
    expect(killedAt - downAt).toBeLessThan(notReadyForSeconds * 1000);
    await waitFor(
      "the standby to take the Lease",
      () => automationOf(standby.url),
      (a) => a.leader,
      40_000,
    );
    await waitFor(
      "the evacuation of w3",
      () => failoverCommits(repo),
      (cs) => cs.length > before.length,
      30_000,
    );
    await sleep(3000);
    const after = await failoverCommits(repo);
    expect(after).toHaveLength(before.length + 1);
    expect(after[0]).toMatchObject({
      actor: "node-watcher",
      services: ["svc-01"],
      subject: "failover: evacuate w3 (1 services)",
    });
    const decisions = (await automationOf(standby.url)).decisions.filter((d) => d.node === "w3");
    expect(decisions.map((d) => d.decision)).toEqual(["acted"]);
    expect(decisions[0]?.operation?.commit).toBe(after[0]!.sha);
    const lease = JSON.parse(
      await cp.kubectl("get", "lease", "failover-api", "-n", "failover-system", "-o", "json"),
    ) as { spec: { holderIdentity: string } };
    expect(lease.spec.holderIdentity).toMatch(new RegExp(`^${standby.name}_`));
  });
});
