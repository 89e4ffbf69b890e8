import { spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { readFile, rename, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createHomelabRemote } from "../support/homelab-remote.js";
import { startSshGitServer, type SshGitServer } from "../support/ssh-git-server.js";
import {
  checkRemote,
  post,
  remoteRoles,
  remoteState,
  type ServerProcess,
  type ServeSetup,
  serveSetup,
  startServe,
  waitFor,
} from "./fault-harness.js";

const root = join(import.meta.dirname, "../..");

const bomb = `lol1: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]
lol2: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]
lol3: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]
lol4: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]
lol5: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]
`;

/** Garbage a ConfigMap or Secret update (or a bad hand edit) could put in place. */
function garbage(valid: string): [string, string | Buffer][] {
  const all: [string, string | Buffer][] = [
    ["random bytes", randomBytes(4096)],
    ["an alias bomb", bomb],
    ["2 MiB of text", "x".repeat(2 * 1024 * 1024)],
    ["an empty file", ""],
    ["a truncated file", valid.slice(0, Math.floor(valid.length / 2))],
    [
      "a NUL in a path",
      valid.replace(
        "- kubernetes/apps/media/sonarr/app/deployment.yaml",
        '- "kubernetes/apps/media/sonarr/app/deploy\\0ment.yaml"',
      ),
    ],
    ["a deeply nested document", `${"[".repeat(20000)}${"]".repeat(20000)}\n`],
  ];
  // A variant that leaves this file as it was (the NUL path is a config line) is no garbage.
  return all.filter(([, content]) => content !== valid);
}

/**
 * The configuration and tokens files replaced by garbage while the server runs (hot reload):
 * each is rejected, counted and logged, the previous configuration stays in force, and the
 * server keeps answering and operating. At start, garbage is exit 2 naming the file, no stack trace.
 */
describe("configuration and tokens replaced by garbage", () => {
  let ssh: SshGitServer;
  let bare: string;
  let setup: ServeSetup;
  let server: ServerProcess;
  let unknownBefore: string[];
  const injected: string[] = [];

  const reloads = async (result: string) => {
    const text = await (await fetch(`${server.url}/metrics`)).text();
    const line = text
      .split("\n")
      .find((l) => l.startsWith(`failover_config_reloads_total{result="${result}"}`));
    return Number(line?.split(" ")[1] ?? 0);
  };
  /** Atomic replacement, as a ConfigMap update or an editor does it. */
  const replace = async (path: string, content: string | Buffer) => {
    await writeFile(`${path}.new`, content);
    await rename(`${path}.new`, path);
  };

  beforeAll(async () => {
    ssh = await startSshGitServer();
    const url = await createHomelabRemote(ssh, "garbage");
    bare = ssh.repoPath("garbage");
    unknownBefore = [...(await remoteRoles(bare))].filter(([, r]) => r === "unknown").map(([s]) => s);
    setup = await serveSetup(ssh, url);
    server = await startServe(setup);
  });
  afterAll(async () => {
    console.log(`configuration faults injected: ${injected.length}\n${injected.join("\n")}`);
    await server?.stop();
    await ssh?.stop();
  });

  it("hot reload rejects each garbage file; the old configuration and tokens stay in force", async () => {
    const config = await readFile(setup.configPath, "utf8");
    const tokens = await readFile(setup.tokensFile, "utf8");
    // Warm up (the first operations load code and fill caches), then take the baseline.
    for (let i = 0; i < 3; i++) {
      expect((await post(server.url, "/api/failover/radarr/promote")).status).toBe(200);
      expect((await post(server.url, "/api/failover/radarr/demote?force=true")).status).toBe(200);
    }
    await new Promise((r) => setTimeout(r, 3000));
    const baseline = (await server.memory()).rss;
    let errors = await reloads("error");
    for (const [file, valid] of [
      [setup.configPath, config],
      [setup.tokensFile, tokens],
    ] as const) {
      for (const [what, content] of garbage(valid)) {
        const before = await remoteState(bare);
        await replace(file, content);
        injected.push(`${file.endsWith("tokens.yaml") ? "tokens" : "config"}: ${what}`);
        const counted = await waitFor(
          () => reloads("error"),
          (n) => n > errors,
        );
        // The file watcher may report one change more than once; each report is rejected.
        expect(counted, `${what} in ${file} was rejected`).toBeGreaterThan(errors);
        errors = counted;
        const services = await fetch(`${server.url}/api/services`);
        expect(services.status).toBe(200);
        expect(((await services.json()) as { services: unknown[] }).services.length).toBeGreaterThanOrEqual(
          24,
        );
        // The old token still acts (a plan needs the operator role) and nothing reached Git.
        const plan = await post(server.url, "/api/failover/radarr/promote?dry-run=true");
        expect(plan.status, what).toBe(200);
        expect(await checkRemote(bare, before, unknownBefore)).toEqual([]);
        expect(server.child.exitCode).toBeNull();
      }
      await replace(file, valid);
    }
    // And real operations work with the configuration in force.
    const before = await remoteState(bare);
    expect((await post(server.url, "/api/failover/radarr/promote")).status).toBe(200);
    expect((await post(server.url, "/api/failover/radarr/demote?force=true")).status).toBe(200);
    expect(await checkRemote(bare, before, unknownBefore)).toEqual([]);
    expect(server.logs.join("")).toContain(
      "Configuration reload rejected; the previous configuration stays in force",
    );
    const after = await waitFor(
      () => server.memory(),
      (m) => m.rss <= baseline + 32,
      20_000,
    );
    console.log(
      `server RSS: ${baseline.toFixed(0)} MiB before, ${after.rss.toFixed(0)} MiB after the garbage, peak ${after.peak.toFixed(0)} MiB`,
    );
    expect(after.rss).toBeLessThanOrEqual(baseline + 32);
  });

  it("garbage at start: serve exits 2 naming the file, with no stack trace", async () => {
    const valid = await readFile(setup.configPath, "utf8");
    for (const [what, content] of garbage(valid)) {
      await writeFile(setup.configPath, content);
      const run = spawnSync(
        "node",
        ["bin/failover-api.js", "serve", "--config", setup.configPath, "--host", "127.0.0.1", "--port", "0"],
        { cwd: root, encoding: "utf8", timeout: 60_000 },
      );
      injected.push(`config at start: ${what}`);
      expect(run.status, `${what}: ${run.stderr}`).toBe(2);
      expect(run.stderr).toContain(setup.configPath);
      expect(run.stderr).not.toMatch(/^\s+at /m);
    }
    await writeFile(setup.configPath, valid);
  });
});
