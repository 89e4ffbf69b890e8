// The story of SPEC §1, end to end, on a real control plane: etcd, kube-apiserver,
// kube-controller-manager and kube-scheduler; kwok simulates the nodes w1 and w2 and their
// pods' lifecycle (no containers run). The GitOps repository is a real bare repository behind a
// real sshd. Flux is NOT running: `flux-stand-in.ts` stands in for Flux's source- and
// kustomize-controller (fetch over SSH, `kubectl apply -k` of the app's path on every new commit).
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startServer, type RunningServer } from "../../src/server/start-server.js";
import { applyRbac } from "../cluster/cluster-fixtures.js";
import { startControlPlane, type ControlPlane } from "../cluster/control-plane.js";
import { startSshGitServer, type SshGitServer } from "../support/ssh-git-server.js";
import { git } from "../support/test-git.js";
import { startFluxStandIn, type FluxStandIn } from "./flux-stand-in.js";
import {
  api,
  appFiles,
  checkOf,
  backupNode,
  createInfrastructure,
  listPods,
  nodeReady,
  outOfServiceTaint,
  primaryNode,
  setLastSyncTime,
  specPaused,
  writeStoryConfig,
  type PodView,
  type StatusBody,
} from "./story-fixtures.js";
import { sleep, waitFor } from "./wait-for.js";

const ns = "media";
const app = "sonarr";
const dir = "apps/media/sonarr";
const rd = "replicationdestinations.volsync.backube";
const rs = "replicationsources.volsync.backube";

describe("story: sonarr fails over from a dead w1 to w2 through Git, and back", () => {
  let cp: ControlPlane;
  let ssh: SshGitServer;
  let flux: FluxStandIn;
  let server: RunningServer;
  let work: string;
  let url: string;
  const serverLog: string[] = [];
  let stuckPod: PodView;
  let promoteCommit: string;

  const status = async (): Promise<StatusBody> =>
    (await api<StatusBody>(server.url, "GET", `/api/failover/${app}/status`)).body;
  const blockers = (s: StatusBody): string[] => s.live?.blockers ?? [];
  const podsOf = () => listPods(cp, ns, app);
  const readyOn = (node: string) => (pods: PodView[]) =>
    pods.some((p) => p.node === node && p.ready && !p.terminating);

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), "failover-story-"));
    cp = await startControlPlane({ controllers: true, kwok: true });
    await cp.addNode(primaryNode);
    await cp.addNode(backupNode);
    ssh = await startSshGitServer();
    await ssh.createBareRepo("homelab", appFiles(dir, app, "ghcr.io/home-operations/sonarr:4.0.15.2940", ns));
    url = ssh.url("homelab");
    await createInfrastructure(cp, {
      namespace: ns,
      apps: [app],
      gitUrl: url,
      kustomization: { name: app, path: dir },
    });
    flux = await startFluxStandIn({
      url,
      branch: "main",
      path: dir,
      workDir: join(work, "flux"),
      sshKeyFile: ssh.clientKeyFile,
      knownHostsFile: ssh.knownHostsFile,
      kubectl: (...args) => cp.kubectl(...args),
      kustomization: { namespace: "flux-system", name: app },
    });
    const initial = await git(["rev-parse", "main"], ssh.repoPath("homelab"));
    await flux.waitForApplied(initial, 60_000);
    // The forward replication last synced ten minutes ago (VolSync would report it).
    await setLastSyncTime(cp, ns, rd, `${app}-config-backup`, new Date(Date.now() - 600_000));

    // failover-api runs as a ServiceAccount bound to exactly deploy/base/rbac.yaml.
    process.env.KUBECONFIG = await applyRbac(cp, "failover-system");
    const configPath = join(work, "config.yaml");
    await writeStoryConfig(configPath, {
      url,
      sshKeyFile: ssh.clientKeyFile,
      knownHostsFile: ssh.knownHostsFile,
      dataDir: join(work, "data"),
      services: [{ name: app, namespace: ns, dir }],
    });
    server = await startServer({
      configPath,
      host: "127.0.0.1",
      port: 0,
      write: (line) => serverLog.push(line),
    });
    await waitFor("failover-api's live view of the cluster", status, (s) => s.live !== null, 30_000);
  }, 240_000);

  afterAll(async () => {
    await server?.close();
    await flux?.stop();
    await ssh?.stop();
    await cp?.stop();
    delete process.env.KUBECONFIG;
    if (work) await rm(work, { recursive: true, force: true });
  });

  it("1. the real scheduler places the app's pod on w1 (its primary PV's node)", async () => {
    const pods = await waitFor("a Ready sonarr pod on w1", podsOf, readyOn(primaryNode), 60_000);
    const pod = pods.find((p) => p.node === primaryNode)!;
    expect(pod.scheduledBy).toBe("default-scheduler");
    expect(pod.claims).toEqual(["sonarr-config"]);
    const s = await waitFor(
      "/status to show the pod Ready on w1",
      status,
      (v) => v.live?.pods.some((p) => p.node === primaryNode && p.ready) === true,
      15_000,
    );
    expect(s).toMatchObject({ role: "primary", activeNode: primaryNode });
  });

  it("2. w1 dies: the pod is evicted, stays Terminating there, and /status says why and what to do", async () => {
    await cp.stopNode(primaryNode); // kwok stops heartbeating w1
    await waitFor(
      "w1 to go NotReady",
      () => nodeReady(cp, primaryNode),
      (r) => r !== "True",
      60_000,
    );
    const pods = await waitFor(
      "the sonarr pod on w1 to be evicted (Terminating)",
      podsOf,
      (ps) => ps.some((p) => p.node === primaryNode && p.terminating),
      60_000,
    );
    stuckPod = pods.find((p) => p.node === primaryNode && p.terminating)!;
    const s = await waitFor(
      "/status to name the stuck pod as a blocker",
      status,
      (v) => blockers(v).some((b) => b.includes(stuckPod.name) && b.includes("Terminating")),
      20_000,
    );
    expect(s.live?.nodes[primaryNode]?.ready).toBe(false);
    expect(s.live?.pods).toContainEqual(expect.objectContaining({ name: stuckPod.name, terminating: true }));
    const blocker = blockers(s).find((b) => b.includes(stuckPod.name)) ?? "";
    console.log(`[story] /status blocker: ${blocker}`);
    expect(blocker).toContain(`on node ${primaryNode}, which is NotReady`);
    expect(blocker).toContain("the Recreate rollout of Deployment sonarr waits for it to be gone");
    expect(blocker).toContain(`kubectl taint nodes ${primaryNode} ${outOfServiceTaint}`);
    expect(blocker).toContain(`kubectl delete pod -n ${ns} ${stuckPod.name} --grace-period=0 --force`);
    // As in a real cluster, nothing removes it while the node is dead.
    await sleep(3_000);
    expect(await podsOf()).toContainEqual(
      expect.objectContaining({ name: stuckPod.name, terminating: true }),
    );
  });

  it("3. GET promote?dry-run=true shows the diff and the checks", async () => {
    const r = await api(server.url, "GET", `/api/failover/${app}/promote?dry-run=true`);
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    expect(r.body).toMatchObject({
      dryRun: true,
      changed: true,
      commit: null,
      from: "primary",
      to: "backup",
    });
    expect(r.body.diff).toContain(`--- a/${dir}/deployment.yaml`);
    expect(r.body.diff).toContain("-            claimName: sonarr-config # primary on w1");
    expect(r.body.diff).toContain("+            claimName: sonarr-config-backup # primary on w1");
    expect(r.body.diff).toContain("+  paused: true # paused by failover-api");
    const check = (name: string) => checkOf(r.body, name);
    expect(check("target-node-ready")).toMatchObject({ status: "pass" });
    expect(check("source-stopped")).toMatchObject({ status: "pass" });
    expect(check("backup-fresh")).toMatchObject({ status: "pass" });
    expect(check("flux-applies")).toMatchObject({ status: "pass" });
    expect(await git(["rev-list", "--count", "main"], ssh.repoPath("homelab"))).toBe("1");
  });

  it("4. POST promote: pushed, applied by the stand-in, the scheduler puts the new pod on w2", async () => {
    const t0 = Date.now();
    const r = await api(server.url, "POST", `/api/failover/${app}/promote?reason=w1%20is%20dead`);
    const tPushed = Date.now();
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    expect(r.body).toMatchObject({ changed: true, to: "backup", forced: false });
    promoteCommit = r.body.commit ?? "";
    expect(await git(["rev-parse", "main"], ssh.repoPath("homelab"))).toBe(promoteCommit);

    const applied = await flux.waitForApplied(promoteCommit, 60_000);
    // The rollout waits for the pod stuck on the dead node: nothing runs on w2 yet.
    const waiting = await status();
    expect(blockers(waiting).join("\n")).toContain(stuckPod.name);
    expect((await podsOf()).some((p) => p.node === backupNode)).toBe(false);

    // The operator applies the remedy /status named (w1 really is powered off).
    const tRemedy = Date.now();
    await cp.kubectl("taint", "nodes", primaryNode, outOfServiceTaint);

    const pods = await waitFor("a Ready sonarr pod on w2", podsOf, readyOn(backupNode), 120_000, 100);
    const tReady = Date.now();
    const pod = pods.find((p) => p.node === backupNode && p.ready)!;
    expect(pod.scheduledBy).toBe("default-scheduler");
    expect(pod.claims).toEqual(["sonarr-config-backup"]);
    expect(pods.some((p) => p.name === stuckPod.name)).toBe(false);

    const s = await waitFor(
      "/status progress to show sonarr running on w2",
      status,
      (v) => v.lastOperation?.progress?.runningNode === backupNode,
      30_000,
    );
    expect(s).toMatchObject({ role: "backup", activeNode: backupNode });
    expect(s.lastOperation).toMatchObject({ commit: promoteCommit, action: "promote" });
    const progress = s.lastOperation?.progress;
    expect(progress?.runningAt).toEqual(expect.any(String));
    expect(progress?.fluxAppliedAt).toEqual(expect.any(String));
    expect(progress?.pushedAt).toEqual(expect.any(String));

    const pollingWait = Math.max(0, applied.fetchStartedAt - tPushed);
    const operatorWait = tRemedy - applied.appliedAt;
    const wall = tReady - t0 - pollingWait;
    const report = {
      promoteCallToPush: tPushed - t0,
      standInPollingWait: pollingWait,
      fetchAndApply: applied.appliedAt - applied.fetchStartedAt,
      testHoldBeforeRemedy: operatorWait,
      remedyToPodReadyOnW2: tReady - tRemedy,
      wallExcludingPolling: wall,
      wallExcludingPollingAndHold: wall - operatorWait,
    };
    console.log(`[story] promote → pod Ready on w2 (ms): ${JSON.stringify(report)}`);
    console.log(`[story] /status progress: ${JSON.stringify(progress)}`);
  });

  it("5. the ReplicationDestination in the cluster is paused, the reverse source resumed", async () => {
    expect(await specPaused(cp, ns, rd, "sonarr-config-backup")).toBe("true");
    expect(await specPaused(cp, ns, rs, "sonarr-config-reverse")).toBe("false");
    const s = await status();
    expect(s.replication).toContainEqual(
      expect.objectContaining({ kind: "ReplicationDestination", name: "sonarr-config-backup", paused: true }),
    );
  });

  it("7. w1 returns; a demote before the reverse sync is refused with 409 reverse-synced", async () => {
    await cp.startNode(primaryNode);
    // The node is back: the operator removes the out-of-service taint, as its docs say.
    await cp.kubectl("taint", "nodes", primaryNode, "node.kubernetes.io/out-of-service-");
    await waitFor(
      "w1 to be Ready",
      () => nodeReady(cp, primaryNode),
      (r) => r === "True",
      60_000,
    );
    const r = await api(server.url, "POST", `/api/failover/${app}/demote`);
    expect(r.status, JSON.stringify(r.body)).toBe(409);
    expect(checkOf(r.body, "reverse-synced")).toMatchObject({ status: "fail" });
    expect(await git(["rev-parse", "main"], ssh.repoPath("homelab"))).toBe(promoteCommit);
  });

  it("6. after the reverse sync, POST demote brings the pod back to w1 and resumes replication", async () => {
    // What VolSync would report once sonarr-config-reverse has run after the promote.
    await setLastSyncTime(cp, ns, rs, "sonarr-config-reverse", new Date());
    const t0 = Date.now();
    const r = await waitFor(
      "POST demote to be accepted",
      () => api(server.url, "POST", `/api/failover/${app}/demote`),
      (v) => v.status !== 409 || !JSON.stringify(v.body).includes("has never synced"),
      10_000,
    );
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    expect(r.body).toMatchObject({ changed: true, to: "primary" });
    const tPushed = Date.now();
    const applied = await flux.waitForApplied(r.body.commit ?? "", 60_000);
    const tOldGone = (
      await waitFor(
        "the pod on w2 to be gone",
        podsOf,
        (ps) => !ps.some((p) => p.node === backupNode),
        120_000,
      )
    ).length;
    const tGone = Date.now();
    const pods = await waitFor("a Ready sonarr pod on w1 again", podsOf, readyOn(primaryNode), 120_000, 100);
    const tReady = Date.now();
    const pollingWait = Math.max(0, applied.fetchStartedAt - tPushed);
    console.log(
      `[story] demote → pod Ready on w1 (ms): ${JSON.stringify({
        demoteCallToPush: tPushed - t0,
        standInPollingWait: pollingWait,
        fetchAndApply: applied.appliedAt - applied.fetchStartedAt,
        appliedToOldPodGone: tGone - applied.appliedAt,
        oldPodGoneToReadyOnW1: tReady - tGone,
        wallExcludingPolling: tReady - t0 - pollingWait,
        podsLeftWhenOldGone: tOldGone,
      })}`,
    );
    expect(pods.find((p) => p.node === primaryNode && p.ready)!.claims).toEqual(["sonarr-config"]);
    expect(await specPaused(cp, ns, rd, "sonarr-config-backup")).toBe("false");
    expect(await specPaused(cp, ns, rs, "sonarr-config-reverse")).toBe("true");
    const s = await waitFor(
      "/status progress to show sonarr running on w1",
      status,
      (v) => v.lastOperation?.progress?.runningNode === primaryNode,
      30_000,
    );
    expect(s).toMatchObject({ role: "primary", activeNode: primaryNode });
  });
});
