// The story of SPEC §1, end to end, on a real control plane: etcd, kube-apiserver,
// kube-controller-manager and kube-scheduler; kwok simulates the nodes w1 and w2 and their
// pods' lifecycle (no containers run). The GitOps repository is a real bare repository behind a
// real sshd, and Flux's real source-controller and kustomize-controller apply it (10-minute
// intervals: failover-api's reconcile request is what makes them act at once).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { git } from "../support/test-git.js";
import { startStory, type Story } from "./story-harness.js";
import {
  api,
  appFiles,
  checkOf,
  backupNode,
  listPods,
  nodeReady,
  outOfServiceTaint,
  primaryNode,
  reverseSyncedNow,
  specPaused,
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
  let story: Story;
  let stuckPod: PodView;
  let promoteCommit: string;

  const status = async (): Promise<StatusBody> =>
    (await api<StatusBody>(story.server.url, "GET", `/api/failover/${app}/status`)).body;
  const blockers = (s: StatusBody): string[] => s.live?.blockers ?? [];
  const podsOf = () => listPods(story.cp, ns, app);
  const readyOn = (node: string) => (pods: PodView[]) =>
    pods.some((p) => p.node === node && p.ready && !p.terminating);
  /** When kustomize-controller reported `sha` applied (and source-controller fetched it). */
  const applied = async (sha: string) => {
    const fetched = await story.flux.observer.waitFor("GitRepository", "flux-system", sha, 60_000);
    const done = await story.flux.observer.waitFor("Kustomization", app, sha, 60_000);
    return { fetchedAt: fetched.at, appliedAt: done.at };
  };

  beforeAll(async () => {
    story = await startStory({
      namespace: ns,
      services: [{ name: app, namespace: ns, dir }],
      repoFiles: appFiles(dir, app, "ghcr.io/home-operations/sonarr:4.0.15.2940", ns),
      kustomizations: [{ name: app, path: dir, targetNamespace: ns }],
    });
  }, 300_000);

  afterAll(async () => {
    await story?.stop();
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
    await story.cp.stopNode(primaryNode); // kwok stops heartbeating w1
    await waitFor(
      "w1 to go NotReady",
      () => nodeReady(story.cp, primaryNode),
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
    const r = await api(story.server.url, "GET", `/api/failover/${app}/promote?dry-run=true`);
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
    expect(await git(["rev-list", "--count", "main"], story.repo)).toBe("1");
  });

  it("4. POST promote: pushed, Flux applies it at once (nudged), the scheduler puts the new pod on w2", async () => {
    const t0 = Date.now();
    const r = await api(story.server.url, "POST", `/api/failover/${app}/promote?reason=w1%20is%20dead`);
    const tPushed = Date.now();
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    expect(r.body).toMatchObject({ changed: true, to: "backup", forced: false });
    promoteCommit = r.body.commit ?? "";
    expect(await git(["rev-parse", "main"], story.repo)).toBe(promoteCommit);

    const flux = await applied(promoteCommit);
    // The rollout waits for the pod stuck on the dead node: nothing runs on w2 yet.
    const waiting = await status();
    expect(blockers(waiting).join("\n")).toContain(stuckPod.name);
    expect((await podsOf()).some((p) => p.node === backupNode)).toBe(false);

    // The operator applies the remedy /status named (w1 really is powered off).
    const tRemedy = Date.now();
    await story.cp.kubectl("taint", "nodes", primaryNode, outOfServiceTaint);

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

    const report = {
      promoteCallToResponse: tPushed - t0,
      responseToFetched: flux.fetchedAt - tPushed,
      fetchedToApplied: flux.appliedAt - flux.fetchedAt,
      callToApplied: flux.appliedAt - t0,
      testHoldBeforeRemedy: tRemedy - flux.appliedAt,
      remedyToPodReadyOnW2: tReady - tRemedy,
      wallExcludingHold: tReady - t0 - (tRemedy - flux.appliedAt),
    };
    console.log(`[story] promote → pod Ready on w2 (ms): ${JSON.stringify(report)}`);
    console.log(`[story] /status progress: ${JSON.stringify(progress)}`);
  });

  it("5. the ReplicationDestination in the cluster is paused, the reverse source resumed", async () => {
    expect(await specPaused(story.cp, ns, rd, "sonarr-config-backup")).toBe("true");
    expect(await specPaused(story.cp, ns, rs, "sonarr-config-reverse")).toBe("false");
    const s = await status();
    expect(s.replication).toContainEqual(
      expect.objectContaining({ kind: "ReplicationDestination", name: "sonarr-config-backup", paused: true }),
    );
  });

  it("7. w1 returns; a demote before the reverse sync is refused with 409 reverse-synced", async () => {
    await story.cp.startNode(primaryNode);
    // The node is back: the operator removes the out-of-service taint, as its docs say.
    await story.cp.kubectl("taint", "nodes", primaryNode, "node.kubernetes.io/out-of-service-");
    await waitFor(
      "w1 to be Ready",
      () => nodeReady(story.cp, primaryNode),
      (r) => r === "True",
      60_000,
    );
    const r = await api(story.server.url, "POST", `/api/failover/${app}/demote`);
    expect(r.status, JSON.stringify(r.body)).toBe(409);
    expect(checkOf(r.body, "reverse-synced")).toMatchObject({ status: "fail" });
    expect(await git(["rev-parse", "main"], story.repo)).toBe(promoteCommit);
  });

  it("6. after the reverse sync, POST demote brings the pod back to w1 and resumes replication", async () => {
    // What VolSync would report once sonarr-config-reverse has run after the promote.
    await reverseSyncedNow(story.cp, ns, "sonarr-config-reverse");
    const t0 = Date.now();
    const r = await waitFor(
      "POST demote to be accepted",
      () => api(story.server.url, "POST", `/api/failover/${app}/demote`),
      (v) => v.status !== 409 || !JSON.stringify(v.body).includes("has never synced"),
      10_000,
    );
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    expect(r.body).toMatchObject({ changed: true, to: "primary" });
    const tPushed = Date.now();
    const flux = await applied(r.body.commit ?? "");
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
    console.log(
      `[story] demote → pod Ready on w1 (ms): ${JSON.stringify({
        demoteCallToResponse: tPushed - t0,
        responseToFetched: flux.fetchedAt - tPushed,
        fetchedToApplied: flux.appliedAt - flux.fetchedAt,
        callToApplied: flux.appliedAt - t0,
        appliedToOldPodGone: tGone - flux.appliedAt,
        oldPodGoneToReadyOnW1: tReady - tGone,
        wall: tReady - t0,
        podsLeftWhenOldGone: tOldGone,
      })}`,
    );
    expect(pods.find((p) => p.node === primaryNode && p.ready)!.claims).toEqual(["sonarr-config"]);
    expect(await specPaused(story.cp, ns, rd, "sonarr-config-backup")).toBe("false");
    expect(await specPaused(story.cp, ns, rs, "sonarr-config-reverse")).toBe("true");
    const s = await waitFor(
      "/status progress to show sonarr running on w1",
      status,
      (v) => v.lastOperation?.progress?.runningNode === primaryNode,
      30_000,
    );
    expect(s).toMatchObject({ role: "primary", activeNode: primaryNode });
  });
});
