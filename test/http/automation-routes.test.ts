// The Alertmanager webhook's edges and GET /api/automation, through app.request: payload
// validation naming the field, the automation token role (this route only), answers at once,
// dedupe counts, automation off, not the leader. The decisions themselves are tested on the
// real control plane (test/cluster/automation-*.test.ts).
import { describe, expect, it } from "vitest";
import type { ApiToken } from "../../src/auth/tokens-file.js";
import { AutomationEngine, type LeaderView } from "../../src/automation/automation-engine.js";
import { AutomationService } from "../../src/automation/automation-service.js";
import { DecisionJournal } from "../../src/automation/decision-journal.js";
import { DecisionLog } from "../../src/automation/decision-log.js";
import type { DecisionRecord } from "../../src/automation/decision-types.js";
import type { AppConfig } from "../../src/config/app-config.js";
import { EventHub } from "../../src/events/event-hub.js";
import { prepareGitCredentials } from "../../src/git/git-credentials.js";
import { WorkingClone } from "../../src/git/working-clone.js";
import { createApp } from "../../src/http/create-app.js";
import { silentLogger } from "../../src/log/json-logger.js";
import { createMetrics } from "../../src/metrics/failover-metrics.js";
import { FailoverOperations } from "../../src/operations/failover-operations.js";
import { OperationReader } from "../../src/operations/operation-reader.js";
import { PlannedMoves } from "../../src/operations/planned-moves.js";
import { homelabConfig } from "../support/homelab.js";

const tokens: ApiToken[] = [
  { name: "ops", role: "operator", token: "operator-token-0123456789" },
  { name: "grafana", role: "viewer", token: "viewer-token-0123456789" },
  { name: "alertmanager", role: "automation", token: "automation-token-0123456789" },
];
const bearer = (name: string) => ({
  authorization: `Bearer ${tokens.find((t) => t.name === name)?.token ?? "nope-nope-nope-nope"}`,
});

/** What Alertmanager v0.31 sends (notify/webhook Message, version "4"). */
function payload(overrides: Record<string, unknown> = {}, alert: Record<string, unknown> = {}) {
  return {
    receiver: "failover-api",
    status: "firing",
    alerts: [
      {
        status: "firing",
        labels: { alertname: "KubeNodeNotReady", node: "w1", severity: "warning" },
        annotations: { summary: "w1 is not ready" },
        startsAt: "2026-03-01T03:00:00.123456789Z",
        endsAt: "0001-01-01T00:00:00Z",
        generatorURL: "http://prometheus.local/graph",
        fingerprint: "5f6a3c2b1d0e9f87",
        ...alert,
      },
    ],
    groupLabels: { alertname: "KubeNodeNotReady" },
    commonLabels: { alertname: "KubeNodeNotReady", node: "w1" },
    commonAnnotations: {},
    externalURL: "http://alertmanager.local",
    version: "4",
    groupKey: '{}:{alertname="KubeNodeNotReady"}',
    truncatedAlerts: 0,
    ...overrides,
  };
}

async function world(options: { enabled?: boolean; leader?: boolean; authMode?: "token" | "none" } = {}) {
  const base = homelabConfig();
  const config: AppConfig = {
    ...base,
    auth: { ...base.auth, mode: options.authMode ?? "token" },
    automation: {
      ...base.automation,
      enabled: options.enabled ?? true,
      alertmanager: {
        enabled: true,
        minFiringSeconds: 120,
        rules: [{ alertname: "KubeNodeNotReady", action: "evacuate", nodeLabel: "node" }],
      },
    },
  };
  const metrics = createMetrics();
  const events = new EventHub();
  // Real objects; nothing here touches Git (the engine decides nothing without live facts).
  const credentials = await prepareGitCredentials({ url: "file:///nonexistent/repo.git" });
  const clone = new WorkingClone({
    url: "file:///nonexistent/repo.git",
    branch: "main",
    dataDir: "/nonexistent",
    credentials,
    author: config.git.author,
  });
  const operations = new FailoverOperations({ repo: clone, config: () => config, logger: silentLogger });
  const leader: LeaderView = {
    isLeader: options.leader ?? true,
    holder: options.leader === false ? "failover-api-7d9f_a1b2" : "failover-api-5c4e_c3d4",
    onChange: () => () => undefined,
  };
  const log = new DecisionLog();
  const journal = new DecisionJournal({
    log,
    logger: silentLogger,
    count: (labels) => metrics.automationDecisions.inc(labels),
    events: null,
    services: () => config.services,
  });
  // No cluster: planned moves are refused; these routes never start one.
  const planned = new PlannedMoves({
    operations,
    reader: new OperationReader({
      repo: clone,
      config: () => config,
      live: () => null,
      now: () => new Date(),
    }),
    config: () => config,
    live: () => null,
    leader: () => null,
    logger: silentLogger,
    now: () => new Date(),
  });
  const engine = new AutomationEngine({
    config: () => config,
    operations,
    planned,
    view: () => null,
    leader,
    journal,
    logger: silentLogger,
  });
  const automation = new AutomationService({
    settings: () => config.automation,
    log,
    engine,
    leader,
    countAlert: (status) => metrics.alertsReceived.inc({ status }),
  });
  const app = createApp({
    operations,
    config: () => config,
    tokens: () => tokens,
    logger: silentLogger,
    metrics: metrics.registry,
    readiness: () => ({ configLoaded: true, gitReachable: true, lastFetchAt: null, reason: null }),
    status: () => {
      throw new Error("not used");
    },
    events,
    planned,
    automation,
  });
  const post = (body: unknown, headers: Record<string, string> = bearer("alertmanager"), query = "") =>
    app.request(`/api/webhooks/alertmanager${query}`, {
      method: "POST",
      headers: { "content-type": "application/json", ...headers },
      body: typeof body === "string" ? body : JSON.stringify(body),
    });
  const close = async () => {
    events.close();
    await engine.stop();
    await credentials.dispose();
  };
  return { app, post, metrics, log, close };
}

async function problemOf(response: Response) {
  expect(response.headers.get("content-type")).toContain("application/problem+json");
  return (await response.json()) as {
    status: number;
    code: string;
    errors?: string[];
    retryable: boolean;
    detail: string;
  };
}

describe("POST /api/webhooks/alertmanager", () => {
  it("takes a version 4 payload at once and counts what it will decide", async () => {
    const { post, metrics, close } = await world();
    const response = await post(payload());
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({
      status: "accepted",
      alerts: 1,
      firing: 1,
      resolved: 0,
      pending: 1,
      duplicates: 0,
      unmatched: 0,
      reason: null,
    });
    const again = await post(payload());
    expect(await again.json()).toMatchObject({ pending: 0, duplicates: 1 });
    const resolved = await post(payload({ status: "resolved" }, { status: "resolved" }));
    expect(await resolved.json()).toMatchObject({ firing: 0, resolved: 1, pending: 0 });
    const text = await metrics.registry.metrics();
    expect(text).toMatch(/failover_alerts_received_total\{status="firing"\} 2/);
    expect(text).toMatch(/failover_alerts_received_total\{status="resolved"\} 1/);
    await close();
  });

  it("accepts fields newer Alertmanagers add to version 4, and alerts no rule names", async () => {
    const { post, close } = await world();
    const response = await post(
      payload(
        { notification_reason: "new_alerts", routeLabels: { team: "ops" } },
        { labels: { alertname: "Watchdog" } },
      ),
    );
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ status: "accepted", pending: 0, unmatched: 1 });
    await close();
  });

  it.each([
    [
      payload({ version: "3" }),
      'body.version: must be "4" (the Alertmanager webhook format this server reads)',
    ],
    [payload({ status: "pending" }), "body.status: "],
    [{ ...payload(), alerts: undefined }, "body.alerts: "],
    [payload({}, { startsAt: "yesterday" }), "body.alerts.0.startsAt: must be an RFC 3339 time"],
    [payload({}, { fingerprint: "" }), "body.alerts.0.fingerprint: must not be empty"],
    [payload({}, { labels: { node: 1 } }), "body.alerts.0.labels.node: "],
    [payload({}, { status: "active" }), "body.alerts.0.status: "],
  ])("answers 400 naming the field (%#)", async (body, error) => {
    const { post, close } = await world();
    const response = await post(body);
    expect(response.status).toBe(400);
    const problem = await problemOf(response);
    expect(problem.errors?.[0]?.startsWith(error), JSON.stringify(problem.errors)).toBe(true);
    await close();
  });

  it("answers 400 for malformed JSON and unknown query parameters, 415 for another content type", async () => {
    const { app, post, close } = await world();
    expect((await post("{nope")).status).toBe(400);
    const query = await post(payload(), bearer("alertmanager"), "?dryrun=true");
    expect(query.status).toBe(400);
    expect((await problemOf(query)).errors?.[0]).toMatch(/dryrun/);
    const text = await app.request("/api/webhooks/alertmanager", {
      method: "POST",
      headers: { "content-type": "text/plain", ...bearer("alertmanager") },
      body: "hello",
    });
    expect(text.status).toBe(415);
    const get = await app.request("/api/webhooks/alertmanager", { headers: bearer("ops") });
    expect(get.status).toBe(405);
    expect(get.headers.get("allow")).toBe("POST");
    await close();
  });

  it("needs an automation or operator token; an automation token works on this route only", async () => {
    const { app, post, close } = await world();
    expect((await post(payload(), {})).status).toBe(401);
    expect((await post(payload(), bearer("unknown"))).status).toBe(401);
    const viewer = await post(payload(), bearer("grafana"));
    expect(viewer.status).toBe(403);
    expect((await problemOf(viewer)).detail).toBe(
      'token "grafana" has role viewer; operator or automation is required',
    );
    expect((await post(payload(), bearer("ops"))).status).toBe(200);
    expect((await post(payload({}, { fingerprint: "other" }), bearer("alertmanager"))).status).toBe(200);
    for (const [method, path] of [
      ["GET", "/api/automation"],
      ["GET", "/api/services"],
      ["POST", "/api/failover/sonarr/promote"],
      ["POST", "/api/nodes/w1/evacuate"],
    ] as const) {
      const response = await app.request(path, { method, headers: bearer("alertmanager") });
      expect(response.status, `${method} ${path}`).toBe(403);
      expect((await problemOf(response)).detail).toBe(
        'token "alertmanager" has role automation, which may only POST /api/webhooks/alertmanager',
      );
    }
    await close();
  });

  it("ignores alerts while automation is off, saying so", async () => {
    const { post, log, close } = await world({ enabled: false });
    const response = await post(payload());
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({
      status: "ignored",
      pending: 0,
      reason: "automation.enabled is false",
    });
    expect(log.list()).toEqual([]);
    await close();
  });

  it("answers 503 (retryable) on a replica that does not hold the Lease, so Alertmanager retries", async () => {
    const { post, close } = await world({ leader: false });
    const response = await post(payload());
    expect(response.status).toBe(503);
    const problem = await problemOf(response);
    expect(problem).toMatchObject({ code: "NOT_LEADER", retryable: true });
    expect(problem.detail).toContain("holder: failover-api-7d9f_a1b2");
    await close();
  });
});

describe("GET /api/automation", () => {
  it("lists settings, leadership and decisions newest first, and tells listeners", async () => {
    const { app, post, log, metrics, close } = await world();
    const seen: DecisionRecord[] = [];
    const unsubscribe = log.onDecision((r) => seen.push(r));
    await post(payload({}, { labels: { alertname: "KubeNodeNotReady" }, fingerprint: "nolabel" }));
    const response = await app.request("/api/automation", { headers: bearer("grafana") });
    expect(response.status).toBe(200);
    const body = (await response.json()) as Record<string, unknown>;
    expect(body).toEqual({
      enabled: true,
      dryRun: false,
      leader: true,
      holder: "failover-api-5c4e_c3d4",
      decisions: [
        {
          at: expect.any(String),
          trigger: "alertmanager",
          service: "KubeNodeNotReady",
          decision: "suppressed",
          reason: "label-missing",
          detail:
            'KubeNodeNotReady has no "node" label, which its rule (action evacuate) reads the node from',
          operation: null,
        },
      ],
    });
    expect(seen).toEqual(body.decisions);
    unsubscribe();
    expect(await metrics.registry.metrics()).toMatch(
      /failover_automation_decisions_total\{trigger="alertmanager",decision="suppressed",reason="label-missing"\} 1/,
    );
    expect((await app.request("/api/automation?limit=5")).status).toBe(400);
    await close();
  });

  it("is in the OpenAPI document with the webhook", async () => {
    const { app, close } = await world();
    const doc = (await (await app.request("/api/openapi.json")).json()) as { paths: Record<string, unknown> };
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining(["/api/automation", "/api/webhooks/alertmanager"]),
    );
    await close();
  });
});
