// A real Alertmanager (v0.31.1, built from the Go module proxy) posts to failover-api's webhook
// with an `automation` token: KubeNodeNotReady{node="w1"} is held until minFiring, then w1 is
// evacuated once; Alertmanager's re-sends (group_interval, repeat_interval) and the resolved
// notification change nothing. A promote rule whose alert has fired long enough acts at once.
import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { stringify } from "yaml";
import { type RunningServer, startServer } from "../../src/server/start-server.js";
import { generatedHomelabFiles } from "../support/generated-homelab.js";
import { startSshGitServer, type SshGitServer } from "../support/ssh-git-server.js";
import { waitFor } from "../story/wait-for.js";
import { startAlertmanager, type Alertmanager } from "./alertmanager.js";
import {
  applyServiceObjects,
  automationOf,
  backupSyncedAt,
  eventsAbout,
  failoverCommits,
  metricValue,
  writeAutomationConfig,
  type Decision,
} from "./automation-fixtures.js";
import { apply, applyRbac, namespace, node, setNodeReady } from "./cluster-fixtures.js";
import { startControlPlane, type ControlPlane } from "./control-plane.js";

const automationToken = "alertmanager-token-0123456789abcdef";
const minFiringSeconds = 5;
const services = [
  { name: "svc-00", primaryNode: "w1", backupNode: "w2" },
  { name: "svc-01", primaryNode: "w1", backupNode: "w2" },
  { name: "svc-02", primaryNode: "w3", backupNode: "w2" },
];

describe("automation from a real Alertmanager", () => {
  let cp: ControlPlane;
  let ssh: SshGitServer;
  let server: RunningServer;
  let alertmanager: Alertmanager;
  let repo: string;
  const logs: string[] = [];

  const received = (status: string) =>
    metricValue(server.url, `failover_alerts_received_total{status="${status}"}`);
  const decisionsFor = async (match: (d: Decision) => boolean) =>
    (await automationOf(server.url)).decisions.filter((d) => d.trigger === "alertmanager" && match(d));

  beforeAll(async () => {
    [cp, ssh] = await Promise.all([startControlPlane(), startSshGitServer()]);
    await ssh.createBareRepo("homelab", generatedHomelabFiles(3));
    repo = ssh.repoPath("homelab");
    const saKubeconfig = await applyRbac(cp, "failover-system");
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

    const dir = await mkdtemp(join(tmpdir(), "failover-alertmanager-"));
    const tokensFile = join(dir, "tokens.yaml");
    await writeFile(
      tokensFile,
      stringify([{ name: "alertmanager", role: "automation", token: automationToken }]),
    );
    const configPath = join(dir, "config.yaml");
    await writeAutomationConfig(configPath, {
      url: ssh.url("homelab"),
      sshKeyFile: ssh.clientKeyFile,
      knownHostsFile: ssh.knownHostsFile,
      dataDir: join(dir, "data"),
      services,
      auth: { mode: "token", tokensFile },
      automation: {
        enabled: true,
        // Only the alerts act here.
        nodeWatcher: { enabled: false },
        alertmanager: {
          minFiring: `${minFiringSeconds}s`,
          rules: [
            { alertname: "KubeNodeNotReady", action: "evacuate", nodeLabel: "node" },
            { alertname: "AppDown", action: "promote", serviceLabel: "service" },
          ],
        },
      },
    });
    const saved = { KUBECONFIG: process.env.KUBECONFIG, POD_NAMESPACE: process.env.POD_NAMESPACE };
    process.env.KUBECONFIG = saKubeconfig;
    process.env.POD_NAMESPACE = "failover-system";
    try {
      server = await startServer({ configPath, host: "127.0.0.1", port: 0, write: (l) => logs.push(l) });
    } finally {
      for (const [k, v] of Object.entries(saved)) {
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
      }
    }
    await waitFor(
      "the server to hold the Lease",
      () => automationOf(server.url),
      (a) => a.leader,
      30_000,
    );
    await waitFor(
      "the first fetch",
      () => fetch(`${server.url}/readyz`).then((r) => r.status),
      (s) => s === 200,
      30_000,
    );
    alertmanager = await startAlertmanager(cp, {
      webhookUrl: `${server.url}/api/webhooks/alertmanager`,
      token: automationToken,
      groupWait: "1s",
      groupInterval: "1s",
      repeatInterval: "2s",
    });
  }, 120_000);

  afterAll(async () => {
    await alertmanager?.stop();
    await server?.close();
    await Promise.all([cp?.stop(), ssh?.stop()]);
  });

  it("KubeNodeNotReady{node=w1}: held until minFiring, then one evacuate; re-sends and resolved change nothing", async () => {
    await setNodeReady(cp, "w1", false);
    const before = await failoverCommits(repo);
    const startsAt = new Date();
    const alert = {
      labels: { alertname: "KubeNodeNotReady", node: "w1", severity: "warning" },
      annotations: { summary: "w1 is not ready" },
      startsAt: startsAt.toISOString(),
    };
    await alertmanager.postAlerts([alert]);

    const held = await waitFor(
      "the alert held for minFiring",
      () => decisionsFor((d) => d.node === "w1"),
      (ds) => ds.some((d) => d.reason === "min-firing"),
      15_000,
    );
    expect(held[0]).toMatchObject({ decision: "suppressed", reason: "min-firing", operation: null });
    expect(held[0]!.detail).toMatch(/KubeNodeNotReady firing for \d+s of minFiring 5s; decided again at/);
    expect(await failoverCommits(repo)).toEqual(before);

    const acted = await waitFor(
      "the evacuation of w1",
      () => decisionsFor((d) => d.node === "w1" && d.decision === "acted"),
      (ds) => ds.length > 0,
      30_000,
    );
    const [commit] = await failoverCommits(repo);
    expect(commit).toMatchObject({
      subject: "failover: evacuate w1 (2 services)",
      actor: "alertmanager",
      services: ["svc-00", "svc-01"],
    });
    expect(acted[0]!.operation).toMatchObject({ action: "evacuate", commit: commit!.sha, error: null });
    // Not before the alert had fired for minFiring (commit times are whole seconds).
    expect(commit!.time.getTime()).toBeGreaterThanOrEqual(
      startsAt.getTime() + minFiringSeconds * 1000 - 1000,
    );
    expect(Date.parse(acted[0]!.at)).toBeGreaterThanOrEqual(
      Math.floor(startsAt.getTime() / 1000) * 1000 + minFiringSeconds * 1000,
    );

    // Alertmanager keeps re-sending the firing alert (repeat_interval 2s): deduplicated.
    const firingSoFar = await received("firing");
    await waitFor(
      "more re-sends",
      () => received("firing"),
      (n) => n >= firingSoFar + 3,
      30_000,
    );
    await alertmanager.postAlerts([{ ...alert, endsAt: new Date().toISOString() }]);
    await waitFor(
      "the resolved notification",
      () => received("resolved"),
      (n) => n >= 1,
      30_000,
    );

    const all = await decisionsFor((d) => d.node === "w1");
    expect(all.map((d) => `${d.decision}/${d.reason}`)).toEqual([
      "acted/alert-firing",
      "suppressed/min-firing",
    ]);
    expect(await failoverCommits(repo)).toHaveLength(before.length + 1);
    const event = await waitFor(
      "the Event on w1",
      () => eventsAbout(cp, "default", "w1"),
      (es) => es.some((e) => e.reason === "AutomationActed"),
      10_000,
    );
    expect(event.find((e) => e.reason === "AutomationActed")?.note).toMatch(
      /^alertmanager acted \(alert-firing\)/,
    );
    expect(
      await metricValue(
        server.url,
        'failover_automation_decisions_total{trigger="alertmanager",decision="acted",reason="alert-firing"}',
      ),
    ).toBe(1);
    // Alertmanager saw only successful deliveries.
    const am = await fetch(`${alertmanager.url}/metrics`).then((r) => r.text());
    expect(am).toMatch(/alertmanager_notifications_total\{integration="webhook"[^}]*\} [1-9]/);
    expect(am).toMatch(/alertmanager_notifications_failed_total\{integration="webhook"[^}]*\} 0/);
    const deliveries = /alertmanager_notifications_total\{integration="webhook"[^}]*\} (\d+)/.exec(am)?.[1];
    console.log(
      `[automation] Alertmanager: ${deliveries} webhook deliveries, ${await received("firing")} firing and ` +
        `${await received("resolved")} resolved alerts taken in; ${all.length} decisions, 1 commit`,
    );
  });

  it("a promote rule acts on the first delivery once the alert has fired for minFiring", async () => {
    const before = await failoverCommits(repo);
    await alertmanager.postAlerts([
      {
        labels: { alertname: "AppDown", service: "svc-02" },
        startsAt: new Date(Date.now() - 60_000).toISOString(),
      },
    ]);
    const acted = await waitFor(
      "the promote of svc-02",
      () => decisionsFor((d) => d.service === "svc-02"),
      (ds) => ds.some((d) => d.decision === "acted"),
      30_000,
    );
    expect(acted.map((d) => d.reason)).toEqual(["alert-firing"]);
    const [commit] = await failoverCommits(repo);
    expect(commit).toMatchObject({
      subject: "failover(svc-02): promote to backup on w2",
      actor: "alertmanager",
      services: ["svc-02"],
    });
    expect(await failoverCommits(repo)).toHaveLength(before.length + 1);
    const events = await waitFor(
      "the Event on the Deployment",
      () => eventsAbout(cp, "apps", "svc-02"),
      (es) => es.some((e) => e.reason === "AutomationActed"),
      10_000,
    );
    expect(events[0]?.regarding).toMatchObject({ kind: "Deployment", namespace: "apps" });
  });
});
