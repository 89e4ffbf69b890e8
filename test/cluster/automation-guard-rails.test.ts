// SPEC §10's guard rails on the real kube-apiserver, with the node watcher as the trigger: each
// one suppresses with its reason in GET /api/automation, in failover_automation_decisions_total
// and in a Kubernetes Event; a stale backup is never forced; a dry run commits nothing. Nodes'
// readiness is written through the status subresource (no kubelet), so each case is immediate.
// The server runs as the deploy/base ServiceAccount and holds the Lease in its namespace.
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RunningServer, startServer } from "../../src/server/start-server.js";
import { generatedHomelabFiles } from "../support/generated-homelab.js";
import { startSshGitServer, type SshGitServer } from "../support/ssh-git-server.js";
import { waitFor } from "../story/wait-for.js";
import {
  applyServiceObjects,
  automationOf,
  backupSyncedAt,
  eventsAbout,
  failoverCommits,
  metricValue,
  writeAutomationConfig,
  type AutomationConfigOptions,
  type Decision,
} from "./automation-fixtures.js";
import { apply, applyRbac, namespace, node, setNodeReady } from "./cluster-fixtures.js";
import { startControlPlane, type ControlPlane } from "./control-plane.js";

const services = [
  { name: "svc-00", primaryNode: "w1", backupNode: "w2" },
  { name: "svc-01", primaryNode: "w3", backupNode: "w2" },
  { name: "svc-02", primaryNode: "w4", backupNode: "w2" },
];
const minutesAgo = (m: number) => new Date(Date.now() - m * 60_000);

describe("automation guard rails (node watcher, real kube-apiserver)", () => {
  let cp: ControlPlane;
  let ssh: SshGitServer;
  let server: RunningServer;
  let repo: string;
  let configPath: string;
  let base: Omit<AutomationConfigOptions, "automation">;
  const logs: string[] = [];

  const automation = (extra: Record<string, unknown> = {}) => ({
    enabled: true,
    nodeWatcher: { notReadyFor: "2s" },
    cooldown: "30m",
    ...extra,
  });
  /** Rewrites the config file and waits until the server has reloaded it. */
  const reconfigure = async (settings: Record<string, unknown>) => {
    const before = logs.filter((l) => l.includes('"Configuration reloaded"')).length;
    await writeAutomationConfig(configPath, { ...base, automation: settings });
    await waitFor(
      "the server to reload its configuration",
      () => Promise.resolve(logs.filter((l) => l.includes('"Configuration reloaded"')).length),
      (n) => n > before,
      15_000,
    );
  };
  // Ready=False since now: with notReadyFor 2s, two nodes marked one after the other are both
  // down before either is decided.
  const down = (name: string) => setNodeReady(cp, name, false, new Date());
  const up = (name: string) => setNodeReady(cp, name, true);
  const decision = (description: string, match: (d: Decision) => boolean) =>
    waitFor(
      description,
      async () => (await automationOf(server.url)).decisions,
      (ds) => ds.some(match),
      20_000,
    ).then((ds) => ds.find(match)!);
  const series = (trigger: string, kind: string, reason: string) =>
    `failover_automation_decisions_total{trigger="${trigger}",decision="${kind}",reason="${reason}"}`;
  const eventWith = (ns: string, name: string, reason: string, text: string) =>
    waitFor(
      `an Event ${reason} about ${name} mentioning "${text}"`,
      () => eventsAbout(cp, ns, name),
      (es) => es.some((e) => e.reason === reason && e.note.includes(text)),
      15_000,
    ).then((es) => es.find((e) => e.reason === reason && e.note.includes(text))!);
  const commits = () => failoverCommits(repo);

  beforeAll(async () => {
    [cp, ssh] = await Promise.all([startControlPlane(), startSshGitServer()]);
    await ssh.createBareRepo("homelab", generatedHomelabFiles(3));
    repo = ssh.repoPath("homelab");
    const saKubeconfig = await applyRbac(cp, "failover-system");
    await namespace(cp, "apps");
    await namespace(cp, "flux-system");
    await apply(cp, node("w1"), node("w2"), node("w3"), node("w4"));
    for (const n of ["w1", "w2", "w3", "w4"]) await up(n);
    await applyServiceObjects(
      cp,
      ssh.url("homelab"),
      services.map((s) => s.name),
    );
    for (const s of services) await backupSyncedAt(cp, s.name, minutesAgo(10));

    const dir = await mkdtemp(join(tmpdir(), "failover-guard-rails-"));
    configPath = join(dir, "config.yaml");
    base = {
      url: ssh.url("homelab"),
      sshKeyFile: ssh.clientKeyFile,
      knownHostsFile: ssh.knownHostsFile,
      dataDir: join(dir, "data"),
      services,
    };
    await writeAutomationConfig(configPath, { ...base, automation: automation({ dryRun: true }) });
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
  }, 120_000);

  afterAll(async () => {
    await server?.close();
    await Promise.all([cp?.stop(), ssh?.stop()]);
  });

  it("dry run: decides and records would-act, commits nothing", async () => {
    const before = await commits();
    await down("w1");
    const d = await decision("a would-act for w1", (x) => x.node === "w1" && x.decision === "would-act");
    expect(d).toMatchObject({
      trigger: "node-watcher",
      reason: "node-not-ready",
      operation: { id: null, action: "evacuate", services: ["svc-00"], commit: null, error: null },
    });
    expect(d.detail).toMatch(/dry run, nothing committed$/);
    const event = await eventWith("default", "w1", "AutomationWouldAct", "would-act (node-not-ready)");
    expect(event).toMatchObject({
      type: "Normal",
      action: "Evacuate",
      regarding: { kind: "Node", name: "w1" },
      reportingController: "failover-api.io/automation",
    });
    expect(await metricValue(server.url, series("node-watcher", "would-act", "node-not-ready"))).toBe(1);
    // The episode is decided once; later ticks add nothing and commit nothing.
    await new Promise((r) => setTimeout(r, 2500));
    const all = (await automationOf(server.url)).decisions.filter((x) => x.node === "w1");
    expect(all).toHaveLength(1);
    expect(await commits()).toEqual(before);
    await up("w1");
  });

  it("more nodes NotReady than maxNodesDown: suppressed; one node alone: acted", async () => {
    await reconfigure(automation());
    expect((await automationOf(server.url)).dryRun).toBe(false);
    const before = await commits();
    await down("w3");
    await down("w1");
    const d = await decision(
      "too-many-nodes-down for w1",
      (x) => x.node === "w1" && x.reason === "too-many-nodes-down",
    );
    expect(d).toMatchObject({ decision: "suppressed", operation: null });
    expect(d.detail).toMatch(/2 nodes are NotReady \(w1, w3\), more than maxNodesDown 1/);
    const event = await eventWith("default", "w1", "AutomationSuppressed", "too-many-nodes-down");
    expect(event.type).toBe("Warning");
    expect(await metricValue(server.url, series("node-watcher", "suppressed", "too-many-nodes-down"))).toBe(
      2,
    );
    expect(await commits()).toEqual(before);

    await up("w3");
    const acted = await decision("w1 evacuated", (x) => x.node === "w1" && x.decision === "acted");
    const [head] = await commits();
    expect(head).toMatchObject({
      subject: "failover: evacuate w1 (1 services)",
      actor: "node-watcher",
      services: ["svc-00"],
    });
    expect(acted.operation).toMatchObject({
      action: "evacuate",
      services: ["svc-00"],
      commit: head!.sha,
      error: null,
    });
    expect((await commits()).length).toBe(before.length + 1);
    await eventWith("default", "w1", "AutomationActed", head!.sha.slice(0, 12));
    await up("w1");
  });

  it("a stale backup suppresses, and is never forced", async () => {
    await backupSyncedAt(cp, "svc-01", new Date(Date.now() - 3 * 3600_000));
    const before = await commits();
    await down("w3");
    const d = await decision("backup-stale for w3", (x) => x.node === "w3" && x.reason === "backup-stale");
    expect(d.decision).toBe("suppressed");
    expect(d.detail).toMatch(/svc-01: backup is stale, never forced: .*older than maxReplicationAge 2h/);
    const perService = await decision(
      "backup-stale for svc-01",
      (x) => x.service === "svc-01" && x.reason === "backup-stale",
    );
    expect(perService.trigger).toBe("node-watcher");
    const event = await eventWith("apps", "svc-01", "AutomationSuppressed", "backup-stale");
    expect(event.regarding).toMatchObject({ kind: "Deployment", name: "svc-01", namespace: "apps" });
    expect(
      await metricValue(server.url, series("node-watcher", "suppressed", "backup-stale")),
    ).toBeGreaterThanOrEqual(2);
    await new Promise((r) => setTimeout(r, 2500));
    expect(await commits()).toEqual(before);
    expect(before.some((c) => c.services.includes("svc-01"))).toBe(false);
    await up("w3");
  });

  it("cooldown after any operation on the service suppresses", async () => {
    await backupSyncedAt(cp, "svc-01", minutesAgo(10));
    // A person switches svc-01 over and back (the demote forced: nothing was replicated back).
    const promote = await fetch(`${server.url}/api/failover/svc-01/promote?reason=test`, { method: "POST" });
    expect(promote.status).toBe(200);
    const demote = await fetch(`${server.url}/api/failover/svc-01/demote?reason=test&force=true`, {
      method: "POST",
    });
    expect(demote.status).toBe(200);
    const before = await commits();
    await down("w3");
    const d = await decision("cooldown for w3", (x) => x.node === "w3" && x.reason === "cooldown");
    expect(d.detail).toMatch(
      /svc-01: last operation \d+s ago \(demote by anonymous at .*\); cooldown 30m until/,
    );
    await eventWith("apps", "svc-01", "AutomationSuppressed", "cooldown");
    expect(
      await metricValue(server.url, series("node-watcher", "suppressed", "cooldown")),
    ).toBeGreaterThanOrEqual(1);
    expect(await commits()).toEqual(before);
    await up("w3");
  });

  it("maxActionsPerHour counts the automatic operations in Git, and suppresses", async () => {
    await reconfigure(automation({ cooldown: "1s", maxActionsPerHour: 1 }));
    const before = await commits();
    await down("w3");
    const d = await decision("rate-limit for w3", (x) => x.node === "w3" && x.reason === "rate-limit");
    expect(d.detail).toMatch(/1 automatic operation in the last hour, maxActionsPerHour is 1/);
    await eventWith("default", "w3", "AutomationSuppressed", "rate-limit");
    expect(
      await metricValue(server.url, series("node-watcher", "suppressed", "rate-limit")),
    ).toBeGreaterThanOrEqual(1);
    expect(await commits()).toEqual(before);
    await up("w3");
  });

  it("requireOutOfServiceTaint waits for the fencing taint, then acts", async () => {
    await reconfigure(
      automation({ cooldown: "1s", nodeWatcher: { notReadyFor: "2s", requireOutOfServiceTaint: true } }),
    );
    const before = await commits();
    await down("w3");
    const waiting = await decision(
      "awaiting the taint for w3",
      (x) => x.node === "w3" && x.reason === "awaiting-out-of-service-taint",
    );
    expect(waiting.detail).toContain("node.kubernetes.io/out-of-service");
    expect(await commits()).toEqual(before);
    await cp.kubectl("taint", "nodes", "w3", "node.kubernetes.io/out-of-service=nodeshutdown:NoExecute");
    const acted = await decision("w3 evacuated", (x) => x.node === "w3" && x.decision === "acted");
    const [head] = await commits();
    expect(head).toMatchObject({
      actor: "node-watcher",
      services: ["svc-01"],
      subject: "failover: evacuate w3 (1 services)",
    });
    expect(acted.operation?.commit).toBe(head!.sha);
    expect((await commits()).length).toBe(before.length + 1);
    // Newest first, at most 200.
    const all = (await automationOf(server.url)).decisions;
    expect(all[0]).toEqual(acted);
    expect([...all].sort((a, b) => b.at.localeCompare(a.at))).toEqual(all);
    // One JSON log line per decision.
    const lines = logs
      .filter((l) => l.includes('"msg":"Automation decision"'))
      .map((l) => JSON.parse(l) as Decision);
    expect(lines.length).toBe(all.length);
    await up("w3");
  });

  it("losing the Lease stops new actions at once; holding it again, the decision is taken once", async () => {
    await reconfigure(automation({ cooldown: "1s" }));
    const lease = ["lease", "failover-api", "-n", "failover-system"];
    // Someone else holds the Lease now (as a replica that took it over would).
    await cp.kubectl(
      "patch",
      ...lease,
      "--type=merge",
      "-p",
      JSON.stringify({
        spec: {
          holderIdentity: "intruder_0000",
          // A MicroTime: six fractional digits.
          renewTime: new Date().toISOString().replace("Z", "000Z"),
        },
      }),
    );
    await waitFor(
      "the server to let go",
      () => automationOf(server.url),
      (a) => !a.leader,
      10_000,
    );
    const before = await commits();
    const decisions = (await automationOf(server.url)).decisions.length;
    await down("w4");
    await new Promise((r) => setTimeout(r, 4000));
    expect(await commits()).toEqual(before);
    expect((await automationOf(server.url)).decisions).toHaveLength(decisions);
    // The intruder is gone: the server takes the Lease again and decides w4, once.
    await cp.kubectl("delete", ...lease);
    await waitFor(
      "the server to lead again",
      () => automationOf(server.url),
      (a) => a.leader,
      15_000,
    );
    const acted = await decision("w4 evacuated", (x) => x.node === "w4" && x.decision === "acted");
    const [head] = await commits();
    expect(head).toMatchObject({ actor: "node-watcher", services: ["svc-02"] });
    expect(acted.operation?.commit).toBe(head!.sha);
    expect((await commits()).length).toBe(before.length + 1);
  });
});
