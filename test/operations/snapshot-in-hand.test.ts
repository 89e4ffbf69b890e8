import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FailoverError } from "../../src/domain/failover-error.js";
import { prepareGitCredentials } from "../../src/git/git-credentials.js";
import { WorkingClone } from "../../src/git/working-clone.js";
import { silentLogger } from "../../src/log/json-logger.js";
import { FailoverOperations } from "../../src/operations/failover-operations.js";
import type { RepoSnapshot } from "../../src/operations/repo-snapshot.js";
import type { Repository } from "../../src/operations/repository.js";
import { createHomelabRemote, homelabConfigFor, homelabOperations } from "../support/homelab-remote.js";
import { pushChange } from "../support/push-change.js";
import { startSshGitServer, type SshGitServer } from "../support/ssh-git-server.js";
import { git } from "../support/test-git.js";

const options = (extra: object = {}) => ({
  actor: "cli:tester",
  requestId: "00000000-0000-4000-8000-000000000002",
  ...extra,
});
const sonarrFile = "kubernetes/apps/media/sonarr/app/deployment.yaml";

interface Call {
  method: string;
  args: unknown[];
}

/** FailoverOperations over a real working clone whose Repository calls are recorded. */
async function recordedOperations(server: SshGitServer, url: string) {
  const dataDir = await mkdtemp(join(tmpdir(), "failover-ops-"));
  const config = homelabConfigFor(server, url, dataDir);
  const credentials = await prepareGitCredentials({ ...config.git });
  const clone = new WorkingClone({ url, branch: "main", dataDir, credentials, author: config.git.author });
  const calls: Call[] = [];
  const repo = new Proxy(clone, {
    get(target, property, receiver) {
      const value: unknown = Reflect.get(target, property, receiver);
      if (typeof value !== "function") return value;
      return (...args: unknown[]) => {
        calls.push({ method: String(property), args });
        return (value as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  }) as Repository;
  const operations = new FailoverOperations({
    repo,
    config: () => config,
    logger: silentLogger,
    sleep: () => Promise.resolve(),
  });
  const count = (method: string) => calls.filter((c) => c.method === method).length;
  return { operations, calls, count, clone, dataDir };
}

/** What every read answers from, in comparable form. */
function comparable(snapshot: RepoSnapshot | undefined) {
  if (!snapshot) throw new Error("no snapshot");
  return {
    revision: snapshot.revision,
    files: snapshot.files,
    readErrors: snapshot.readErrors,
    services: [...snapshot.services].map(([name, s]) => ({
      name,
      summary: s.summary,
      reading: s.reading,
      analysis: s.analysis,
    })),
    history: snapshot.history,
    commits: snapshot.commits,
  };
}

async function freshRead(server: SshGitServer, url: string): Promise<RepoSnapshot> {
  const { operations } = await homelabOperations(server, url);
  return operations.refresh();
}

const isAncestor = (bare: string, commit: string) =>
  git(["merge-base", "--is-ancestor", commit, "main"], bare).then(
    () => true,
    () => false,
  );

describe("writes plan from the snapshot in hand", () => {
  let server: SshGitServer;

  beforeAll(async () => {
    server = await startSshGitServer();
  });
  afterAll(async () => server.stop());

  it("one push and no fetch; the snapshot it publishes is what a fresh read finds", async () => {
    const url = await createHomelabRemote(server, "in-hand");
    const mine = await recordedOperations(server, url);
    const before = await mine.operations.refresh();
    mine.calls.length = 0;

    const result = await mine.operations.switchService("sonarr", "promote", options());
    expect(result.changed).toBe(true);
    expect(mine.count("sync")).toBe(0);
    expect(mine.count("readFile")).toBe(0);
    const pushes = mine.calls.filter((c) => c.method === "push");
    expect(pushes).toHaveLength(1);
    expect(pushes[0]?.args[0]).toMatchObject({ expected: before.revision });
    // The history is not read again: only the one new commit.
    expect(mine.calls.filter((c) => c.method === "log").map((c) => c.args[0])).toEqual([{ limit: 1 }]);

    expect(comparable(mine.operations.snapshot)).toEqual(comparable(await freshRead(server, url)));
    expect(mine.operations.snapshot?.revision).toBe(result.commit);
    expect(mine.operations.snapshot?.history[0]).toMatchObject({ commit: result.commit, action: "promote" });

    // And the next write goes the same way, from the snapshot the last one published.
    mine.calls.length = 0;
    const demote = await mine.operations.switchService("sonarr", "demote", options());
    expect(demote.changed).toBe(true);
    expect(mine.count("sync")).toBe(0);
    expect(mine.calls.find((c) => c.method === "push")?.args[0]).toMatchObject({ expected: result.commit });
    expect(comparable(mine.operations.snapshot)).toEqual(comparable(await freshRead(server, url)));
  });

  it("a fetch that finds the branch where it was reads nothing again", async () => {
    const url = await createHomelabRemote(server, "unchanged");
    const mine = await recordedOperations(server, url);
    const first = await mine.operations.refresh();
    mine.calls.length = 0;
    const second = await mine.operations.refresh();
    expect(second).toBe(first);
    expect(mine.count("sync")).toBe(1);
    expect(mine.count("readFile")).toBe(0);
    expect(mine.count("log")).toBe(0);

    const theirs = await pushChange(server.repoPath("unchanged"), (work) =>
      writeFile(join(work, "NOTES.md"), "someone else\n"),
    );
    const third = await mine.operations.refresh();
    expect(third.revision).toBe(theirs);
    expect(comparable(third)).toEqual(comparable(await freshRead(server, url)));
  });

  it("a snapshot behind the remote: the push is refused, the step fetches, plans again and keeps the other commit", async () => {
    const url = await createHomelabRemote(server, "behind");
    const mine = await recordedOperations(server, url);
    await mine.operations.refresh();
    const theirs = await pushChange(server.repoPath("behind"), (work) =>
      writeFile(join(work, "NOTES.md"), "someone else\n"),
    );
    mine.calls.length = 0;

    const result = await mine.operations.switchService("sonarr", "promote", options());
    expect(result.changed).toBe(true);
    expect(mine.count("push")).toBe(2);
    expect(mine.count("sync")).toBe(1);
    expect(await isAncestor(server.repoPath("behind"), theirs)).toBe(true);
    expect(await git(["rev-parse", "main"], server.repoPath("behind"))).toBe(result.commit);
    expect(await git(["rev-parse", `${result.commit ?? ""}^`], server.repoPath("behind"))).toBe(theirs);
    expect(comparable(mine.operations.snapshot)).toEqual(comparable(await freshRead(server, url)));

    // Others write to this branch: for a fetch interval, writes fetch first (one refusal, not one each).
    const again = await pushChange(server.repoPath("behind"), (work) =>
      writeFile(join(work, "NOTES.md"), "again\n"),
    );
    mine.calls.length = 0;
    const demote = await mine.operations.switchService("sonarr", "demote", options());
    expect(demote.changed).toBe(true);
    expect(mine.count("sync")).toBe(1);
    expect(mine.count("push")).toBe(1);
    expect(mine.calls.find((c) => c.method === "push")?.args[0]).toMatchObject({ expected: again });
  });

  it("another replica already did it: the second plan finds nothing to do", async () => {
    const url = await createHomelabRemote(server, "done");
    const mine = await recordedOperations(server, url);
    const other = await homelabOperations(server, url);
    await mine.operations.refresh();
    const theirs = await other.operations.switchService("sonarr", "promote", options({ actor: "other" }));

    const result = await mine.operations.switchService("sonarr", "promote", options());
    expect(result).toMatchObject({ changed: false, commit: null });
    expect(await git(["rev-parse", "main"], server.repoPath("done"))).toBe(theirs.commit);
    expect(mine.operations.snapshot?.revision).toBe(theirs.commit);
  });

  it("an answer that writes nothing is decided on a fetched tree, not on the snapshot in hand", async () => {
    const url = await createHomelabRemote(server, "noop");
    const mine = await recordedOperations(server, url);
    const other = await homelabOperations(server, url);
    await mine.operations.refresh();
    await mine.operations.switchService("sonarr", "promote", options());
    // Someone demotes it; the snapshot in hand still says backup.
    await other.operations.switchService("sonarr", "demote", options({ actor: "other" }));
    mine.calls.length = 0;
    const again = await mine.operations.switchService("sonarr", "promote", options());
    expect(again.changed).toBe(true);
    expect(mine.count("sync")).toBe(1);
    expect(await git(["rev-parse", "main"], server.repoPath("noop"))).toBe(again.commit);

    // Nothing to do, and the remote unreachable: said as such, not answered from memory.
    await server.pause();
    try {
      const error = await mine.operations.switchService("sonarr", "promote", options()).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect((error as FailoverError).code).toBe("GIT_UNREACHABLE");
    } finally {
      await server.resume();
    }
    expect(await mine.operations.switchService("sonarr", "promote", options())).toMatchObject({
      changed: false,
      commit: null,
    });
  });

  it("a branch moved back after the fetch: the push is refused, and what was dropped does not come back", async () => {
    const url = await createHomelabRemote(server, "rewound");
    const bare = server.repoPath("rewound");
    const dropped = await pushChange(bare, (work) => writeFile(join(work, "NOTES.md"), "dropped later\n"));
    const mine = await recordedOperations(server, url);
    expect((await mine.operations.refresh()).revision).toBe(dropped);
    // Someone with the right to do so moves the branch back (as a force-push would).
    const base = await git(["rev-parse", `${dropped}^`], bare);
    await git(["update-ref", "refs/heads/main", base, dropped], bare);

    const result = await mine.operations.switchService("sonarr", "promote", options());
    expect(result.changed).toBe(true);
    expect(mine.count("push")).toBe(2);
    expect(await isAncestor(bare, dropped)).toBe(false);
    expect(await git(["rev-parse", `${result.commit ?? ""}^`], bare)).toBe(base);
    const reflog = await git(["reflog", "show", "--format=%gs", "refs/heads/main"], bare);
    expect(reflog).not.toMatch(/forced/);
  });

  it("a push that fails leaves nothing to plan from: the next write fetches, and lands exactly once", async () => {
    const url = await createHomelabRemote(server, "declined");
    const bare = server.repoPath("declined");
    const mine = await recordedOperations(server, url);
    const before = await mine.operations.refresh();
    const hook = join(bare, "hooks", "pre-receive");
    await writeFile(hook, "#!/bin/sh\necho 'protected branch: pushes are not allowed' >&2\nexit 1\n", {
      mode: 0o755,
    });
    const error = await mine.operations.switchService("sonarr", "promote", options()).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(FailoverError);
    expect((error as FailoverError).code).toBe("GIT_PROTECTED_BRANCH");
    expect(await git(["rev-parse", "main"], bare)).toBe(before.revision);
    expect(mine.operations.snapshot).toBe(before);
    await rm(hook);

    mine.calls.length = 0;
    const result = await mine.operations.switchService("radarr", "promote", options());
    expect(mine.count("sync")).toBe(1);
    expect(await git(["rev-parse", `${result.commit ?? ""}^`], bare)).toBe(before.revision);
    // Only radarr's file changed in that commit: nothing of the failed sonarr attempt leaked in.
    const files = await git(["show", "--name-only", "--format=", result.commit ?? ""], bare);
    expect(files).not.toContain(sonarrFile);
    expect(comparable(mine.operations.snapshot)).toEqual(comparable(await freshRead(server, url)));
  });
});
