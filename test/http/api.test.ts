/* eslint-disable @typescript-eslint/no-explicit-any, @typescript-eslint/no-unsafe-call -- response bodies are checked against the OpenAPI schemas, then probed */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Validator } from "@seriousme/openapi-schema-validator";
import { createHomelabRemote } from "../support/homelab-remote.js";
import { startApiServer, type ApiServer } from "../support/api-server.js";
import { responseValidator } from "../support/openapi-validator.js";
import { startSshGitServer, type SshGitServer } from "../support/ssh-git-server.js";
import { git } from "../support/test-git.js";

describe("HTTP API over a real SSH remote", () => {
  let ssh: SshGitServer;
  let api: ApiServer;
  let expectValid: ReturnType<typeof responseValidator>;
  const remoteHead = () => git(["rev-parse", "main"], ssh.repoPath("api"));

  async function call(method: string, path: string, init: RequestInit = {}) {
    const url = `${api.base}${path}`;
    const response = await fetch(url, { method, ...init });
    const body = await expectValid(method, url, response);
    return { response, body: body as any };
  }
  const post = (path: string, json?: unknown, headers: Record<string, string> = {}) =>
    call("POST", path, {
      headers: json === undefined ? headers : { "content-type": "application/json", ...headers },
      body: json === undefined ? undefined : JSON.stringify(json),
    });

  function expectProblem(response: Response, body: any, status: number) {
    expect(response.status).toBe(status);
    expect(response.headers.get("content-type")).toContain("application/problem+json");
    expect(body).toMatchObject({ status, type: expect.any(String), title: expect.any(String) });
    expect(body.requestId).toBe(response.headers.get("x-request-id"));
  }

  beforeAll(async () => {
    ssh = await startSshGitServer();
    const url = await createHomelabRemote(ssh, "api");
    api = await startApiServer(ssh, url);
    const doc: any = await (await fetch(`${api.base}/api/openapi.json`)).json();
    expectValid = responseValidator(doc);
  });
  afterAll(async () => {
    await api.close();
    await ssh.stop();
  });

  it("serves an OpenAPI 3.1 document that a real validator accepts, without the later routes", async () => {
    const doc: any = await (await fetch(`${api.base}/api/openapi.json`)).json();
    expect(doc.openapi).toBe("3.1.0");
    const result = await new Validator().validate(doc);
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
    expect(Object.keys(doc.paths).sort()).toEqual([
      "/api/automation",
      "/api/dashboard",
      "/api/events",
      "/api/failover/{service}/demote",
      "/api/failover/{service}/history",
      "/api/failover/{service}/promote",
      "/api/failover/{service}/status",
      "/api/nodes/{node}/evacuate",
      "/api/operations",
      "/api/operations/{id}",
      "/api/operations/{id}/abort",
      "/api/services",
      "/api/webhooks/alertmanager",
      "/healthz",
      "/metrics",
      "/readyz",
    ]);
    expect((await fetch(`${api.base}/`)).headers.get("content-type")).toContain("text/html");
  });

  it("lists every service from the snapshot with the revision", async () => {
    const { response, body } = await call("GET", "/api/services");
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toContain("application/json");
    expect(body.services.length).toBeGreaterThanOrEqual(24);
    expect(body.revision).toBe(await remoteHead());
    expect(body.services.find((s: any) => s.name === "sonarr")).toMatchObject({
      role: "primary",
      activeNode: "w1",
    });
  });

  it("answers status with revision, files and no live data", async () => {
    const { response, body } = await call("GET", "/api/failover/sonarr/status");
    expect(response.status).toBe(200);
    expect(body).toMatchObject({
      name: "sonarr",
      role: "primary",
      live: null,
      replication: null,
      lastOperation: null,
    });
    expect(body.files).toEqual(["kubernetes/apps/media/sonarr/app/deployment.yaml"]);
  });

  it("plans with GET ?dry-run=true and POST ?dry-run=true, writing nothing", async () => {
    const before = await remoteHead();
    const get = await call("GET", "/api/failover/sonarr/promote?dry-run=true");
    expect(get.response.status).toBe(200);
    expect(get.body).toMatchObject({ dryRun: true, changed: true, commit: null, to: "backup" });
    expect(get.body.diff).toContain("+");
    const viaPost = await post("/api/failover/sonarr/promote?dryRun=true");
    expect(viaPost.body).toMatchObject({ dryRun: true, commit: null });
    const viaBody = await post("/api/failover/sonarr/promote", { dryRun: true, reason: "x" });
    expect(viaBody.body).toMatchObject({ dryRun: true, commit: null });
    expect(await remoteHead()).toBe(before);
  });

  it("answers 405 with Allow: POST for GET promote without dry-run, and for wrong methods", async () => {
    const get = await call("GET", "/api/failover/sonarr/promote");
    expectProblem(get.response, get.body, 405);
    expect(get.response.headers.get("allow")).toBe("POST");
    const del = await fetch(`${api.base}/api/services`, { method: "DELETE" });
    expect(del.status).toBe(405);
    expect(del.headers.get("allow")).toBe("GET");
    expect(del.headers.get("content-type")).toContain("application/problem+json");
    const getDemote = await fetch(`${api.base}/api/failover/sonarr/demote`);
    expect(getDemote.status).toBe(405);
  });

  it("promotes with one commit, then a second promote is a no-op", async () => {
    const first = await post(
      "/api/failover/sonarr/promote",
      { reason: "w1 died" },
      {
        "x-request-id": "11111111-2222-4333-8444-555555555555",
      },
    );
    expect(first.response.status).toBe(200);
    expect(first.response.headers.get("x-request-id")).toBe("11111111-2222-4333-8444-555555555555");
    expect(first.body).toMatchObject({ changed: true, dryRun: false, from: "primary", to: "backup" });
    expect(first.body.commit).toBe(await remoteHead());
    const message = await git(["log", "-1", "--format=%B", "main"], ssh.repoPath("api"));
    expect(message).toContain("Failover-Actor: anonymous");
    expect(message).toContain("Failover-Request-Id: 11111111-2222-4333-8444-555555555555");
    const second = await post("/api/failover/sonarr/promote");
    expect(second.response.status).toBe(200);
    expect(second.body).toMatchObject({ changed: false, commit: null });
    expect(await remoteHead()).toBe(first.body.commit);

    const status = await call("GET", "/api/failover/sonarr/status");
    expect(status.body).toMatchObject({ role: "backup", activeNode: "w2" });
    expect(status.body.lastOperation).toMatchObject({
      commit: first.body.commit,
      action: "promote",
      progress: null,
    });

    const history = await call("GET", "/api/failover/sonarr/history?limit=5");
    expect(history.body.name).toBe("sonarr");
    expect(history.body.operations[0]).toMatchObject({
      commit: first.body.commit,
      reason: "w1 died",
      actor: "anonymous",
    });

    const demote = await post("/api/failover/sonarr/demote");
    expect(demote.body).toMatchObject({ changed: true, to: "primary" });
  });

  it("answers 400 naming the parameter, the body key or malformed JSON", async () => {
    const badName = await call("GET", "/api/failover/Not_A_Name/status");
    expectProblem(badName.response, badName.body, 400);
    expect(badName.body.errors[0]).toMatch(/^service: /);
    const badLimit = await call("GET", "/api/failover/sonarr/history?limit=500");
    expectProblem(badLimit.response, badLimit.body, 400);
    expect(badLimit.body.errors[0]).toMatch(/^limit: /);
    const badFlag = await post("/api/failover/sonarr/promote?force=yes");
    expectProblem(badFlag.response, badFlag.body, 400);
    expect(badFlag.body.errors[0]).toMatch(/^force: /);
    const unknownKey = await post("/api/failover/sonarr/promote", { dryRun: true, bogus: 1 });
    expectProblem(unknownKey.response, unknownKey.body, 400);
    expect(unknownKey.body.errors[0]).toMatch(/^body: .*bogus/);
    const malformed = await call("POST", "/api/failover/sonarr/promote", {
      headers: { "content-type": "application/json" },
      body: "{nope",
    });
    expectProblem(malformed.response, malformed.body, 400);
    const badNode = await post("/api/nodes/BAD_NODE/evacuate");
    expectProblem(badNode.response, badNode.body, 400);
    expect(badNode.body.errors[0]).toMatch(/^node: /);
  });

  it("answers 404 for unknown services and nodes", async () => {
    for (const [method, path] of [
      ["GET", "/api/failover/nope/status"],
      ["GET", "/api/failover/nope/history"],
      ["POST", "/api/failover/nope/promote"],
      ["POST", "/api/nodes/w9/evacuate"],
    ] as const) {
      const { response, body } = await call(method, path);
      expectProblem(response, body, 404);
      expect(body.code).toMatch(/NOT_FOUND$/);
    }
  });

  it("answers 409 with checks unless forced", async () => {
    const refused = await post("/api/failover/uptime-kuma/promote");
    expectProblem(refused.response, refused.body, 409);
    expect(refused.body.code).toBe("PREFLIGHT_FAILED");
    expect(refused.body.checks.find((c: any) => c.name === "flux-applies").status).toBe("fail");
    const forced = await post("/api/failover/uptime-kuma/promote?force=true&dry-run=true");
    expect(forced.response.status).toBe(200);
    expect(forced.body.forced).toBe(true);
    const overseerr = await post("/api/failover/overseerr/demote?dry-run=true");
    expect([200, 409]).toContain(overseerr.response.status);
  });

  it("answers 422 with checks naming the file for refused services", async () => {
    for (const name of ["readarr", "postgres"]) {
      const { response, body } = await post(`/api/failover/${name}/promote?dry-run=true`);
      expectProblem(response, body, 422);
      expect(body.code).toBe("MANIFEST_UNSUPPORTED");
      const config = body.checks.find((c: any) => c.name === "config");
      expect(config.status).toBe("fail");
      expect(config.detail).toMatch(/\.ya?ml/);
    }
  });

  it("answers 413 over 64 KiB and 415 for a non-JSON body", async () => {
    const big = await post("/api/failover/sonarr/promote", { reason: "x".repeat(70 * 1024) });
    expectProblem(big.response, big.body, 413);
    const text = await call("POST", "/api/failover/sonarr/promote", {
      headers: { "content-type": "text/plain" },
      body: "promote please",
    });
    expectProblem(text.response, text.body, 415);
  });

  it("evacuates a node in one commit", async () => {
    const before = await remoteHead();
    const dry = await post("/api/nodes/w1/evacuate?dry-run=true");
    expect(dry.response.status).toBe(200);
    expect(await remoteHead()).toBe(before);
    const { response, body } = await post("/api/nodes/w1/evacuate?reason=maintenance");
    expect(response.status).toBe(200);
    expect(body.services.length).toBeGreaterThan(1);
    expect(body.skipped.length).toBeGreaterThan(0);
    expect(body.commit).toBe(await remoteHead());
    expect(await git(["rev-list", "--count", `${before}..main`], ssh.repoPath("api"))).toBe("1");
  });

  it("serves healthz, readyz and metrics", async () => {
    const health = await call("GET", "/healthz");
    expect(health.body).toEqual({ status: "ok" });
    const ready = await call("GET", "/readyz");
    expect(ready.response.status).toBe(200);
    api.readiness = { ...api.readiness, gitReachable: false, reason: "fetch failed" };
    const notReady = await call("GET", "/readyz");
    expect(notReady.response.status).toBe(503);
    api.readiness = { ...api.readiness, gitReachable: true, reason: null };
    const metrics = await call("GET", "/metrics");
    const text = metrics.body as string;
    expect(text).toContain('failover_operations_total{service="sonarr",action="promote",result="success"}');
    expect(text).toMatch(/failover_service_role\{service="sonarr",role="backup"\} 1\n/);
    expect(text).toContain('failover_git_push_attempts_total{result="pushed"}');
    for (const name of [
      "failover_operation_duration_seconds",
      "failover_replication_age_seconds",
      "failover_config_reloads_total",
      "failover_alerts_received_total",
      "failover_time_to_running_seconds",
    ]) {
      expect(text).toContain(`# TYPE ${name}`);
    }
  });

  it("answers 503 retryable when the Git remote is unreachable", async () => {
    await ssh.pause();
    try {
      const { response, body } = await post("/api/failover/sonarr/promote");
      expectProblem(response, body, 503);
      expect(body).toMatchObject({ code: "GIT_UNREACHABLE", retryable: true });
    } finally {
      await ssh.resume();
    }
  });

  it("enforces tokens: 401 missing or invalid, 403 viewer, operator acts under its name", async () => {
    const operator = "operator-token-0123456789";
    const viewer = "viewer-token-0123456789";
    api.tokens = [
      { name: "ops", role: "operator", token: operator },
      { name: "grafana", role: "viewer", token: viewer },
    ];
    const original = api.config;
    api.config = { ...original, auth: { ...original.auth, mode: "token", readRequiresToken: false } };
    try {
      expect((await call("GET", "/api/services")).response.status).toBe(200);
      const missing = await post("/api/failover/sonarr/promote?dry-run=true");
      expectProblem(missing.response, missing.body, 401);
      const invalid = await post("/api/failover/sonarr/promote?dry-run=true", undefined, {
        authorization: "Bearer wrong",
      });
      expectProblem(invalid.response, invalid.body, 401);
      const low = await post("/api/failover/sonarr/promote?dry-run=true", undefined, {
        authorization: `Bearer ${viewer}`,
      });
      expectProblem(low.response, low.body, 403);
      const good = await post("/api/failover/radarr/demote?force=true", undefined, {
        authorization: `Bearer ${operator}`,
      });
      expect(good.response.status).toBe(200);
      const message = await git(["log", "-1", "--format=%B", "main"], ssh.repoPath("api"));
      expect(message).toContain("Failover-Actor: ops");

      api.config = { ...original, auth: { ...original.auth, mode: "token", readRequiresToken: true } };
      const anonymousRead = await call("GET", "/api/services");
      expectProblem(anonymousRead.response, anonymousRead.body, 401);
      const viewerRead = await call("GET", "/api/services", {
        headers: { authorization: `Bearer ${viewer}` },
      });
      expect(viewerRead.response.status).toBe(200);
      expect((await fetch(`${api.base}/api/openapi.json`)).status).toBe(200);
    } finally {
      api.config = original;
    }
  });
});
