import { mkdtemp, readdir, readFile, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { homelabDir } from "../support/homelab.js";
import { createHomelabRemote } from "../support/homelab-remote.js";
import { startSshGitServer, type SshGitServer } from "../support/ssh-git-server.js";
import { runBin, stackFrame } from "../support/run-bin.js";
import { git } from "../support/test-git.js";

const cli = runBin;

/** The local (break-glass) CLI, run as a real process against a real SSH remote. */
describe("failover-api CLI, local mode", () => {
  let server: SshGitServer;
  let config: string;
  let dataDir: string;
  const local = (args: string[]) => cli([...args, "--config", config, "--data-dir", dataDir]);

  beforeAll(async () => {
    server = await startSshGitServer();
    const url = await createHomelabRemote(server, "cli");
    const dir = await mkdtemp(join(tmpdir(), "failover-cli-"));
    dataDir = join(dir, "data");
    config = join(dir, "config.yaml");
    const example = await readFile(join(homelabDir, "failover-api.yaml"), "utf8");
    const gitSection = `git:\n  url: ${url}\n  sshKeyFile: ${server.clientKeyFile}\n  knownHostsFile: ${server.knownHostsFile}\n`;
    await writeFile(config, example.replace(/^git:\n(?: {2}.*\n)+/m, gitSection));
  });
  afterAll(async () => server.stop());

  it("lists services as a table and as JSON", async () => {
    const table = await local(["services"]);
    expect(table.code).toBe(0);
    expect(table.stdout.split("\n")[0]).toMatch(/^NAME +NAMESPACE +ROLE +ACTIVE +PRIMARY +BACKUP +PROBLEMS$/);
    expect(table.stdout).toMatch(/^sonarr +media +primary +w1 +w1 +w2\s*$/m);
    const json = await local(["services", "-o", "json"]);
    const body = JSON.parse(json.stdout) as { services: { name: string; role: string }[]; revision: string };
    expect(body.revision).toMatch(/^[0-9a-f]{40}$/);
    expect(body.services.find((s) => s.name === "lidarr")?.role).toBe("backup");
  });

  it("promotes with --dry-run (nothing written), then for real, then reports status and history", async () => {
    const head = await git(["rev-parse", "main"], server.repoPath("cli"));
    const dry = await local(["promote", "sonarr", "--dry-run"]);
    expect(dry.code).toBe(0);
    expect(dry.stdout).toContain("sonarr: promote primary -> backup (dry run, nothing written)");
    expect(dry.stdout).toContain(
      "+            claimName: sonarr-config-backup # switched by failover-api: sonarr-config on w1, sonarr-config-backup on w2",
    );
    expect(await git(["rev-parse", "main"], server.repoPath("cli"))).toBe(head);

    const real = await local(["promote", "sonarr", "--reason", "w1 is down", "-o", "json"]);
    expect(real.code).toBe(0);
    const result = JSON.parse(real.stdout) as { changed: boolean; commit: string };
    expect(result.changed).toBe(true);
    expect(await git(["rev-parse", "main"], server.repoPath("cli"))).toBe(result.commit);
    const actor = await git(
      ["log", "-1", "--format=%(trailers:key=Failover-Actor,valueonly)", "main"],
      server.repoPath("cli"),
    );
    expect(actor).toMatch(/^cli:/);

    const status = await local(["status", "sonarr"]);
    expect(status.stdout.split("\n")[0]).toBe("sonarr (media): backup on w2");
    const history = await local(["history", "sonarr", "-o", "json"]);
    expect(JSON.parse(history.stdout)).toMatchObject({
      name: "sonarr",
      operations: [{ action: "promote", reason: "w1 is down", commit: result.commit }],
    });
    const again = await local(["promote", "sonarr"]);
    expect(again).toMatchObject({ code: 0 });
    expect(again.stdout).toContain("sonarr: already backup, nothing to do");
  });

  it("exits 1 when an operation is refused and 2 for usage or configuration errors", async () => {
    const refused = await local(["promote", "uptime-kuma"]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain("flux-applies");
    const unusable = await local(["promote", "readarr"]);
    expect(unusable.code).toBe(1);
    expect((await local(["promote", "nope"])).code).toBe(2);
    expect((await local(["promote"])).code).toBe(2);
    expect((await cli(["services", "--config", "/nonexistent.yaml"])).code).toBe(2);
    expect((await local(["services", "-o", "yaml"])).code).toBe(2);
  });

  it("evacuates a node in one commit", async () => {
    const before = Number(await git(["rev-list", "--count", "main"], server.repoPath("cli")));
    const result = await local(["evacuate", "w1", "-o", "json"]);
    expect(result.code).toBe(0);
    const body = JSON.parse(result.stdout) as { services: string[]; skipped: { name: string }[] };
    expect(body.services.length).toBeGreaterThan(15);
    expect(body.skipped.map((s) => s.name)).toContain("sonarr");
    expect(Number(await git(["rev-list", "--count", "main"], server.repoPath("cli")))).toBe(before + 1);
  });

  it("without --data-dir, clones into a per-user cache (XDG_CACHE_HOME, else ~/.cache) and says where, once", async () => {
    const cache = await mkdtemp(join(tmpdir(), "failover-cache-"));
    const env = { XDG_CACHE_HOME: cache, FAILOVER_API_DATA_DIR: undefined };
    const first = await cli(["services", "--config", config], env);
    expect(first.code, first.stderr).toBe(0);
    const [name, ...others] = await readdir(join(cache, "failover-api", "clones"));
    expect(others).toEqual([]);
    expect(name).toMatch(/^root_127\.0\.0\.1_\d+_.*cli\.git-[0-9a-f]{8}$/);
    expect(first.stderr).toContain(
      `failover-api: working clone: ${join(cache, "failover-api", "clones", name!)} (a per-user cache; --data-dir or FAILOVER_API_DATA_DIR to choose)`,
    );
    expect((await stat(join(cache, "failover-api", "clones", name!, "repo", ".git"))).isDirectory()).toBe(
      true,
    );
    const second = await cli(["services", "--config", config], env);
    expect(second.code).toBe(0);
    expect(second.stderr).not.toContain("working clone:");

    const home = await mkdtemp(join(tmpdir(), "failover-home-"));
    const viaHome = await cli(["status", "sonarr", "--config", config], {
      HOME: home,
      XDG_CACHE_HOME: undefined,
      FAILOVER_API_DATA_DIR: undefined,
    });
    expect(viaHome.code, viaHome.stderr).toBe(0);
    expect(await readdir(join(home, ".cache", "failover-api", "clones"))).toHaveLength(1);
  });

  it("a data directory that cannot be created is a configuration error naming it and the way out", async () => {
    const file = join(await mkdtemp(join(tmpdir(), "failover-notadir-")), "file");
    await writeFile(file, "");
    const result = await cli(["services", "--config", config, "--data-dir", join(file, "data")]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(
      `cannot create the working clone directory ${join(file, "data")} (ENOTDIR)`,
    );
    expect(result.stderr).toContain("--data-dir DIR or FAILOVER_API_DATA_DIR");
    expect(result.stderr).not.toMatch(stackFrame);
  });
});
