import { copyFile, mkdtemp, rename, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse, stringify } from "yaml";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startServer, type RunningServer } from "../../src/server/start-server.js";
import { createHomelabRemote } from "../support/homelab-remote.js";
import { freePort } from "../support/free-port.js";
import { eventually, serveConfigYaml } from "../support/serve-config.js";
import { startSshGitServer, type SshGitServer } from "../support/ssh-git-server.js";

interface Probe {
  status: number;
  body: { reason?: string | null; detail?: string; code?: string; retryable?: boolean };
}

/** While Git is unusable, /api/services and /readyz say the classified cause, and readiness follows it. */
describe("startServer: the cause of a Git failure", () => {
  let ssh: SshGitServer;
  let server: RunningServer;
  let keyFile: string;
  const get = async (path: string): Promise<Probe> => {
    const response = await fetch(`${server.url}${path}`);
    return { status: response.status, body: (await response.json()) as Probe["body"] };
  };
  const until = (path: string, ok: (p: Probe) => boolean) => eventually(() => get(path), ok, 20_000);

  beforeAll(async () => {
    ssh = await startSshGitServer();
    const url = await createHomelabRemote(ssh, "causes");
    const dir = await mkdtemp(join(tmpdir(), "failover-causes-"));
    keyFile = join(dir, "identity");
    await copyFile(ssh.clientKeyFile, keyFile);
    const config = parse(serveConfigYaml(ssh, url, join(dir, "data"), { mode: "none" })) as {
      git: Record<string, unknown>;
    };
    config.git.sshKeyFile = keyFile;
    config.git.fetchInterval = "1s";
    await writeFile(join(dir, "config.yaml"), stringify(config));
    // The remote is down before the server ever fetched.
    await ssh.pause();
    server = await startServer({
      configPath: join(dir, "config.yaml"),
      host: "127.0.0.1",
      port: 0,
      write: () => undefined,
    });
  });
  afterAll(async () => {
    await server.close();
    await ssh.stop();
  });

  it("before the first fetch: /api/services and /readyz say the connection is refused", async () => {
    const ready = await until("/readyz", (p) => p.body.reason?.includes("connection refused") === true);
    expect(ready.status).toBe(503);
    const services = await get("/api/services");
    expect(services.status).toBe(503);
    expect(services.body).toMatchObject({ code: "GIT_UNREACHABLE", retryable: true });
    expect(services.body.detail).toContain("connection refused");
    expect(services.body.detail).not.toContain("not been fetched");
    await ssh.resume();
    expect((await until("/readyz", (p) => p.status === 200)).status).toBe(200);
    expect((await get("/api/services")).status).toBe(200);
  });

  it("a repository that disappears makes /readyz not ready, with the cause; it comes back", async () => {
    const repo = ssh.repoPath("causes");
    await rename(repo, `${repo}.away`);
    try {
      const gone = await until("/readyz", (p) => p.status === 503);
      expect(gone.body.reason).toContain("does not exist");
      // Reads keep answering from the last snapshot.
      expect((await get("/api/services")).status).toBe(200);
    } finally {
      await rename(`${repo}.away`, repo);
    }
    expect((await until("/readyz", (p) => p.status === 200)).status).toBe(200);
  });

  it("a deploy key the remote no longer accepts makes /readyz not ready, with the cause", async () => {
    await copyFile(ssh.wrongClientKeyFile, keyFile);
    // A restart drops the shared SSH connection, as a remote that revokes a key does.
    await ssh.pause();
    await ssh.resume();
    try {
      const denied = await until("/readyz", (p) => p.body.reason?.includes("credentials") === true);
      expect(denied.status).toBe(503);
      expect(denied.body.reason).toContain("rejected our credentials");
    } finally {
      await copyFile(ssh.clientKeyFile, keyFile);
    }
    expect((await until("/readyz", (p) => p.status === 200)).status).toBe(200);
  });

  it("an HTTP remote that cannot be reached: git's own reason, from real git", async () => {
    const dir = await mkdtemp(join(tmpdir(), "failover-http-"));
    const url = `http://127.0.0.1:${await freePort()}/homelab.git`;
    await writeFile(join(dir, "config.yaml"), serveConfigYaml(ssh, url, join(dir, "data"), { mode: "none" }));
    const http = await startServer({
      configPath: join(dir, "config.yaml"),
      host: "127.0.0.1",
      port: 0,
      write: () => undefined,
    });
    try {
      const probe = () =>
        fetch(`${http.url}/api/services`).then(async (r) => ({
          status: r.status,
          body: (await r.json()) as Probe["body"],
        }));
      const services = await eventually(
        probe,
        (p) => p.body.detail?.startsWith("Cannot reach") === true,
        20_000,
      );
      expect(services.status).toBe(503);
      expect(services.body.detail).toMatch(
        /^Cannot reach the Git remote http:\/\/127\.0\.0\.1:\d+\/homelab\.git \(could not connect\); git says: Failed to connect to 127\.0\.0\.1 port \d+/,
      );
    } finally {
      await http.close();
    }
  });
});
