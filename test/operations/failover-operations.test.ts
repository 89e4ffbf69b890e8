import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FailoverError } from "../../src/domain/failover-error.js";
import type { FailoverOperations } from "../../src/operations/failover-operations.js";
import type { Repository } from "../../src/operations/repository.js";
import { createHomelabRemote, homelabOperations } from "../support/homelab-remote.js";
import { startSshGitServer, type SshGitServer } from "../support/ssh-git-server.js";
import { git } from "../support/test-git.js";

const golden = (name: string) => readFileSync(join(import.meta.dirname, "../golden/homelab", name), "utf8");
const options = (extra: object = {}) => ({
  actor: "cli:tester",
  requestId: "00000000-0000-4000-8000-000000000001",
  ...extra,
});

async function remoteLog(server: SshGitServer, repo: string, format: string): Promise<string> {
  return git(["log", `--format=${format}`, "main"], server.repoPath(repo));
}

async function rejection<T>(promise: Promise<T>): Promise<FailoverError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(FailoverError);
    return error as FailoverError;
  }
  throw new Error("expected a rejection");
}

describe("FailoverOperations over SSH", () => {
  let server: SshGitServer;
  let url: string;
  let ops: FailoverOperations;

  beforeAll(async () => {
    server = await startSshGitServer();
    url = await createHomelabRemote(server, "ops");
    ({ operations: ops } = await homelabOperations(server, url));
  });
  afterAll(async () => server.stop());

  it("dry-run plans the exact diff and writes nothing", async () => {
    const before = await remoteLog(server, "ops", "%H");
    const result = await ops.switchService("sonarr", "promote", options({ dryRun: true }));
    expect(result).toMatchObject({
      name: "sonarr",
      action: "promote",
      dryRun: true,
      changed: true,
      from: "primary",
      to: "backup",
      commit: null,
      forced: false,
    });
    expect(result.diff).toBe(golden("sonarr.promote.diff"));
    expect(result.files).toEqual(["kubernetes/apps/media/sonarr/app/deployment.yaml"]);
    expect(result.checks.map((c) => [c.name, c.status])).toEqual([
      ["config", "pass"],
      ["backup-fresh", "skip"],
      ["target-node-ready", "skip"],
      ["source-stopped", "skip"],
      ["reverse-synced", "pass"],
      ["flux-applies", "pass"],
    ]);
    expect(await remoteLog(server, "ops", "%H")).toBe(before);
  });

  it("promote commits the exact message, trailers and identity, and pushes", async () => {
    const result = await ops.switchService(
      "sonarr",
      "promote",
      options({ reason: "w1 died\nFailover-Forced: true\u0007" }),
    );
    expect(result.changed).toBe(true);
    expect(result.commit).toMatch(/^[0-9a-f]{40}$/);
    const head = await remoteLog(server, "ops", "%H%n%an <%ae>%n%cn <%ce>%n%B");
    expect(head.split("\n").slice(0, 12).join("\n")).toBe(
      [
        result.commit,
        "failover-api <failover-api@users.noreply.local>",
        "failover-api <failover-api@users.noreply.local>",
        "failover(sonarr): promote to backup on w2",
        "",
        "w1 died Failover-Forced: true",
        "",
        "Failover-Service: sonarr",
        "Failover-Action: promote",
        "Failover-Actor: cli:tester",
        "Failover-Reason: w1 died Failover-Forced: true",
        "Failover-Request-Id: 00000000-0000-4000-8000-000000000001",
      ].join("\n"),
    );
    expect(ops.snapshot?.services.get("sonarr")?.summary).toMatchObject({ role: "backup", activeNode: "w2" });
  });

  it("a second promote is a success with changed: false and no commit", async () => {
    const before = await remoteLog(server, "ops", "%H");
    const result = await ops.switchService("sonarr", "promote", options());
    expect(result).toMatchObject({ changed: false, commit: null, diff: "" });
    expect(await remoteLog(server, "ops", "%H")).toBe(before);
  });

  it("refuses a service whose manifests are unusable (config) and does not let force override it", async () => {
    const error = await rejection(ops.switchService("readarr", "promote", options({ force: true })));
    expect(error.code).toBe("MANIFEST_UNSUPPORTED");
    expect(error.message).toContain("kubernetes/apps/media/readarr/app/deployment.yaml:64");
  });

  it("refuses a failing check unless forced, and records a forced operation", async () => {
    const refused = await rejection(ops.switchService("uptime-kuma", "promote", options()));
    expect(refused.code).toBe("PREFLIGHT_FAILED");
    expect(refused.details.checks).toContainEqual(
      expect.objectContaining({ name: "flux-applies", status: "fail" }),
    );
    const forced = await ops.switchService(
      "uptime-kuma",
      "promote",
      options({ force: true, reason: "planned" }),
    );
    expect(forced).toMatchObject({ changed: true, forced: true });
    expect(await remoteLog(server, "ops", "%(trailers:key=Failover-Forced,valueonly)")).toMatch(/^true/);
  });

  it("demote without a reverse replication object fails reverse-synced", async () => {
    await ops.switchService("overseerr", "promote", options());
    const error = await rejection(ops.switchService("overseerr", "demote", options()));
    expect(error.code).toBe("PREFLIGHT_FAILED");
    expect(error.details.checks).toContainEqual(
      expect.objectContaining({ name: "reverse-synced", status: "fail" }),
    );
  });

  it("demote restores the files byte for byte", async () => {
    const result = await ops.switchService("sonarr", "demote", options());
    expect(result).toMatchObject({ changed: true, from: "backup", to: "primary" });
    expect(result.diff).toBe(golden("sonarr.demote.diff"));
    const promoted = (await ops.history("sonarr", 2))[1]?.commit ?? "";
    const diff = await git(
      ["diff", "--stat", `${promoted}~1`, "main", "--", "kubernetes/apps/media/sonarr"],
      server.repoPath("ops"),
    );
    expect(diff).toBe("");
  });

  it("history reads operations back from trailers, newest first, with forced flags", async () => {
    const sonarr = await ops.history("sonarr", 20);
    expect(sonarr.map((o) => o.action)).toEqual(["demote", "promote"]);
    expect(sonarr[1]).toMatchObject({
      services: ["sonarr"],
      actor: "cli:tester",
      reason: "w1 died Failover-Forced: true",
      forced: false,
      requestId: "00000000-0000-4000-8000-000000000001",
    });
    expect(sonarr[1]?.at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    const kuma = await ops.history("uptime-kuma", 1);
    expect(kuma[0]).toMatchObject({ action: "promote", forced: true, reason: "planned" });
  });

  it("evacuate promotes every eligible primary of the node in one commit and lists the others", async () => {
    const before = Number(await git(["rev-list", "--count", "main"], server.repoPath("ops")));
    const result = await ops.evacuate("w1", options({ reason: "node w1 is down" }));
    const after = Number(await git(["rev-list", "--count", "main"], server.repoPath("ops")));
    expect(after - before).toBe(1);
    expect(result.services).toContain("sonarr");
    expect(result.services).not.toContain("esphome");
    expect(result.skipped).toEqual(
      expect.arrayContaining([
        { name: "lidarr", reason: "already on backup" },
        expect.objectContaining({ name: "readarr", reason: expect.stringContaining("refused: ") as string }),
        expect.objectContaining({
          name: "postgres",
          reason: expect.stringContaining("volumeClaimTemplates") as string,
        }),
      ]),
    );
    const subject = await remoteLog(server, "ops", "%s");
    expect(subject.split("\n")[0]).toBe(`failover: evacuate w1 (${result.services.length} services)`);
    const services = await remoteLog(server, "ops", "%(trailers:key=Failover-Service,valueonly)");
    expect(services.split("\n").filter(Boolean).slice(0, result.services.length)).toEqual(result.services);
    const history = await ops.history("radarr", 1);
    expect(history[0]).toMatchObject({ action: "evacuate", commit: result.commit });
    expect(ops.snapshot?.services.get("radarr")?.summary.role).toBe("backup");
  });

  it("unknown services and nodes are not found", async () => {
    expect((await rejection(ops.switchService("nope", "promote", options()))).code).toBe("SERVICE_NOT_FOUND");
    expect((await rejection(ops.evacuate("w9", options()))).message).toBe('no service names node "w9"');
  });
});

describe("rejected push", () => {
  it("re-plans from the new tree: work someone else already did ends as changed: false, their commit kept", async () => {
    const server = await startSshGitServer();
    try {
      const url = await createHomelabRemote(server, "race");
      const other = await homelabOperations(server, url);
      const mine = await homelabOperations(server, url);
      await mine.operations.refresh();
      // Between my fetch and my push, the other replica promotes the same service.
      let raced = false;
      const racingRepo: Repository = {
        remote: mine.clone.remote,
        sync: () => mine.clone.sync(),
        head: () => mine.clone.head(),
        readFile: (p) => mine.clone.readFile(p),
        readFileAt: (rev, p) => mine.clone.readFileAt(rev, p),
        commitsSince: (sha) => mine.clone.commitsSince(sha),
        resetToRemote: () => mine.clone.resetToRemote(),
        log: (o) => mine.clone.log(o),
        commit: async (files, message) => {
          if (!raced) {
            raced = true;
            await other.operations.switchService("radarr", "promote", options({ actor: "other" }));
          }
          return mine.clone.commit(files, message);
        },
        push: () => mine.clone.push(),
        release: () => mine.clone.release(),
      };
      const { FailoverOperations } = await import("../../src/operations/failover-operations.js");
      const { silentLogger } = await import("../../src/log/json-logger.js");
      const racing = new FailoverOperations({
        repo: racingRepo,
        config: () => mine.config,
        logger: silentLogger,
        sleep: () => Promise.resolve(),
      });
      const result = await racing.switchService("radarr", "promote", options());
      expect(result).toMatchObject({ changed: false, commit: null });
      const log = await git(
        ["log", "--format=%s|%(trailers:key=Failover-Actor,valueonly)", "main"],
        server.repoPath("race"),
      );
      expect(log.split("\n")[0]).toBe("failover(radarr): promote to backup on w2|other");
      const reflog = await git(
        ["reflog", "show", "--format=%gs", "refs/heads/main"],
        server.repoPath("race"),
      );
      expect(reflog).not.toMatch(/forced/);
    } finally {
      await server.stop();
    }
  });
});
