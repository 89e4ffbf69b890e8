// The node watcher end to end on the real control plane: w1's kwok process is killed, the real
// node-lifecycle controller marks w1 NotReady, and with no call from anyone, one evacuate commit
// by `node-watcher` follows `notReadyFor` later. Flux's real controllers (the story harness,
// test/story/README.md) apply it and the real scheduler runs the pod on w2 (its backup PV's node). The
// app rolls out with RollingUpdate here, so the new pod does not wait for the one stuck
// Terminating on the dead node (with Recreate it would, until the node is fenced: the story
// tests show that remedy, the guard-rail test requireOutOfServiceTaint).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startStory, type Story } from "../story/story-harness.js";
import {
  appFiles,
  backupNode,
  listPods,
  nodeReady,
  primaryNode,
  type PodView,
} from "../story/story-fixtures.js";
import { waitFor } from "../story/wait-for.js";
import { automationOf, eventsAbout, failoverCommits, metricValue } from "./automation-fixtures.js";

const ns = "media";
const app = "sonarr";
const dir = "apps/media/sonarr";
const notReadyForSeconds = 3;

function rollingUpdate(files: Record<string, string>): Record<string, string> {
  const deployment = `${dir}/deployment.yaml`;
  const text = files[deployment] ?? "";
  const changed = text.replace("type: Recreate # RWO volume: never two pods at once", "type: RollingUpdate");
  if (changed === text) throw new Error(`no Recreate strategy in ${deployment} to replace`);
  return { ...files, [deployment]: changed };
}

describe("node watcher: w1 dies, nobody calls, w1 is evacuated", () => {
  let story: Story;
  const pods = () => listPods(story.cp, ns, app);
  const readyOn = (node: string) => (ps: PodView[]) =>
    ps.some((p) => p.node === node && p.ready && !p.terminating);

  beforeAll(async () => {
    story = await startStory({
      namespace: ns,
      services: [{ name: app, namespace: ns, dir }],
      repoFiles: rollingUpdate(appFiles(dir, app, "ghcr.io/home-operations/sonarr:4.0.15.2940", ns)),
      kustomizations: [{ name: app, path: dir, targetNamespace: ns }],
      automation: { enabled: true, nodeWatcher: { notReadyFor: `${notReadyForSeconds}s` } },
    });
    await waitFor(
      "the Lease",
      () => automationOf(story.server.url),
      (a) => a.leader,
      30_000,
    );
  }, 300_000);

  afterAll(async () => {
    await story?.stop();
  });

  it("one evacuate commit by node-watcher after notReadyFor; the pod ends Ready on w2", async () => {
    const t0 = Date.now();
    await waitFor("sonarr Ready on w1", pods, readyOn(primaryNode), 60_000);
    const tReady = Date.now();
    const before = await failoverCommits(story.repo);
    const requestsBefore = story.serverLog.filter((l) => l.includes('"method":"POST"')).length;

    await story.cp.stopNode(primaryNode);
    await waitFor(
      "w1 NotReady",
      () => nodeReady(story.cp, primaryNode),
      (r) => r !== "True",
      60_000,
    );
    const tNotReady = Date.now();
    const commits = await waitFor(
      "a commit by the node watcher",
      () => failoverCommits(story.repo),
      (cs) => cs.length > before.length,
      90_000,
      500,
    );
    const tCommit = Date.now();
    expect(commits).toHaveLength(before.length + 1);
    expect(commits[0]).toMatchObject({
      subject: `failover: evacuate ${primaryNode} (1 services)`,
      actor: "node-watcher",
      services: [app],
    });
    // No one asked: not a single mutating request reached the server.
    expect(story.serverLog.filter((l) => l.includes('"method":"POST"')).length).toBe(requestsBefore);
    // Not before the node-lifecycle controller's NotReady plus notReadyFor (commit times are whole seconds).
    const since = (
      await story.cp.kubectl(
        "get",
        "node",
        primaryNode,
        "-o",
        'jsonpath={.status.conditions[?(@.type=="Ready")].lastTransitionTime}',
      )
    ).trim();
    expect(commits[0]!.time.getTime()).toBeGreaterThanOrEqual(
      Date.parse(since) + notReadyForSeconds * 1000 - 1000,
    );

    const automation = await automationOf(story.server.url);
    expect(automation.decisions[0]).toMatchObject({
      trigger: "node-watcher",
      node: primaryNode,
      decision: "acted",
      reason: "node-not-ready",
      operation: { action: "evacuate", services: [app], commit: commits[0]!.sha, error: null },
    });
    expect(
      await metricValue(
        story.server.url,
        'failover_automation_decisions_total{trigger="node-watcher",decision="acted",reason="node-not-ready"}',
      ),
    ).toBe(1);
    const events = await waitFor(
      "the Event on Node w1",
      () => eventsAbout(story.cp, "default", primaryNode),
      (es) => es.some((e) => e.reason === "AutomationActed"),
      10_000,
    );
    expect(events.find((e) => e.reason === "AutomationActed")?.note).toContain(commits[0]!.sha.slice(0, 12));

    await story.flux.observer.waitFor("Kustomization", app, commits[0]!.sha, 60_000);
    const tApplied = Date.now();
    const running = await waitFor("sonarr Ready on w2", pods, readyOn(backupNode), 120_000, 250);
    const tRunning = Date.now();
    const pod = running.find((p) => p.node === backupNode && p.ready)!;
    const phases = {
      podReadyOnW1: tReady - t0,
      killToNotReady: tNotReady - tReady,
      notReadyToCommit: tCommit - tNotReady,
      commitToApplied: tApplied - tCommit,
      appliedToReadyOnW2: tRunning - tApplied,
    };
    console.log(`[automation] node watcher phases (ms): ${JSON.stringify(phases)}`);
    expect(pod.claims).toEqual([`${app}-config-backup`]);
    expect(pod.scheduledBy).toBe("default-scheduler");
    // Exactly one commit, however long the node stays down.
    expect(await failoverCommits(story.repo)).toHaveLength(before.length + 1);
    expect((await automationOf(story.server.url)).decisions).toHaveLength(1);
  });
});
