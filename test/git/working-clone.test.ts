import { mkdtemp, readFile, rm, stat, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { isFailoverError } from "../../src/domain/failover-error.js";
import type { FailoverError } from "../../src/domain/failover-error.js";
import { git, otherIdentity } from "../support/test-git.js";
import { startSshGitServer } from "../support/ssh-git-server.js";
import type { SshGitServer } from "../support/ssh-git-server.js";
import { author, makeClone as makeFixture } from "../support/working-clone-fixture.js";

let server: SshGitServer;
beforeAll(async () => {
  server = await startSshGitServer();
});
afterAll(async () => {
  await server.stop();
});

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

async function makeClone(...args: Parameters<typeof makeFixture>): ReturnType<typeof makeFixture> {
  const fixture = await makeFixture(...args);
  cleanups.push(() => fixture.dispose());
  return fixture;
}

async function tempDir(prefix: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

let repoCounter = 0;
async function newRepo(files?: Record<string, string>): Promise<string> {
  repoCounter += 1;
  const name = `repo-${repoCounter}`;
  await server.createBareRepo(name, files ?? { "apps/sonarr.yaml": "claimName: sonarr-config\n" });
  return name;
}

async function failure(promise: Promise<unknown>): Promise<FailoverError> {
  try {
    await promise;
  } catch (error) {
    if (isFailoverError(error)) return error;
    throw error;
  }
  throw new Error("expected a FailoverError");
}

/** Another writer pushes a commit straight into the bare repository. */
async function pushFromElsewhere(repo: string, path: string, content: string): Promise<string> {
  const work = await tempDir("other-writer-");
  await git(["clone", "--quiet", server.repoPath(repo), work]);
  await writeFile(join(work, path), content);
  await git(["add", "--", path], work);
  await git(["commit", "--quiet", "-m", "Someone else's change"], work);
  await git(["push", "--quiet", "origin", "HEAD:refs/heads/main"], work);
  return git(["rev-parse", "HEAD"], work);
}

/** Every update of the remote's main was a fast-forward (proof that nothing was forced). */
async function expectOnlyFastForwards(repo: string): Promise<void> {
  const bare = server.repoPath(repo);
  const reflog = await readFile(join(bare, "logs/refs/heads/main"), "utf8");
  const entries = reflog.trim().split("\n");
  expect(entries.length).toBeGreaterThan(0);
  for (const entry of entries) {
    const [oldSha, newSha] = entry.split(" ");
    if (/^0+$/.test(oldSha!)) continue;
    await git(["merge-base", "--is-ancestor", oldSha!, newSha!], bare);
  }
}

const message = [
  "failover(sonarr): promote to backup on w2",
  "",
  "# node w1 is down",
  "",
  "Failover-Service: sonarr",
  "Failover-Action: promote",
  "Failover-Actor: cli:alice",
  "Failover-Reason: node w1 is down",
  "Failover-Request-Id: 0b6c5a1e-8f57-4a59-9f1a-0d5d1f4f0c11",
  "",
].join("\n");

describe("WorkingClone over a real SSH server", () => {
  it("clones, commits as the configured identity, pushes, and reuses the clone", async () => {
    const repo = await newRepo();
    const { clone, logs } = await makeClone(server, repo);
    const { head: first } = await clone.sync();
    expect(await clone.readFile("apps/sonarr.yaml")).toBe("claimName: sonarr-config\n");
    expect(await clone.readFile("apps/missing.yaml")).toBeUndefined();

    const sha = await clone.commit(
      new Map([["apps/sonarr.yaml", "claimName: sonarr-config-backup\n"]]),
      message,
    );
    expect(await clone.push()).toBe("pushed");
    const bare = server.repoPath(repo);
    expect(await git(["rev-parse", "main"], bare)).toBe(sha);
    expect(await git(["rev-parse", `${sha}^`], bare)).toBe(first);
    expect(await git(["log", "-1", "--format=%an <%ae>|%cn <%ce>", sha], bare)).toBe(
      `${author.name} <${author.email}>|${author.name} <${author.email}>`,
    );
    // The message is kept byte for byte, including a line that starts with "#".
    expect(await git(["log", "-1", "--format=%B", sha], bare)).toBe(message.trim());
    expect(await git(["show", `${sha}:apps/sonarr.yaml`], bare)).toBe("claimName: sonarr-config-backup");
    expect(await git(["diff-tree", "--no-commit-id", "--name-only", "-r", sha], bare)).toBe(
      "apps/sonarr.yaml",
    );
    expect(logs.some((l) => l.message === "Pushed changes to 127.0.0.1:" + server.port)).toBe(true);

    // A healthy clone is fetched, not cloned again: a marker inside .git survives.
    await writeFile(join(clone.directory, ".git", "marker"), "x");
    await writeFile(join(clone.directory, "stray.txt"), "left behind");
    expect((await clone.sync()).head).toBe(sha);
    expect(await readFile(join(clone.directory, ".git", "marker"), "utf8")).toBe("x");
    await expect(stat(join(clone.directory, "stray.txt"))).rejects.toThrow();
    expect(logs.filter((l) => l.message === "Cloned the GitOps repository")).toHaveLength(1);
    await expectOnlyFastForwards(repo);
  });

  it("returns rejected when someone else pushed first, forces nothing, and succeeds after a re-sync", async () => {
    const repo = await newRepo({ "a.yaml": "a: 1\n", "b.yaml": "b: 1\n" });
    const { clone } = await makeClone(server, repo);
    await clone.sync();
    const theirs = await pushFromElsewhere(repo, "b.yaml", "b: 2\n");

    await clone.commit(new Map([["a.yaml", "a: 2\n"]]), message);
    expect(await clone.push()).toBe("rejected");
    const bare = server.repoPath(repo);
    expect(await git(["rev-parse", "main"], bare)).toBe(theirs);

    await clone.resetToRemote();
    expect((await clone.sync()).head).toBe(theirs);
    expect(await clone.readFile("b.yaml")).toBe("b: 2\n");
    const ours = await clone.commit(new Map([["a.yaml", "a: 2\n"]]), message);
    expect(await clone.push()).toBe("pushed");
    expect(await git(["rev-parse", "main"], bare)).toBe(ours);
    await git(["merge-base", "--is-ancestor", theirs, ours], bare);
    await expectOnlyFastForwards(repo);
  });

  it("pushes with an expected tip only while the branch is exactly there, and only fast-forwards", async () => {
    const repo = await newRepo({ "a.yaml": "a: 1\n", "b.yaml": "b: 1\n" });
    const bare = server.repoPath(repo);
    const { clone } = await makeClone(server, repo);
    const { head: base } = await clone.sync();
    const ours = await clone.commit(new Map([["a.yaml", "a: 2\n"]]), message);
    expect(await clone.push({ expected: base })).toBe("pushed");
    expect(await git(["rev-parse", "main"], bare)).toBe(ours);

    // The branch moved back to `base` behind our back: a push expecting `ours` is refused, though
    // a plain push would have been a fast-forward.
    await git(["update-ref", "refs/heads/main", base, ours], bare);
    const next = await clone.commit(new Map([["a.yaml", "a: 3\n"]]), message);
    expect(await clone.push({ expected: ours })).toBe("rejected");
    expect(await git(["rev-parse", "main"], bare)).toBe(base);

    // HEAD not descending from the expected tip is never pushed, whatever the remote holds.
    await clone.resetToRemote();
    await clone.sync();
    const unrelated = await clone.commit(new Map([["b.yaml", "b: 2\n"]]), message);
    const refused = await failure(clone.push({ expected: next }));
    expect(refused.code).toBe("INTERNAL");
    expect(refused.message).toMatch(/not be a fast-forward; nothing was pushed/);
    expect(await git(["rev-parse", "main"], bare)).toBe(base);
    expect(await clone.push({ expected: base })).toBe("pushed");
    expect(await git(["rev-parse", "main"], bare)).toBe(unrelated);
  });

  it("leaves a tree it is told is clean alone when the branch has not moved, and resets it when it has", async () => {
    const repo = await newRepo({ "a.yaml": "a: 1\n" });
    const { clone } = await makeClone(server, repo);
    const { head } = await clone.sync();
    // A file that a reset would remove shows whether one ran.
    await writeFile(join(clone.directory, "witness.txt"), "x");
    expect((await clone.sync({ cleanAt: head })).head).toBe(head);
    expect(await readFile(join(clone.directory, "witness.txt"), "utf8")).toBe("x");

    const theirs = await pushFromElsewhere(repo, "a.yaml", "a: 2\n");
    expect((await clone.sync({ cleanAt: head })).head).toBe(theirs);
    await expect(stat(join(clone.directory, "witness.txt"))).rejects.toThrow();
    expect(await clone.readFile("a.yaml")).toBe("a: 2\n");

    // Without cleanAt, a sync always resets.
    await writeFile(join(clone.directory, "witness.txt"), "x");
    expect((await clone.sync()).head).toBe(theirs);
    await expect(stat(join(clone.directory, "witness.txt"))).rejects.toThrow();
  });

  it("reports an unreachable remote by name, keeps the clone clean, and recovers when it is back", async () => {
    const repo = await newRepo();
    const { clone } = await makeClone(server, repo);
    const { head } = await clone.sync();
    // The clone keeps its SSH connection open; a remote that goes down drops it too.
    await server.pause();
    try {
      await clone.commit(new Map([["apps/sonarr.yaml", "changed\n"]]), message);
      const pushError = await failure(clone.push());
      expect(pushError.code).toBe("GIT_UNREACHABLE");
      expect(pushError.retryable).toBe(true);
      expect(pushError.message).toContain(`127.0.0.1:${server.port}${server.repoPath(repo)}`);
      await clone.resetToRemote();

      const syncError = await failure(clone.sync());
      expect(syncError.code).toBe("GIT_UNREACHABLE");
      expect(await git(["status", "--porcelain"], clone.directory)).toBe("");
      expect(await clone.head()).toBe(head);
    } finally {
      await server.resume();
    }
    expect((await clone.sync()).head).toBe(head);
  });

  it("gives up on a remote that accepts connections but never answers, killing ssh too", async () => {
    const repo = await newRepo();
    // Clone with the normal timeout (a loaded machine may need more than a few seconds), then
    // use the same clone with a short timeout against the frozen server.
    const first = await makeClone(server, repo);
    const { head } = await first.clone.sync();
    const { clone } = await makeClone(server, repo, { timeoutMs: 3000, dataDir: first.dataDir });
    server.freeze();
    try {
      const error = await failure(clone.sync());
      expect(error.code).toBe("GIT_UNREACHABLE");
      expect(error.message).toMatch(/timed out/);
    } finally {
      server.thaw();
    }
    expect((await clone.sync()).head).toBe(head);
  });

  it("keeps one SSH connection for all its git commands until it is closed", async () => {
    const repo = await newRepo();
    const { clone } = await makeClone(server, repo);
    const before = server.acceptedConnections();
    await clone.sync();
    await clone.commit(new Map([["apps/sonarr.yaml", "claimName: sonarr-config-backup\n"]]), message);
    expect(await clone.push()).toBe("pushed");
    await clone.sync();
    expect(await clone.pushDryRun()).toBe("pushed");
    expect(server.acceptedConnections() - before).toBe(1);
    await clone.closeConnections();
    await clone.sync();
    expect(server.acceptedConnections() - before).toBe(2);
  });

  it("answers isAncestor from the clone, unknown for commits it has not fetched, without waiting for the queue", async () => {
    const repo = await newRepo({ "a.yaml": "a: 1\n" });
    const { clone } = await makeClone(server, repo);
    expect(await clone.isAncestor("a".repeat(40), "b".repeat(40))).toBeUndefined(); // no clone yet
    const { head: first } = await clone.sync();
    const ours = await clone.commit(new Map([["a.yaml", "a: 2\n"]]), message);
    expect(await clone.push()).toBe("pushed");
    const theirs = await pushFromElsewhere(repo, "a.yaml", "a: 3\n");

    expect(await clone.isAncestor(first, ours)).toBe(true);
    expect(await clone.isAncestor(ours, ours)).toBe(true);
    expect(await clone.isAncestor(ours, first)).toBe(false);
    // Flux applied a later commit the clone has not fetched yet: not known, not "no".
    expect(await clone.isAncestor(ours, theirs)).toBeUndefined();
    // Only full object names: never an option or a revision expression.
    expect(await clone.isAncestor("--help", ours)).toBeUndefined();
    expect(await clone.isAncestor(`${ours}^`, ours)).toBeUndefined();

    // A fetch hanging on a frozen remote holds the queue; the ancestry check still answers.
    await clone.closeConnections();
    server.freeze();
    try {
      const hanging = clone.sync().catch(() => undefined);
      await new Promise((r) => setTimeout(r, 300));
      // Answered while the remote is still frozen: had it waited for the queue, it would wait for
      // the thaw below, which only comes after it (the test would time out instead).
      expect(await clone.isAncestor(first, ours)).toBe(true);
      server.thaw();
      await hanging;
    } finally {
      server.thaw();
    }
    await clone.sync();
    expect(await clone.isAncestor(ours, theirs)).toBe(true);
  });

  it("runs one git command at a time and explains a read before the first sync", async () => {
    const repo = await newRepo();
    const { clone } = await makeClone(server, repo);
    expect((await failure(clone.readFile("apps/sonarr.yaml"))).message).toMatch(/sync\(\) first/);
    const [a, b, text] = await Promise.all([clone.sync(), clone.sync(), clone.readFile("apps/sonarr.yaml")]);
    expect(a.head).toBe(b.head);
    expect(text).toBe("claimName: sonarr-config\n");
  });

  it("refuses a host whose key does not match known_hosts", async () => {
    const repo = await newRepo();
    const { clone } = await makeClone(server, repo, { knownHostsFile: server.wrongKnownHostsFile });
    const error = await failure(clone.sync());
    expect(error.code).toBe("GIT_HOST_KEY");
    expect(error.message).toContain(server.url(repo));
  });

  it("reports a key the server does not accept as GIT_AUTH without revealing the key", async () => {
    const repo = await newRepo();
    const { clone } = await makeClone(server, repo, { sshKeyFile: server.wrongClientKeyFile });
    const error = await failure(clone.sync());
    expect(error.code).toBe("GIT_AUTH");
    expect(error.message).toContain(server.url(repo));
    const keyText = await readFile(server.wrongClientKeyFile, "utf8");
    const everything = `${error.message}\n${JSON.stringify(error.details)}\n${error.stack ?? ""}`;
    for (const line of keyText.split("\n").filter((l) => l.length > 20))
      expect(everything).not.toContain(line);
    expect(everything).not.toContain("PRIVATE KEY");
  });

  it("reports a missing repository", async () => {
    const { clone } = await makeClone(server, "does-not-exist");
    const error = await failure(clone.sync());
    expect(error.code).toBe("GIT_REPO_NOT_FOUND");
    expect(error.message).toContain(server.url("does-not-exist"));
  });

  it("reports a protected branch as not retryable", async () => {
    const repo = await newRepo();
    const hook = join(server.repoPath(repo), "hooks", "pre-receive");
    await writeFile(
      hook,
      "#!/bin/sh\necho 'error: GH006: Protected branch update failed for refs/heads/main.' >&2\nexit 1\n",
      { mode: 0o755 },
    );
    const { clone } = await makeClone(server, repo);
    const { head } = await clone.sync();
    await clone.commit(new Map([["apps/sonarr.yaml", "changed\n"]]), message);
    const error = await failure(clone.push());
    expect(error.code).toBe("GIT_PROTECTED_BRANCH");
    expect(error.retryable).toBe(false);
    expect(await git(["rev-parse", "main"], server.repoPath(repo))).toBe(head);
  });

  it("copies a group-readable key to a private 0600 file and uses it", async () => {
    const repo = await newRepo();
    const mounted = join(await tempDir("secret-mount-"), "identity");
    // Like a Kubernetes Secret volume: 0644 and no trailing newline.
    await writeFile(mounted, (await readFile(server.clientKeyFile, "utf8")).trimEnd(), { mode: 0o644 });
    const { clone, credentials } = await makeClone(server, repo, { sshKeyFile: mounted });
    const sshCommand = credentials.env.GIT_SSH_COMMAND ?? "";
    expect(sshCommand).not.toContain(mounted);
    const copied = /-i '([^']+)'/.exec(sshCommand)?.[1];
    expect(copied).toBeDefined();
    expect((await stat(copied!)).mode & 0o777).toBe(0o600);
    expect((await stat(mounted)).mode & 0o777).toBe(0o644);
    await clone.sync();
    await credentials.dispose();
    await expect(stat(copied!)).rejects.toThrow();
  });

  it("refuses to read or write through a symlink, inside the clone or leaving it", async () => {
    const repo = await newRepo();
    const { clone } = await makeClone(server, repo);
    await clone.sync();
    const outside = join(await tempDir("outside-"), "secret.txt");
    await writeFile(outside, "secret");
    await symlink(outside, join(clone.directory, "apps", "escape.yaml"));
    await symlink("sonarr.yaml", join(clone.directory, "apps", "alias.yaml"));
    await symlink(join(outside, ".."), join(clone.directory, "outdir"));

    const readError = await failure(clone.readFile("apps/escape.yaml"));
    expect(readError.code).toBe("MANIFEST_UNSUPPORTED");
    expect(readError.message).not.toContain("secret");
    expect(readError.message).toMatch(/^apps\/escape\.yaml: is a symlink that leads outside the repository;/);
    // Inside the repository too: the same answer for reading (status, plan) and writing (commit).
    const alias = await failure(clone.readFile("apps/alias.yaml"));
    expect(alias.message).toMatch(/^apps\/alias\.yaml: is a symlink to apps\/sonarr\.yaml; list the file/);
    expect((await failure(clone.commit(new Map([["apps/alias.yaml", "x"]]), message))).message).toBe(
      alias.message,
    );
    expect((await failure(clone.readFile("../etc/passwd"))).code).toBe("MANIFEST_UNSUPPORTED");
    expect((await failure(clone.readFile(".git/config"))).code).toBe("MANIFEST_UNSUPPORTED");
    expect((await failure(clone.commit(new Map([["apps/escape.yaml", "x"]]), message))).code).toBe(
      "MANIFEST_UNSUPPORTED",
    );
    expect((await failure(clone.commit(new Map([["outdir/new.yaml", "x"]]), message))).code).toBe(
      "MANIFEST_UNSUPPORTED",
    );
    expect(await readFile(outside, "utf8")).toBe("secret");
  });

  it("refuses to write a file over the managed-file size limit, and writes none of the others", async () => {
    const repo = await newRepo({ "apps/a.yaml": "a: 1\n", "apps/b.yaml": "b: 1\n" });
    const { clone } = await makeClone(server, repo);
    await clone.sync();
    const head = await git(["rev-parse", "HEAD"], clone.directory);
    const big = `b: ${"x".repeat(512 * 1024)}\n`;
    const error = await failure(
      clone.commit(
        new Map([
          ["apps/a.yaml", "a: 2\n"],
          ["apps/b.yaml", big],
        ]),
        message,
      ),
    );
    expect(error.code).toBe("MANIFEST_UNSUPPORTED");
    expect(error.message).toMatch(
      /^apps\/b\.yaml: would be 524292 bytes after this change, over the 512\.0 KiB \(524288 bytes\) limit/,
    );
    expect(await readFile(join(clone.directory, "apps/a.yaml"), "utf8")).toBe("a: 1\n");
    expect(await git(["status", "--porcelain"], clone.directory)).toBe("");
    expect(await git(["rev-parse", "HEAD"], clone.directory)).toBe(head);
    // Up to the limit is fine.
    await clone.commit(new Map([["apps/b.yaml", "x".repeat(512 * 1024)]]), message);
    expect(await git(["rev-parse", "HEAD"], clone.directory)).not.toBe(head);
  });

  it("recovers from stale locks, a non-repository, another remote and an interrupted clone", async () => {
    const repo = await newRepo();
    const { clone, dataDir, logs } = await makeClone(server, repo);
    const { head } = await clone.sync();

    await writeFile(join(clone.directory, ".git", "index.lock"), "");
    await writeFile(join(clone.directory, ".git", "shallow.lock"), "");
    await writeFile(join(clone.directory, "apps", "sonarr.yaml"), "dirty\n");
    expect((await clone.sync()).head).toBe(head);
    expect(await clone.readFile("apps/sonarr.yaml")).toBe("claimName: sonarr-config\n");
    expect(logs.filter((l) => l.message === "Removed stale git lock file")).toHaveLength(2);

    await git(["remote", "set-url", "origin", server.url("elsewhere")], clone.directory);
    expect((await clone.sync()).head).toBe(head);
    expect(await git(["config", "--get", "remote.origin.url"], clone.directory)).toBe(server.url(repo));

    // A clone killed half-way (left in its staging directory) and a clone whose .git is gone.
    await git(["init", "--quiet", join(dataDir, "repo.cloning-123")]);
    await rm(join(clone.directory, ".git"), { recursive: true });
    expect((await clone.sync()).head).toBe(head);
    await expect(stat(join(dataDir, "repo.cloning-123"))).rejects.toThrow();
    expect(logs.filter((l) => l.message === "Cloned the GitOps repository")).toHaveLength(3);
  });

  it("reads back failover commits and their trailers, newest first", async () => {
    const repo = await newRepo({ "a.yaml": "v: 0\n" });
    const { clone } = await makeClone(server, repo);
    await clone.sync();
    const shas: string[] = [];
    for (const [i, service] of ["sonarr", "radarr", "sonarr"].entries()) {
      const msg = `failover(${service}): promote to backup on w2\n\nBecause ${i}.\n\nFailover-Service: ${service}\nFailover-Action: promote\nFailover-Actor: cli:alice\n`;
      shas.push(await clone.commit(new Map([["a.yaml", `v: ${i + 1}\n`]]), msg));
      expect(await clone.push()).toBe("pushed");
    }
    // A commit mentioning the key in its body but not as a trailer is not a failover commit.
    await pushFromElsewhere(repo, "a.yaml", "v: 9\n");
    await clone.sync();

    const all = await clone.log();
    expect(all.map((c) => c.sha)).toEqual([...shas].reverse());
    const newest = all[0]!;
    expect(newest.subject).toBe("failover(sonarr): promote to backup on w2");
    expect(newest.body).toBe("Because 2.");
    expect(newest.trailers).toEqual({
      "Failover-Service": ["sonarr"],
      "Failover-Action": ["promote"],
      "Failover-Actor": ["cli:alice"],
    });
    expect(newest.author).toEqual(author);
    expect(Date.parse(newest.time)).not.toBeNaN();
    expect(await clone.commitTime(shas[0]!)).toMatch(/^\d{4}-\d\d-\d\dT/);

    expect((await clone.log({ limit: 1 })).map((c) => c.sha)).toEqual([shas[2]]);
    expect((await clone.log({ service: "radarr" })).map((c) => c.sha)).toEqual([shas[1]]);
    expect(otherIdentity.name).not.toBe(author.name);
  });

  it("signs commits with an SSH key when signingKeyFile is set", async () => {
    const repo = await newRepo();
    const { clone } = await makeClone(server, repo, { signingKeyFile: server.wrongClientKeyFile });
    await clone.sync();
    const sha = await clone.commit(new Map([["apps/sonarr.yaml", "signed\n"]]), message);
    expect(await git(["cat-file", "commit", sha], clone.directory)).toContain(
      "-----BEGIN SSH SIGNATURE-----",
    );
  });

  it("checks push access with a dry run", async () => {
    const repo = await newRepo();
    const { clone } = await makeClone(server, repo);
    const { head } = await clone.sync();
    expect(await clone.pushDryRun()).toBe("pushed");
    expect(await git(["rev-parse", "main"], server.repoPath(repo))).toBe(head);
  });
});
