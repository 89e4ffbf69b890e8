import { execFile, spawn } from "node:child_process";
import { cp, mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createHomelabRemote } from "../support/homelab-remote.js";
import { eventually, serveConfigYaml } from "../support/serve-config.js";
import { startSshGitServer, type SshGitServer } from "../support/ssh-git-server.js";
import { git } from "../support/test-git.js";
import { freePort } from "../support/free-port.js";

const execFileAsync = promisify(execFile);
const root = join(import.meta.dirname, "../..");

/**
 * Guards the image's install steps without a Docker engine: the same files the Dockerfile copies,
 * `npm ci --omit=dev --ignore-scripts` in a clean directory, then a real server promoting once
 * over SSH. A runtime import of a dev dependency, or a file the image forgets, fails here.
 */
describe("production install (as the Dockerfile does it)", () => {
  let ssh: SshGitServer;
  let app: string;

  beforeAll(async () => {
    ssh = await startSshGitServer();
    app = await mkdtemp(join(tmpdir(), "failover-prod-"));
    for (const entry of ["package.json", "package-lock.json", "dist", "bin", "examples/homelab"]) {
      await cp(join(root, entry), join(app, entry), { recursive: true });
    }
    await execFileAsync("npm", ["ci", "--omit=dev", "--ignore-scripts", "--no-audit", "--no-fund"], {
      cwd: app,
      env: { ...process.env, NODE_ENV: "production" },
    });
  }, 600_000);
  afterAll(async () => ssh.stop());

  it("serves and promotes once from the production install", async () => {
    const url = await createHomelabRemote(ssh, "prod");
    const configPath = join(app, "config.yaml");
    await writeFile(configPath, serveConfigYaml(ssh, url, join(app, "data"), { mode: "none" }));
    const port = await freePort();
    const child = spawn(
      "node",
      ["bin/failover-api.js", "serve", "--config", configPath, "--host", "127.0.0.1", "--port", String(port)],
      {
        cwd: app,
        env: { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: app, NODE_ENV: "production" },
        stdio: ["ignore", "ignore", "pipe"],
      },
    );
    let stderr = "";
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    try {
      const ready = await eventually(
        () =>
          fetch(`http://127.0.0.1:${port}/readyz`).then(
            (r) => r.status,
            () => 0,
          ),
        (status) => status === 200,
        120_000,
      );
      expect(ready, stderr).toBe(200);
      const response = await fetch(`http://127.0.0.1:${port}/api/failover/sonarr/promote`, {
        method: "POST",
      });
      const body = (await response.json()) as { changed: boolean; commit: string };
      expect(response.status, JSON.stringify(body)).toBe(200);
      expect(body.changed).toBe(true);
      expect(await git(["rev-parse", "main"], ssh.repoPath("prod"))).toBe(body.commit);
      expect(await git(["log", "-1", "--format=%s", "main"], ssh.repoPath("prod"))).toBe(
        "failover(sonarr): promote to backup on w2",
      );
      // The dashboard is in the image: the built page and every asset it names.
      const page = await fetch(`http://127.0.0.1:${port}/`);
      expect(page.status).toBe(200);
      const html = await page.text();
      const assets = [...html.matchAll(/(?:src|href)="(\/assets\/[^"]+)"/g)].map((m) => m[1]!);
      expect(assets.length).toBeGreaterThanOrEqual(3);
      for (const asset of assets)
        expect((await fetch(`http://127.0.0.1:${port}${asset}`)).status, asset).toBe(200);
    } finally {
      child.kill("SIGTERM");
    }
  });
});
