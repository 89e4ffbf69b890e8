import { execFile } from "node:child_process";
import { cp, mkdir, mkdtemp, rm, stat, statfs } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createHomelabRemote } from "../support/homelab-remote.js";
import { startSshGitServer, type SshGitServer } from "../support/ssh-git-server.js";
import {
  checkRemote,
  foreignCommit,
  post,
  remoteRoles,
  remoteState,
  type ServerProcess,
  serveSetup,
  startServe,
  waitFor,
} from "./fault-harness.js";

const run = promisify(execFile);

interface Problem {
  status: number;
  code: string;
  detail: string;
  retryable: boolean;
}

/**
 * One server process through a series of faults of its remote and its disk. The data directory
 * is a 24 MiB tmpfs of its own (mounted here: the tests run as root), so it can really fill up.
 */
describe("the remote unreachable, frozen, deleted; the data directory full", () => {
  let ssh: SshGitServer;
  let bare: string;
  let server: ServerProcess;
  let mount: string;
  let unknownBefore: string[];
  let baseline: number;
  let foreign = 0;
  const injected: string[] = [];

  const promote = async (service: string) => {
    const response = await post(server.url, `/api/failover/${service}/promote`);
    return { status: response.status, body: (await response.json()) as Problem & { changed?: boolean } };
  };
  const demote = (service: string) => post(server.url, `/api/failover/${service}/demote?force=true`);
  const afterFault = async (before: Awaited<ReturnType<typeof remoteState>>) => {
    expect(await checkRemote(bare, before, unknownBefore)).toEqual([]);
    // The next operation works.
    const next = await promote("radarr");
    expect(next.status, JSON.stringify(next.body)).toBe(200);
    expect((await demote("radarr")).status).toBe(200);
    expect((await remoteRoles(bare)).get("radarr")).toBe("primary");
  };

  beforeAll(async () => {
    mount = await mkdtemp(join(tmpdir(), "failover-tmpfs-"));
    try {
      await run("mount", ["-t", "tmpfs", "-o", "size=24m", "tmpfs", mount]);
    } catch (error) {
      throw new Error(
        `cannot mount a tmpfs for the disk-full fault (this suite runs as root): ${String(error)}`,
      );
    }
    ssh = await startSshGitServer();
    const url = await createHomelabRemote(ssh, "faults");
    bare = ssh.repoPath("faults");
    unknownBefore = [...(await remoteRoles(bare))].filter(([, r]) => r === "unknown").map(([s]) => s);
    const setup = await serveSetup(ssh, url, {
      dataDir: join(mount, "data"),
      git: { operationTimeout: "8s" },
    });
    server = await startServe(setup);
    // Warm up, then take the baseline.
    expect((await promote("radarr")).status).toBe(200);
    expect((await demote("radarr")).status).toBe(200);
    await new Promise((r) => setTimeout(r, 3000));
    baseline = (await server.memory()).rss;
  });
  afterAll(async () => {
    console.log(`remote and disk faults injected: ${injected.length}\n${injected.join("\n")}`);
    ssh.thaw();
    await server?.stop();
    await ssh?.stop();
    await run("umount", [mount]).catch(() => undefined);
    await rm(mount, { recursive: true, force: true });
  });

  it("remote unreachable: 503 retryable, reads answer, the clone stays; the next operation works", async () => {
    const before = await remoteState(bare);
    await ssh.pause();
    injected.push("remote unreachable (sshd stopped)");
    try {
      const { status, body } = await promote("radarr");
      expect(status).toBe(503);
      expect(body).toMatchObject({ code: "GIT_UNREACHABLE", retryable: true });
      expect((await fetch(`${server.url}/api/services`)).status).toBe(200);
    } finally {
      await ssh.resume();
    }
    await afterFault(before);
  });

  it("remote frozen (SIGSTOP): the operation ends at its deadline, reads answer meanwhile", async () => {
    const before = await remoteState(bare);
    ssh.freeze();
    injected.push("remote frozen (sshd SIGSTOP)");
    try {
      const pending = promote("radarr");
      expect((await fetch(`${server.url}/api/failover/radarr/history`)).status).toBe(200);
      expect((await fetch(`${server.url}/api/failover/radarr/status`)).status).toBe(200);
      const { status, body } = await pending;
      expect(status).toBe(503);
      expect(body.detail).toContain("git.operationTimeout");
    } finally {
      ssh.thaw();
    }
    await afterFault(before);
  });

  it("remote deleted: 503 not retryable naming the repository; works again once it is back", async () => {
    const before = await remoteState(bare);
    const saved = await mkdtemp(join(tmpdir(), "saved-remote-"));
    await cp(bare, join(saved, "repo.git"), { recursive: true });
    await rm(bare, { recursive: true, force: true });
    injected.push("remote repository deleted");
    try {
      const { status, body } = await promote("radarr");
      expect(status).toBe(503);
      expect(body).toMatchObject({ code: "GIT_REPO_NOT_FOUND", retryable: false });
    } finally {
      await cp(join(saved, "repo.git"), bare, { recursive: true });
      await rm(saved, { recursive: true, force: true });
    }
    await afterFault(before);
  });

  it("data directory full: 503 DISK_FULL naming it, no re-clone, not even by the periodic fetch", async () => {
    const dataDir = join(mount, "data");
    const clone = join(dataDir, "repo");
    const cloneBirth = (await stat(clone)).birthtimeMs;
    await foreignCommit(bare, ++foreign); // the fetch has objects to write
    const before = await remoteState(bare);
    const filler = join(mount, "filler");
    await mkdir(filler, { recursive: true });
    const fs = await statfs(mount);
    await run("fallocate", ["-l", String(fs.bavail * fs.bsize), join(filler, "all")]);
    injected.push("data directory full (tmpfs filled with fallocate)");
    const logStart = server.logs.length;
    try {
      const { status, body } = await promote("radarr");
      expect(status).toBe(503);
      expect(body).toMatchObject({ code: "DISK_FULL", retryable: true });
      expect(body.detail).toContain(`no space left in ${dataDir}`);
      // Two periodic fetches (every 2 s) fail the same way; none clones again.
      await new Promise((r) => setTimeout(r, 5000));
      const logs = server.logs.slice(logStart).join("");
      expect(logs).not.toMatch(/cloning again|Cloned the GitOps repository/);
      expect(logs).toContain("no space left in");
      expect((await stat(clone)).birthtimeMs).toBe(cloneBirth);
      expect((await fetch(`${server.url}/api/services`)).status).toBe(200);
    } finally {
      await rm(filler, { recursive: true, force: true });
    }
    await afterFault(before);
  });

  it("memory is back to its baseline after the faults", async () => {
    const after = await waitFor(
      () => server.memory(),
      (m) => m.rss <= baseline + 32,
      20_000,
    );
    console.log(
      `server RSS: baseline ${baseline.toFixed(0)} MiB, after the faults ${after.rss.toFixed(0)} MiB, peak ${after.peak.toFixed(0)} MiB`,
    );
    expect(after.rss).toBeLessThanOrEqual(baseline + 32);
  });
});
