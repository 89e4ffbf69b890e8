import { mkdtemp, writeFile } from "node:fs/promises";
import { connect, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse, stringify } from "yaml";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startServer, type RunningServer } from "../../src/server/start-server.js";
import { createHomelabRemote } from "../support/homelab-remote.js";
import { eventually, operatorToken, serveConfigYaml, tokensYaml } from "../support/serve-config.js";
import { startSshGitServer, type SshGitServer } from "../support/ssh-git-server.js";
import { git } from "../support/test-git.js";

interface Problem {
  status: number;
  code: string;
  detail: string;
  errors?: string[];
  retryable: boolean;
}

/** Resolves with what the server sent when it closed the connection (or "" if it sent nothing). */
function closed(socket: Socket): Promise<string> {
  return new Promise((resolve) => {
    let data = "";
    socket.on("data", (chunk: Buffer) => (data += chunk.toString()));
    socket.on("error", () => undefined);
    socket.on("close", () => resolve(data));
  });
}

function open(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, "127.0.0.1", () => resolve(socket));
    socket.once("error", reject);
  });
}

describe("hostile requests against the real server", () => {
  let ssh: SshGitServer;
  let server: RunningServer;
  const auth = { authorization: `Bearer ${operatorToken}` };
  const remoteHead = () => git(["rev-parse", "main"], ssh.repoPath("hostile"));
  const post = (path: string, headers: Record<string, string> = auth) =>
    fetch(`${server.url}${path}`, { method: "POST", headers });

  beforeAll(async () => {
    ssh = await startSshGitServer();
    const url = await createHomelabRemote(ssh, "hostile");
    const dir = await mkdtemp(join(tmpdir(), "failover-hostile-"));
    const tokensFile = join(dir, "tokens.yaml");
    await writeFile(tokensFile, tokensYaml);
    const config = parse(serveConfigYaml(ssh, url, join(dir, "data"), { mode: "token", tokensFile })) as {
      git: Record<string, unknown>;
    };
    config.git.operationTimeout = "4s";
    await writeFile(join(dir, "config.yaml"), stringify(config));
    server = await startServer({
      configPath: join(dir, "config.yaml"),
      host: "127.0.0.1",
      port: 0,
      write: () => undefined,
      httpLimits: {
        headersTimeoutMs: 1500,
        requestTimeoutMs: 2500,
        maxConnections: 12,
        checkIntervalMs: 250,
      },
    });
    await eventually(
      async () => (await fetch(`${server.url}/api/services`)).status,
      (s) => s === 200,
    );
  });
  afterAll(async () => {
    ssh.thaw();
    await server.close();
    await ssh.stop();
  });

  it("HEAD answers carry X-Request-Id like GET", async () => {
    for (const path of ["/healthz", "/api/services", "/metrics", "/api/failover/nope/status", "/nowhere"]) {
      const head = await fetch(`${server.url}${path}`, { method: "HEAD" });
      expect(head.headers.get("x-request-id"), path).toMatch(/^[0-9a-f-]{36}$/);
    }
  });

  it("history's limit is strictly decimal", async () => {
    for (const limit of ["0x10", "1e1", "%2016", "", "16.0", "-1"]) {
      const response = await fetch(`${server.url}/api/failover/sonarr/history?limit=${limit}`);
      expect(response.status, limit).toBe(400);
      const problem = (await response.json()) as Problem;
      expect(problem.errors?.[0], limit).toMatch(/^limit: /);
    }
    expect((await fetch(`${server.url}/api/failover/sonarr/history?limit=16`)).status).toBe(200);
  });

  it("a 401 says whether the header was missing, of another scheme, or malformed", async () => {
    const detail = async (headers: Record<string, string>) =>
      ((await (await post("/api/failover/sonarr/promote?dry-run=true", headers)).json()) as Problem).detail;
    expect(await detail({})).toMatch(/header is required/);
    expect(await detail({ authorization: "Basic b3BzOnNlY3JldA==" })).toMatch(
      /does not use the Bearer scheme/,
    );
    expect(await detail({ authorization: "Basic b3BzOnNlY3JldA==" })).not.toContain("b3BzOnNlY3JldA");
    expect(await detail({ authorization: "Bearer two words" })).toMatch(/not a valid Bearer token/);
    expect(await detail({ authorization: "Bearer" })).toMatch(/not a valid Bearer token/);
    expect(await detail({ authorization: "Bearer not-a-known-token-at-all" })).toMatch(/token is not valid/);
  });

  it("bidirectional controls never reach the commit message", async () => {
    const reason = encodeURIComponent("disk \u202Eeid\u202C w1 \u2066x\u2069 \u200Fdone");
    const response = await post(`/api/failover/radarr/promote?reason=${reason}`);
    expect(response.status).toBe(200);
    const message = await git(["log", "-1", "--format=%B", "main"], ssh.repoPath("hostile"));
    expect(message).toContain("Failover-Reason: disk eid w1 x done");
    expect(message).not.toMatch(/[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/);
  });

  it("dry-runs are counted apart from operations", async () => {
    const metric = async (name: string, labels: string) => {
      const text = await (await fetch(`${server.url}/metrics`)).text();
      const line = text.split("\n").find((l) => l.startsWith(`${name}{${labels}}`));
      return Number(line?.split(" ")[1] ?? 0);
    };
    const labels = 'service="tautulli",action="promote",result="success"';
    const before = await metric("failover_operations_total", labels);
    expect((await post("/api/failover/tautulli/promote?dry-run=true")).status).toBe(200);
    expect(await metric("failover_operations_total", labels)).toBe(before);
    expect(await metric("failover_dry_runs_total", labels)).toBe(1);
    expect((await post("/api/failover/tautulli/promote")).status).toBe(200);
    expect(await metric("failover_operations_total", labels)).toBe(before + 1);
  });

  it("a request body trickled byte by byte is cut off; so are headers that never end", async () => {
    const slowBody = await open(server.port);
    const bodyClosed = closed(slowBody);
    slowBody.write(
      `POST /api/failover/sonarr/promote HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${operatorToken}\r\n` +
        "Content-Type: application/json\r\nContent-Length: 64\r\n\r\n{",
    );
    const drip = setInterval(() => slowBody.write(" "), 200);
    const answer = await bodyClosed;
    clearInterval(drip);
    expect(answer).toMatch(/^HTTP\/1\.1 408/);

    const slowHeaders = await open(server.port);
    const headersClosed = closed(slowHeaders);
    slowHeaders.write("GET /api/services HTTP/1.1\r\nHost: x\r\n");
    const drip2 = setInterval(() => slowHeaders.write("X-A: b\r\n"), 200);
    expect(await headersClosed).toMatch(/^HTTP\/1\.1 408/);
    clearInterval(drip2);
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
  });

  it("connections beyond the limit are refused; the server answers again once they close", async () => {
    const sockets = await Promise.all(Array.from({ length: 12 }, () => open(server.port)));
    const extra = await open(server.port);
    expect(await closed(extra)).toBe("");
    for (const s of sockets) s.destroy();
    await eventually(
      async () => (await fetch(`${server.url}/healthz`).catch(() => undefined))?.status,
      (s) => s === 200,
    );
  });

  it("a frozen remote: reads and dry-runs answer at once, operations end at their deadline", async () => {
    const head = await remoteHead();
    ssh.freeze();
    let promoteSettled = false;
    try {
      const promote = post("/api/failover/bazarr/promote").then((r) => {
        promoteSettled = true;
        return r;
      });
      const queued = post("/api/failover/lidarr/promote");
      // While the promote waits for the frozen remote, reads are not queued behind it.
      const history = await fetch(`${server.url}/api/failover/radarr/history`);
      expect(history.status).toBe(200);
      expect(((await history.json()) as { operations: unknown[] }).operations.length).toBe(1);
      expect((await fetch(`${server.url}/api/services`)).status).toBe(200);
      expect((await fetch(`${server.url}/api/failover/bazarr/status`)).status).toBe(200);
      const dry = await post("/api/failover/bazarr/promote?dry-run=true");
      expect(dry.status).toBe(200);
      expect(promoteSettled).toBe(false);

      for (const response of [await promote, await queued]) {
        expect(response.status).toBe(503);
        const problem = (await response.json()) as Problem;
        expect(problem).toMatchObject({ code: "GIT_UNREACHABLE", retryable: true });
        expect(problem.detail).toMatch(/did not finish within 4s \(git\.operationTimeout\)/);
      }
    } finally {
      ssh.thaw();
    }
    expect(await remoteHead()).toBe(head);
    const after = await post("/api/failover/bazarr/promote");
    expect(after.status).toBe(200);
    expect(((await after.json()) as { commit: string }).commit).toBe(await remoteHead());
  });
});
