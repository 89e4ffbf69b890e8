import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runContention, type ContentionOutcome } from "../support/contention-scenario.js";
import {
  generatedHomelabFiles,
  generatedServiceFile,
  generatedServiceNames,
} from "../support/generated-homelab.js";
import { startSshGitServer, type SshGitServer } from "../support/ssh-git-server.js";
import { git } from "../support/test-git.js";

const zero = /^0+$/;

describe("three server processes promote the same 25 services while another writer pushes", () => {
  const services = generatedServiceNames(25);
  let server: SshGitServer;
  let outcome: ContentionOutcome;
  let bare: string;

  beforeAll(async () => {
    server = await startSshGitServer();
    bare = await server.createBareRepo("contention", generatedHomelabFiles(services.length));
    outcome = await runContention({ server, repoName: "contention", services, writerIntervalMs: 100 });
  }, 600_000);
  afterAll(async () => server?.stop());

  it("every process exited cleanly, and so did the foreign writer", () => {
    for (const worker of outcome.workers) expect(worker).toMatchObject({ exitCode: 0, timedOut: false });
    expect(outcome.writerProcess).toMatchObject({ exitCode: 0, timedOut: false });
    expect(outcome.writer).toMatchObject({ failed: 0 });
    expect(outcome.foreign.length).toBeGreaterThan(0);
  });

  it("every request succeeded or reported already done; no errors", () => {
    expect(outcome.results).toHaveLength(3 * services.length);
    const errors = outcome.results.filter((r) => !r.ok);
    expect(errors).toEqual([]);
    for (const r of outcome.results) {
      if (r.changed) expect(r.commit).toMatch(/^[0-9a-f]{40}$/);
      else expect(r.commit).toBeNull();
    }
  });

  it("each service was changed exactly once across the three processes", () => {
    for (const service of services) {
      const changed = outcome.results.filter((r) => r.service === service && r.changed);
      expect(changed, service).toHaveLength(1);
    }
  });

  it("all 25 services end on the backup claim with forward replication paused on the remote", async () => {
    for (const service of services) {
      const text = await git(["show", `main:${generatedServiceFile(service)}`], bare);
      expect(text).toContain(`claimName: ${service}-config-backup`);
      expect(text).not.toContain(`claimName: ${service}-config\n`);
      expect(text.match(/paused: (true|false)/g)).toEqual(["paused: true", "paused: false"]);
    }
  });

  it("every promote commit and every foreign commit is in the final history", async () => {
    const commits = [
      ...outcome.results.flatMap((r) => (r.commit === null ? [] : [r.commit])),
      ...outcome.foreign.map((f) => f.commit),
    ];
    for (const commit of commits) await git(["merge-base", "--is-ancestor", commit, "main"], bare);
    const tree = await git(["ls-tree", "-r", "--name-only", "main", "notes/"], bare);
    for (const f of outcome.foreign) expect(tree.split("\n")).toContain(f.file);
  });

  it("the remote's reflog shows only fast-forward updates, none forced", async () => {
    const shown = await git(["reflog", "show", "refs/heads/main"], bare);
    expect(shown).not.toContain("forced-update");
    const log = (await readFile(join(bare, "logs/refs/heads/main"), "utf8")).trim().split("\n");
    // initial push + one per promote + one per foreign commit
    expect(log.length).toBe(1 + services.length + outcome.foreign.length);
    for (const line of log) {
      const [previous, next] = line.split(" ");
      if (previous === undefined || next === undefined || zero.test(previous)) continue;
      await git(["merge-base", "--is-ancestor", previous, next], bare);
    }
  });
});
