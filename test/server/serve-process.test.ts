import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createHomelabRemote } from "../support/homelab-remote.js";
import { operatorToken, serveConfigYaml, tokensYaml } from "../support/serve-config.js";
import { startSshGitServer, type SshGitServer } from "../support/ssh-git-server.js";
import { git } from "../support/test-git.js";
import { freePort } from "../support/free-port.js";

const root = join(import.meta.dirname, "../..");

function waitFor(stream: NodeJS.ReadableStream, text: string, output: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`timed out waiting for ${text}: ${output.join("")}`)),
      30_000,
    );
    stream.on("data", (chunk: Buffer) => {
      output.push(chunk.toString());
      if (output.join("").includes(text)) {
        clearTimeout(timer);
        resolve();
      }
    });
  });
}

const exitCode = (child: ChildProcess) =>
  new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));

describe("the built executable", () => {
  let ssh: SshGitServer;

  beforeAll(async () => {
    execFileSync("npx", ["tsc", "-p", "tsconfig.build.json"], { cwd: root });
    ssh = await startSshGitServer();
  });
  afterAll(async () => ssh.stop());

  it("finishes the in-flight promote on SIGTERM, then exits 0", async () => {
    const url = await createHomelabRemote(ssh, "sigterm");
    const dir = await mkdtemp(join(tmpdir(), "failover-serve-"));
    const tokensFile = join(dir, "tokens.yaml");
    await writeFile(tokensFile, tokensYaml);
    const configPath = join(dir, "config.yaml");
    await writeFile(configPath, serveConfigYaml(ssh, url, join(dir, "data"), { mode: "token", tokensFile }));
    const port = await freePort();
    const child = spawn(
      "node",
      ["bin/failover-api.js", "serve", "--config", configPath, "--host", "127.0.0.1", "--port", String(port)],
      { cwd: root, stdio: ["ignore", "pipe", "pipe"] },
    );
    const exited = exitCode(child);
    const stderr: string[] = [];
    await waitFor(child.stderr, "Listening on", stderr);
    const started = waitFor(child.stderr, "Starting backup failover", stderr);
    const response = fetch(`http://127.0.0.1:${port}/api/failover/sonarr/promote?reason=sigterm`, {
      method: "POST",
      headers: { authorization: `Bearer ${operatorToken}` },
    });
    await started;
    child.kill("SIGTERM");
    const result = await response;
    expect(result.status).toBe(200);
    const body = (await result.json()) as { commit: string };
    expect(body.commit).toBe(await git(["rev-parse", "main"], ssh.repoPath("sigterm")));
    expect(await exited).toBe(0);
    expect(stderr.join("")).not.toContain(operatorToken);
    // SPEC §6's log lines, one JSON object per line.
    const lines = stderr
      .join("")
      .split("\n")
      .filter((l) => l.startsWith("{"))
      .map((l) => JSON.parse(l) as { msg: string });
    const messages = lines.map((l) => l.msg);
    expect(messages).toContain("Starting backup failover");
    expect(messages).toContain("Updated volume");
    expect(messages.some((m) => m.startsWith("Pushed changes to 127.0.0.1"))).toBe(true);
  });

  it("demo serves the example homelab and prints what to try", async () => {
    const port = await freePort();
    const child = spawn("node", ["bin/failover-api.js", "demo", "--port", String(port)], {
      cwd: root,
      stdio: ["ignore", "pipe", "pipe"],
    });
    const exited = exitCode(child);
    const stdout: string[] = [];
    await waitFor(child.stdout, "Press Ctrl-C", stdout);
    expect(stdout.join("")).toContain(`curl -s http://127.0.0.1:${port}/api/services`);
    let services: unknown[] = [];
    for (let i = 0; i < 50 && services.length === 0; i++) {
      const r = await fetch(`http://127.0.0.1:${port}/api/services`);
      if (r.status === 200) services = ((await r.json()) as { services: unknown[] }).services;
      else await new Promise((res) => setTimeout(res, 200));
    }
    expect(services.length).toBeGreaterThanOrEqual(24);
    child.kill("SIGTERM");
    expect(await exited).toBe(0);
  });
});
