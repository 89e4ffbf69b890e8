// The same story with 20 services: w1 dies, one `POST /api/nodes/w1/evacuate` makes ONE commit,
// Flux's real kustomize-controller applies it (server-side, 100 objects), and after the
// operator's out-of-service taint all 20 pods run on w2, placed there by the real scheduler
// because of their backup PVs' node affinity.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { git } from "../support/test-git.js";
import { startStory, type Story } from "./story-harness.js";
import {
  api,
  appFiles,
  backupNode,
  kustomizationYaml,
  listPods,
  nodeReady,
  outOfServiceTaint,
  primaryNode,
  type PodView,
  type ServiceConfig,
} from "./story-fixtures.js";
import { waitFor } from "./wait-for.js";

const ns = "apps";
const count = 20;
const names = Array.from({ length: count }, (_, i) => `svc-${String(i).padStart(2, "0")}`);
const services: ServiceConfig[] = names.map((name) => ({ name, namespace: ns, dir: `apps/${name}` }));

function repoFiles(): Record<string, string> {
  const files: Record<string, string> = {
    "apps/kustomization.yaml": kustomizationYaml(
      names.map((n) => `./${n}`),
      ns,
    ),
  };
  for (const name of names)
    Object.assign(files, appFiles(`apps/${name}`, name, `ghcr.io/example/${name}:1.0.0`));
  return files;
}

/** Per node, how many of the services have a Ready (not terminating) pod there. */
function readyCount(pods: PodView[], node: string): number {
  return names.filter((n) =>
    pods.some((p) => p.name.startsWith(`${n}-`) && p.node === node && p.ready && !p.terminating),
  ).length;
}

describe(`story: evacuate w1 with ${count} services, one commit`, () => {
  let story: Story;
  const pods = () => listPods(story.cp, ns);

  beforeAll(async () => {
    story = await startStory({
      namespace: ns,
      services,
      repoFiles: repoFiles(),
      kustomizations: [{ name: "apps", path: "apps", targetNamespace: ns }],
    });
  }, 300_000);

  afterAll(async () => {
    await story?.stop();
  });

  it(`all ${count} pods are scheduled on w1 and Ready`, async () => {
    const all = await waitFor(
      `${count} Ready pods on w1`,
      pods,
      (ps) => readyCount(ps, primaryNode) === count,
      120_000,
      500,
    );
    expect(
      all.filter((p) => p.node === primaryNode).every((p) => p.scheduledBy === "default-scheduler"),
    ).toBe(true);
  });

  it("w1 dies; POST /api/nodes/w1/evacuate makes one commit; all pods end Ready on w2", async () => {
    await story.cp.stopNode(primaryNode);
    await waitFor(
      "w1 to go NotReady",
      () => nodeReady(story.cp, primaryNode),
      (r) => r !== "True",
      60_000,
    );
    await waitFor(
      `all ${count} pods on w1 to be evicted (Terminating)`,
      pods,
      (ps) => ps.filter((p) => p.node === primaryNode && p.terminating).length === count,
      90_000,
      500,
    );
    const before = await git(["rev-list", "--count", "main"], story.repo);

    const t0 = Date.now();
    const r = await api(story.server.url, "POST", `/api/nodes/${primaryNode}/evacuate?reason=w1%20is%20dead`);
    const tPushed = Date.now();
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    expect(r.body).toMatchObject({ action: "evacuate", changed: true, skipped: [] });
    expect([...(r.body.services ?? [])].sort()).toEqual(names);
    const commit = r.body.commit ?? "";
    expect(await story.head()).toBe(commit);
    expect(Number(await git(["rev-list", "--count", "main"], story.repo))).toBe(Number(before) + 1);
    expect(await git(["log", "-1", "--format=%s", "main"], story.repo)).toBe(
      `failover: evacuate ${primaryNode} (${count} services)`,
    );

    const fetched = await story.flux.observer.waitFor("GitRepository", "flux-system", commit, 90_000);
    const applied = await story.flux.observer.waitFor("Kustomization", "apps", commit, 90_000);
    const tRemedy = Date.now();
    await story.cp.kubectl("taint", "nodes", primaryNode, outOfServiceTaint);
    const all = await waitFor(
      `all ${count} pods Ready on w2`,
      pods,
      (ps) => readyCount(ps, backupNode) === count,
      180_000,
      250,
    );
    const tReady = Date.now();
    const onW2 = all.filter((p) => p.node === backupNode && p.ready);
    expect(onW2.every((p) => p.scheduledBy === "default-scheduler")).toBe(true);
    expect(onW2.every((p) => p.claims.length === 1 && p.claims[0]!.endsWith("-config-backup"))).toBe(true);

    const paused = await story.cp.kubectl(
      "get",
      "replicationdestinations.volsync.backube",
      "-n",
      ns,
      "-o",
      "jsonpath={.items[*].spec.paused}",
    );
    expect(paused.split(" ")).toEqual(Array.from({ length: count }, () => "true"));
    const summaries = await api<{ services: { name: string; role: string; activeNode: string }[] }>(
      story.server.url,
      "GET",
      "/api/services",
    );
    expect(summaries.body.services.every((s) => s.role === "backup" && s.activeNode === backupNode)).toBe(
      true,
    );

    const report = {
      evacuateCallToResponse: tPushed - t0,
      responseToFetched: fetched.at - tPushed,
      fetchedToApplied: applied.at - fetched.at,
      callToApplied: applied.at - t0,
      remedyToAllReadyOnW2: tReady - tRemedy,
      wall: tReady - t0,
    };
    console.log(`[story] evacuate of ${count} → all pods Ready on w2 (ms): ${JSON.stringify(report)}`);
  });
});
