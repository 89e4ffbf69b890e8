// Automatic failback (SPEC §10) end to end on the real control plane: kube-apiserver, etcd, the
// controllers, kwok nodes w1/w2, Flux's real controllers and VolSync's real controller, so the
// final sync really completes (its mover Job runs on kwok). lidarr starts failed over (on w2).
// Outside the failback window the decision is suppressed with `outside-window`, once, and nothing
// is committed. Then w1 dies and comes back; inside the window, `healthyFor` after w1 is Ready
// again, failback starts a final-sync demote through the planned moves (actor `failback`, never
// forced): quiesce → final sync → switch, and lidarr runs on w1 again.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startStory, type Story } from "../story/story-harness.js";
import {
  api,
  backupNode,
  deploymentYaml,
  kustomizationYaml,
  listPods,
  nodeReady,
  primaryNode,
  pvcYaml,
  type StatusBody,
} from "../story/story-fixtures.js";
import { waitFor } from "../story/wait-for.js";
import { git } from "../support/test-git.js";
import {
  automationOf,
  eventsAbout,
  failoverCommits,
  metricValue,
  type Decision,
} from "./automation-fixtures.js";
import { startVolSync, type VolSync } from "./volsync.js";

const ns = "media";
const app = "lidarr";
const dir = `apps/media/${app}`;
const healthyForSeconds = 20;
const rs = "replicationsources.volsync.backube";

/** Forward and reverse rsync-TLS sources; lidarr runs on its backup, so the forward one is paused. */
function volsyncYaml(): string {
  // Yearly: no scheduled sync starts during the test; the first sync runs at once (never synced).
  const source = (name: string, pvc: string, paused: boolean, minute: number, dst: string) => `---
apiVersion: volsync.backube/v1alpha1
kind: ReplicationSource
metadata:
  name: ${name}
spec:
  paused: ${paused}
  sourcePVC: ${pvc}
  trigger:
    schedule: "${minute} 0 1 1 *"
  rsyncTLS:
    keySecret: ${app}-rsync-tls
    address: volsync-rsync-tls-dst-${dst}.${ns}.svc
    copyMethod: Direct
`;
  return (
    source(`${app}-config`, `${app}-config`, true, 0, `${app}-config-backup`) +
    source(`${app}-config-reverse`, `${app}-config-backup`, false, 30, `${app}-config-restore`)
  );
}

function repoFiles(): Record<string, string> {
  return {
    "apps/media/kustomization.yaml": kustomizationYaml([`./${app}`], ns),
    [`${dir}/kustomization.yaml`]: kustomizationYaml(["./deployment.yaml", "./pvc.yaml", "./volsync.yaml"]),
    [`${dir}/deployment.yaml`]: deploymentYaml(app, `ghcr.io/home-operations/${app}:2.9.6`).replace(
      `claimName: ${app}-config #`,
      `claimName: ${app}-config-backup #`,
    ),
    [`${dir}/pvc.yaml`]: pvcYaml(app),
    [`${dir}/volsync.yaml`]: volsyncYaml(),
  };
}

/** `HH:MM-HH:MM` in local time (the server's), from `fromMin` to `toMin` minutes after now. */
function windowAround(fromMin: number, toMin: number): string {
  const hhmm = (offset: number) => {
    const d = new Date(Date.now() + offset * 60_000);
    return `${String(d.getHours()).padStart(2, "0")}:${String(d.getMinutes()).padStart(2, "0")}`;
  };
  return `${hhmm(fromMin)}-${hhmm(toMin)}`;
}

const automation = (window: string) => ({
  enabled: true,
  nodeWatcher: { enabled: false },
  failback: { enabled: true, healthyFor: `${healthyForSeconds}s`, window },
});

interface OperationBody {
  id: string;
  state: string;
  error: string | null;
  steps: {
    name: string;
    state: string;
    startedAt: string | null;
    finishedAt: string | null;
    commit: string | null;
  }[];
}

const series = (decision: string, reason: string) =>
  `failover_automation_decisions_total{trigger="failback",decision="${decision}",reason="${reason}"}`;

describe("automatic failback: after healthyFor, inside the window, with a final sync", () => {
  let story: Story;
  let volsync: VolSync | undefined;
  const outside = windowAround(120, 180);
  const measured: string[] = [];
  const failbacks = async (): Promise<Decision[]> =>
    (await automationOf(story.server.url)).decisions.filter((d) => d.trigger === "failback");
  const pods = () => listPods(story.cp, ns, app);
  const rsStatus = async (name: string) =>
    (
      JSON.parse(await story.cp.kubectl("get", rs, name, "-n", ns, "-o", "json")) as {
        status?: Record<string, string>;
      }
    ).status ?? {};
  const readySince = async (node: string) =>
    (
      await story.cp.kubectl(
        "get",
        "node",
        node,
        "-o",
        'jsonpath={.status.conditions[?(@.type=="Ready")].lastTransitionTime}',
      )
    ).trim();

  beforeAll(async () => {
    const t0 = Date.now();
    story = await startStory({
      namespace: ns,
      services: [
        {
          name: app,
          namespace: ns,
          dir,
          config: {
            replication: [
              { kind: "ReplicationSource", name: `${app}-config`, direction: "forward" },
              { kind: "ReplicationSource", name: `${app}-config-reverse`, direction: "reverse" },
            ],
          },
        },
      ],
      repoFiles: repoFiles(),
      kustomizations: [{ name: "media", path: "apps/media" }],
      seedForwardSync: false,
      automation: automation(outside),
    });
    await story.cp.kubectl(
      "create",
      "secret",
      "generic",
      `${app}-rsync-tls`,
      "-n",
      ns,
      `--from-literal=psk.txt=volsync:${"ab".repeat(32)}`,
    );
    volsync = await startVolSync(story.cp);
    await waitFor(
      "the Lease",
      () => automationOf(story.server.url),
      (a) => a.leader,
      60_000,
    );
    await waitFor(
      `${app} Ready on ${backupNode}`,
      pods,
      (ps) => ps.some((p) => p.node === backupNode && p.ready),
      120_000,
    );
    // VolSync's first sync of the running (reverse) source: it syncs at once when it never has.
    await waitFor(
      `${app}-config-reverse's first sync`,
      () => rsStatus(`${app}-config-reverse`),
      (s) => s.lastSyncTime !== undefined && s.lastSyncStartTime === undefined,
      180_000,
    );
    measured.push(
      `[automation] failback world up (control plane, Flux, VolSync, first sync): ${Date.now() - t0} ms`,
    );
  }, 480_000);

  afterAll(async () => {
    await volsync?.stop();
    await story?.stop();
    console.log(measured.join("\n"));
  });

  it("outside the window: suppressed once with reason outside-window (API, metric, Event); nothing committed", async () => {
    const [decision] = await waitFor(
      "a failback decision",
      failbacks,
      (ds) => ds.length > 0,
      // w1 has been Ready since it was created; healthyFor may still be running.
      (healthyForSeconds + 30) * 1000,
    );
    expect(decision).toMatchObject({
      service: app,
      decision: "suppressed",
      reason: "outside-window",
      operation: null,
    });
    expect(decision!.detail).toContain(`outside the failback window ${outside}`);
    expect(decision!.detail).toContain("next opening");
    const events = await waitFor(
      "the Event on the Deployment",
      () => eventsAbout(story.cp, ns, app),
      (es) => es.some((e) => e.reason === "AutomationSuppressed"),
      15_000,
    );
    const event = events.find((e) => e.reason === "AutomationSuppressed")!;
    expect(event.regarding.kind).toBe("Deployment");
    // Waiting for the window is the normal course, not a warning.
    expect(event.type).toBe("Normal");
    expect(event.note).toContain("failback suppressed (outside-window)");
    // Looked at every second, recorded once; nothing committed.
    await new Promise((r) => setTimeout(r, 3000));
    expect(await failbacks()).toHaveLength(1);
    expect(await metricValue(story.server.url, series("suppressed", "outside-window"))).toBe(1);
    expect((await failoverCommits(story.repo)).filter((c) => c.actor === "failback")).toEqual([]);
  });

  it("inside the window, healthyFor after w1 is Ready again: a final-sync demote by failback, Ready on w1", async () => {
    const tStart = Date.now();
    await story.cp.stopNode(primaryNode);
    await waitFor(
      "w1 NotReady",
      () => nodeReady(story.cp, primaryNode),
      (r) => r !== "True",
      90_000,
    );
    // The leader must see w1 down (its view, then a few of its 1 s looks) before w1 returns: on
    // kwok the Ready condition keeps the node's creation time, so that sight is all there is.
    await waitFor(
      "failover-api to see w1 NotReady",
      async () => (await api<StatusBody>(story.server.url, "GET", `/api/failover/${app}/status`)).body,
      (st) => st.live?.nodes[primaryNode]?.ready === false,
      30_000,
    );
    await new Promise((r) => setTimeout(r, 3000));
    const inside = windowAround(-1, 60);
    await story.reconfigure({ automation: automation(inside) });
    const tBack = Date.now();
    await story.cp.startNode(primaryNode);
    await waitFor(
      "w1 Ready",
      () => nodeReady(story.cp, primaryNode),
      (r) => r === "True",
      90_000,
    );
    const tReady = Date.now();

    const acted = (
      await waitFor(
        "failback to act",
        failbacks,
        (ds) => ds.some((d) => d.decision === "acted"),
        (healthyForSeconds + 60) * 1000,
        250,
      )
    ).find((d) => d.decision === "acted")!;
    const tActed = Date.now();
    // healthyFor counts from w1's return: kwok writes the node's creation time as the Ready
    // condition's lastTransitionTime, so the leader's own sight of the transition is the later one.
    const condition = await readySince(primaryNode);
    const since = Date.parse(/primary node Ready since (\S+) /.exec(acted.detail)?.[1] ?? "");
    expect(since).toBeGreaterThanOrEqual(Math.floor(tBack / 1000) * 1000);
    // Not before healthyFor (both times are whole seconds).
    expect(Date.parse(acted.at)).toBeGreaterThanOrEqual(since + healthyForSeconds * 1000);
    expect(acted).toMatchObject({ service: app, reason: "primary-healthy" });
    expect(acted.operation).toMatchObject({ action: "demote", services: [app], error: null });
    const id = acted.operation!.id!;
    expect(acted.operation!.commit).toMatch(/^[0-9a-f]{40}$/);

    const op = await waitFor(
      `operation ${id}`,
      async () => (await (await fetch(`${story.server.url}/api/operations/${id}`)).json()) as OperationBody,
      (o) => o.state !== "running",
      420_000,
      500,
    );
    expect(op.state, JSON.stringify(op)).toBe("succeeded");
    expect(op.steps.map((s) => [s.name, s.state])).toEqual([
      ["quiesce", "succeeded"],
      ["final-sync", "succeeded"],
      ["switch", "succeeded"],
    ]);
    expect(op.steps[0]!.commit).toBe(acted.operation!.commit);
    // VolSync answered this operation's manual trigger on the reverse source: the final sync ran.
    expect((await rsStatus(`${app}-config-reverse`)).lastManualSync).toBe(id);
    // Every step committed by failback, none forced, each with its step trailer.
    const trailers = await git(
      ["log", `--grep=Failover-Operation: ${id}`, "--format=%(trailers:only,unfold)%x1e", "main"],
      story.repo,
    );
    const perCommit = trailers.split("\x1e").filter((t) => t.trim() !== "");
    expect(perCommit.map((t) => /Failover-Step: (\S+)/.exec(t)?.[1]).reverse()).toEqual([
      "quiesce",
      "final-sync",
      "switch",
    ]);
    for (const t of perCommit) {
      expect(t).toContain("Failover-Actor: failback");
      expect(t).not.toContain("Failover-Forced: true");
    }
    expect(await git(["show", `main:${dir}/deployment.yaml`], story.repo)).toContain(
      `claimName: ${app}-config #`,
    );
    const running = await waitFor(
      `${app} Ready on ${primaryNode}`,
      pods,
      (ps) => ps.some((p) => p.node === primaryNode && p.ready && !p.terminating),
      120_000,
    );
    expect(running.find((p) => p.node === primaryNode && p.ready)!.claims).toEqual([`${app}-config`]);
    const tDone = Date.now();

    // Explained like every decision: metric, Event naming the quiesce commit; the earlier
    // suppression is still the only one, and nothing else was decided.
    expect(await metricValue(story.server.url, series("acted", "primary-healthy"))).toBe(1);
    expect(await metricValue(story.server.url, series("suppressed", "outside-window"))).toBe(1);
    const events = await waitFor(
      "the AutomationActed Event",
      () => eventsAbout(story.cp, ns, app),
      (es) => es.some((e) => e.reason === "AutomationActed"),
      15_000,
    );
    expect(events.find((e) => e.reason === "AutomationActed")!.note).toContain(
      acted.operation!.commit!.slice(0, 12),
    );
    expect((await failbacks()).map((d) => `${d.decision}/${d.reason}`)).toEqual([
      "acted/primary-healthy",
      "suppressed/outside-window",
    ]);

    // What /api/automation says (docs/operations.md quotes it).
    measured.push(`[automation] failback decisions: ${JSON.stringify(await failbacks(), null, 2)}`);
    const step = (name: string) => op.steps.find((s) => s.name === name)!;
    const secs = (a: string | null, b: string | null) => (Date.parse(b ?? "") - Date.parse(a ?? "")) / 1000;
    measured.push(
      `[automation] failback: w1 stopped → Ready again ${tReady - tStart} ms; ` +
        `decision ${(Date.parse(acted.at) - since) / 1000 - healthyForSeconds} s after healthyFor ` +
        `(w1 Ready → decision seen by the test ${tActed - tReady} ms; Ready condition's lastTransitionTime ${condition}); quiesce ${secs(step("quiesce").startedAt, step("quiesce").finishedAt)} s, ` +
        `final sync ${secs(step("final-sync").startedAt, step("final-sync").finishedAt)} s, ` +
        `switch → Ready ${secs(step("switch").startedAt, step("switch").finishedAt)} s; decision → pod Ready on w1 ${tDone - tActed} ms`,
    );
  }, 600_000);
});
