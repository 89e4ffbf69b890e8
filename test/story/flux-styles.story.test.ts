// The manifest styles homelab repositories use, moved by real Flux: a claim carried by a Flux
// Kustomization's postBuild.substitute, a claim in a HelmRelease's values (helm-controller
// installs a chart from the same repository), and a ReplicationDestination Flux creates only
// once (`kustomize.toolkit.fluxcd.io/ssa: IfNotPresent`). Each app has its own Kustomization
// (`<dir>/ks.yaml`) under a root one, as in onedr0p/bjw-s style repositories. The moves are
// planned switchovers (w1 stays up), so they pass `force=true` for the source-stopped check.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { git } from "../support/test-git.js";
import { chartFiles, helmReleaseApp, ifNotPresentApp, substituteApp } from "./flux-style-apps.js";
import { startStory, type Story } from "./story-harness.js";
import {
  api,
  backupNode,
  checkOf,
  kustomizationYaml,
  listPods,
  primaryNode,
  reverseSyncedNow,
  specPaused,
  type PodView,
} from "./story-fixtures.js";
import { move, type MoveTiming } from "./story-moves.js";
import { waitFor } from "./wait-for.js";

const ns = "home";
const subst = substituteApp("apps/paperless", "paperless", ns);
const helm = helmReleaseApp("apps/grafana", "grafana", ns);
const keep = ifNotPresentApp("apps/gatus", "gatus", ns);
const rd = "replicationdestinations.volsync.backube";
const planned = "force=true&reason=planned%20switchover";

function repoFiles(): Record<string, string> {
  return {
    "apps/kustomization.yaml": kustomizationYaml([
      "./paperless/ks.yaml",
      "./grafana/ks.yaml",
      "./gatus/ks.yaml",
    ]),
    ...subst.files,
    ...helm.files,
    ...keep.files,
    ...chartFiles(),
  };
}

function readyOn(pods: PodView[], node: string): PodView | undefined {
  return pods.find((p) => p.node === node && p.ready && !p.terminating);
}

describe("story: Flux's postBuild.substitute, HelmRelease and ssa: IfNotPresent styles, moved through Git", () => {
  let story: Story;
  const timings: Record<string, MoveTiming> = {};
  const pods = (app: string) => listPods(story.cp, ns, app);
  const podReadyOn = (app: string, node: string) =>
    waitFor(
      `a Ready ${app} pod on ${node}`,
      () => pods(app),
      (ps) => readyOn(ps, node) !== undefined,
      120_000,
    );
  const helmGeneration = async (): Promise<number> =>
    Number(
      await story.cp.kubectl(
        "get",
        "helmrelease",
        "grafana",
        "-n",
        ns,
        "-o",
        "jsonpath={.metadata.generation}",
      ),
    );
  const reverseSynced = (app: string) => reverseSyncedNow(story.cp, ns, `${app}-config-reverse`);

  beforeAll(async () => {
    story = await startStory({
      namespace: ns,
      services: [subst.service, helm.service, keep.service],
      repoFiles: repoFiles(),
      kustomizations: [{ name: "apps", path: "apps" }],
      childKustomizations: [subst.kustomization, helm.kustomization, keep.kustomization],
    });
    await story.flux.observer.waitForHelmRelease("grafana", ns, 1, 180_000);
  }, 420_000);

  afterAll(async () => {
    for (const [name, t] of Object.entries(timings))
      console.log(`[story] ${name} (ms): ${JSON.stringify(t)}`);
    await story?.stop();
  });

  it("Flux applied all three on w1: the substituted claim, the chart's claim, the labelled destination", async () => {
    const paperless = readyOn(await podReadyOn("paperless", primaryNode), primaryNode)!;
    expect(paperless.claims).toEqual(["paperless-config"]); // "${VOLSYNC_CLAIM}" substituted by Flux
    const grafana = readyOn(await podReadyOn("grafana", primaryNode), primaryNode)!;
    expect(grafana.claims).toEqual(["grafana-config"]);
    const release = await story.cp.kubectl(
      "get",
      "secrets",
      "-n",
      ns,
      "-l",
      "owner=helm,name=grafana",
      "-o",
      "name",
    );
    expect(release.trim()).toBe("secret/sh.helm.release.v1.grafana.v1");
    expect(readyOn(await podReadyOn("gatus", primaryNode), primaryNode)!.claims).toEqual(["gatus-config"]);
    expect(
      await story.cp.kubectl("get", rd, "gatus-config-backup", "-n", ns, "-o", "jsonpath={.metadata.labels}"),
    ).toContain('"kustomize.toolkit.fluxcd.io/ssa":"IfNotPresent"');
  });

  it("postBuild.substitute: promote edits ks.yaml; Flux substitutes the backup claim; the pod runs on w2, and back", async () => {
    const promoted = await move(story, {
      service: "paperless",
      action: "promote",
      kustomization: "paperless",
      targetNode: backupNode,
      query: planned,
    });
    timings["paperless promote"] = promoted.timing;
    expect(promoted.body.diff).toContain("--- a/apps/paperless/ks.yaml");
    expect(promoted.body.diff).toContain(
      "+      VOLSYNC_CLAIM: paperless-config-backup # the claim Flux substitutes",
    );
    expect(readyOn(await pods("paperless"), backupNode)!.claims).toEqual(["paperless-config-backup"]);
    expect(await specPaused(story.cp, ns, rd, "paperless-config-backup")).toBe("true");

    await reverseSynced("paperless");
    const demoted = await move(story, {
      service: "paperless",
      action: "demote",
      kustomization: "paperless",
      targetNode: primaryNode,
    });
    timings["paperless demote"] = demoted.timing;
    expect(readyOn(await pods("paperless"), primaryNode)!.claims).toEqual(["paperless-config"]);
    expect(await specPaused(story.cp, ns, rd, "paperless-config-backup")).toBe("false");
  });

  it("HelmRelease: promote edits the values; helm-controller upgrades the release; the pod runs on w2, and back", async () => {
    const before = await helmGeneration();
    const promoted = await move(story, {
      service: "grafana",
      action: "promote",
      kustomization: "grafana",
      targetNode: backupNode,
      query: planned,
      afterApplied: () => story.flux.observer.waitForHelmRelease("grafana", ns, before + 1, 120_000),
    });
    timings["grafana (HelmRelease) promote"] = promoted.timing;
    expect(promoted.body.diff).toContain("+      existingClaim: grafana-config-backup # primary on w1");
    expect(readyOn(await pods("grafana"), backupNode)!.claims).toEqual(["grafana-config-backup"]);
    const revisions = await story.cp.kubectl(
      "get",
      "secrets",
      "-n",
      ns,
      "-l",
      "owner=helm,name=grafana",
      "-o",
      "name",
    );
    expect(revisions).toContain("sh.helm.release.v1.grafana.v2");

    await reverseSynced("grafana");
    const demoted = await move(story, {
      service: "grafana",
      action: "demote",
      kustomization: "grafana",
      targetNode: primaryNode,
      afterApplied: () => story.flux.observer.waitForHelmRelease("grafana", ns, before + 2, 120_000),
    });
    timings["grafana (HelmRelease) demote"] = demoted.timing;
    expect(readyOn(await pods("grafana"), primaryNode)!.claims).toEqual(["grafana-config"]);
  });

  it("ssa: IfNotPresent: preflight refuses; forced, Flux applies the commit but never the pause", async () => {
    const refused = await api(story.server.url, "POST", "/api/failover/gatus/promote?reason=planned");
    expect(refused.status, JSON.stringify(refused.body)).toBe(409);
    expect(checkOf(refused.body, "flux-applies")).toMatchObject({ status: "fail" });
    expect(checkOf(refused.body, "flux-applies")?.detail).toContain("IfNotPresent");
    const head = await story.head();

    const forced = await move(story, {
      service: "gatus",
      action: "promote",
      kustomization: "gatus",
      targetNode: backupNode,
      query: planned,
    });
    timings["gatus promote (forced)"] = forced.timing;
    expect(forced.body.forced).toBe(true);
    const commit = forced.body.commit!;
    expect(await git(["rev-parse", `${commit}^`], story.repo)).toBe(head);
    expect(await git(["show", `${commit}:apps/gatus/app/volsync.yaml`], story.repo)).toContain(
      "paused: true # paused by failover-api",
    );
    // Flux applied this very commit (the claim moved, the pod runs on w2) ...
    expect(readyOn(await pods("gatus"), backupNode)!.claims).toEqual(["gatus-config-backup"]);
    const ks = await story.cp.kubectl(
      "get",
      "kustomization",
      "gatus",
      "-n",
      "flux-system",
      "-o",
      "jsonpath={.status.lastAppliedRevision}",
    );
    expect(ks).toBe(`main@sha1:${commit}`);
    // ... yet the destination in the cluster still replicates into the now live backup claim.
    expect(await specPaused(story.cp, ns, rd, "gatus-config-backup")).toBe("false");
    const status = await api<{ replication: { name: string; paused: boolean | null }[] }>(
      story.server.url,
      "GET",
      "/api/failover/gatus/status",
    );
    expect(status.body.replication).toContainEqual(
      expect.objectContaining({ name: "gatus-config-backup", paused: false }),
    );
  });
});
