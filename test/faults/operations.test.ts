import { spawn } from "node:child_process";
import { mkdtemp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FailoverError } from "../../src/domain/failover-error.js";
import { homelabDir } from "../support/homelab.js";
import { createHomelabRemote, homelabOperations } from "../support/homelab-remote.js";
import { startSshGitServer, type SshGitServer } from "../support/ssh-git-server.js";
import { git } from "../support/test-git.js";

const options = { actor: "test", requestId: "00000000-0000-4000-8000-0000000000ff" };
const bin = join(import.meta.dirname, "../../bin/failover-api.js");

async function failure(promise: Promise<unknown>): Promise<FailoverError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(FailoverError);
    return error as FailoverError;
  }
  throw new Error("expected the operation to fail");
}

describe("faults", () => {
  let server: SshGitServer;
  beforeAll(async () => {
    server = await startSshGitServer();
  });
  afterAll(async () => server.stop());

  it("remote down: classified error, clean clone; the next operation after it returns succeeds", async () => {
    const url = await createHomelabRemote(server, "down");
    const { operations, clone } = await homelabOperations(server, url);
    await operations.refresh();
    await server.pause();
    try {
      const error = await failure(operations.switchService("radarr", "promote", options));
      expect(error.code).toBe("GIT_UNREACHABLE");
      expect(error.retryable).toBe(true);
      expect(error.message).toContain("127.0.0.1");
      expect(await git(["status", "--porcelain"], clone.directory)).toBe("");
    } finally {
      await server.resume();
    }
    const result = await operations.switchService("radarr", "promote", options);
    expect(result.changed).toBe(true);
    expect(await git(["rev-parse", "main"], server.repoPath("down"))).toBe(result.commit);
  });

  it("wrong host key: refused with the host-key error, nothing pushed", async () => {
    const url = await createHomelabRemote(server, "hostkey");
    const head = await git(["rev-parse", "main"], server.repoPath("hostkey"));
    const { operations } = await homelabOperations(
      server,
      url,
      {},
      { knownHostsFile: server.wrongKnownHostsFile },
    );
    const error = await failure(operations.switchService("radarr", "promote", options));
    expect(error.code).toBe("GIT_HOST_KEY");
    expect(error.message).toContain("127.0.0.1");
    expect(await git(["rev-parse", "main"], server.repoPath("hostkey"))).toBe(head);
  });

  it("SIGKILL in the middle of an operation leaves the remote consistent; the next run recovers the clone", async () => {
    const url = await createHomelabRemote(server, "killed");
    const dir = await mkdtemp(join(tmpdir(), "killed-"));
    const config = join(dir, "config.yaml");
    const example = await readFile(join(homelabDir, "failover-api.yaml"), "utf8");
    const gitSection = `git:\n  url: ${url}\n  sshKeyFile: ${server.clientKeyFile}\n  knownHostsFile: ${server.knownHostsFile}\n`;
    await writeFile(config, example.replace(/^git:\n(?: {2}.*\n)+/m, gitSection));
    const dataDir = join(dir, "data");
    const run = (args: string[], killAfterMs?: number) =>
      new Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string }>((resolve) => {
        const child = spawn("node", [bin, ...args, "--config", config, "--data-dir", dataDir, "-o", "json"]);
        let stdout = "";
        child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
        if (killAfterMs !== undefined) setTimeout(() => child.kill("SIGKILL"), killAfterMs);
        child.on("exit", (code, signal) => resolve({ code, signal, stdout }));
      });
    const services = ["radarr", "tautulli", "bazarr"];
    // Kill at different points: during clone, fetch, commit or push.
    for (const [i, delay] of [700, 1500, 2500].entries()) {
      const service = services[i] ?? "radarr";
      const killed = await run(["promote", service], delay);
      const tip = await git(["log", "-1", "--format=%s", "main"], server.repoPath("killed"));
      expect(tip === "Initial commit" || tip.startsWith("failover(")).toBe(true);
      await git(["fsck", "--no-progress"], server.repoPath("killed"));
      const next = await run(["promote", service]);
      expect(next.code, `${service} after kill (${killed.signal ?? killed.code})`).toBe(0);
      const body = JSON.parse(next.stdout) as { changed: boolean };
      const tipAfter = await git(["log", "-1", "--format=%s", "main"], server.repoPath("killed"));
      expect(tipAfter).toBe(`failover(${service}): promote to backup on w2`);
      expect(typeof body.changed).toBe("boolean");
    }
    const log = await git(["log", "--format=%s", "main"], server.repoPath("killed"));
    for (const s of services)
      expect(log.split("\n").filter((l) => l.startsWith(`failover(${s})`))).toHaveLength(1);
  });
});
