import { copyFile, chmod, mkdtemp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runDoctor } from "../../src/doctor/run-doctor.js";
import { runBin } from "../support/run-bin.js";
import { homelabDir } from "../support/homelab.js";
import { createHomelabRemote } from "../support/homelab-remote.js";
import { startSshGitServer, type SshGitServer } from "../support/ssh-git-server.js";

describe("doctor", () => {
  let server: SshGitServer;
  let url: string;
  let dir: string;
  const writeConfig = async (name: string, key: string, knownHosts: string) => {
    const example = await readFile(join(homelabDir, "failover-api.yaml"), "utf8");
    const path = join(dir, name);
    const gitSection = `git:\n  url: ${url}\n  sshKeyFile: ${key}\n  knownHostsFile: ${knownHosts}\n`;
    await writeFile(path, example.replace(/^git:\n(?: {2}.*\n)+/m, gitSection));
    return path;
  };

  beforeAll(async () => {
    server = await startSshGitServer();
    url = await createHomelabRemote(server, "doctor");
    dir = await mkdtemp(join(tmpdir(), "doctor-"));
  });
  afterAll(async () => server.stop());

  it("passes a working setup and flags each unusable service", async () => {
    const config = await writeConfig("ok.yaml", server.clientKeyFile, server.knownHostsFile);
    const checks = await runDoctor(config, join(dir, "data-ok"));
    const byName = Object.fromEntries(checks.map((c) => [c.name, c]));
    for (const name of [
      "config",
      "ssh-key",
      "known-hosts",
      "remote-readable",
      "remote-writable",
      "service/sonarr",
    ]) {
      expect(byName[name]?.status, `${name}: ${byName[name]?.detail}`).toBe("pass");
    }
    expect(byName["service/readarr"]).toMatchObject({ status: "fail" });
    expect(byName["service/readarr"]?.detail).toContain(
      "kubernetes/apps/media/readarr/app/deployment.yaml:64",
    );
  });

  it("fails a public key, an unknown host and warns on a readable key", async () => {
    const pub = await writeConfig("pub.yaml", `${server.clientKeyFile}.pub`, server.knownHostsFile);
    expect((await runDoctor(pub, join(dir, "d1"))).find((c) => c.name === "ssh-key")).toMatchObject({
      status: "fail",
      detail: expect.stringContaining("holds a public key") as string,
    });
    const empty = join(dir, "empty_known_hosts");
    await writeFile(empty, "");
    const unknown = await writeConfig("unknown.yaml", server.clientKeyFile, empty);
    const checks = await runDoctor(unknown, join(dir, "d2"));
    expect(checks.find((c) => c.name === "known-hosts")).toMatchObject({
      status: "fail",
      detail: expect.stringContaining(`ssh-keyscan -p ${server.port} 127.0.0.1`) as string,
    });
    expect(checks.find((c) => c.name === "remote")).toMatchObject({ status: "skip" });
    const readable = join(dir, "readable_key");
    await copyFile(server.clientKeyFile, readable);
    await chmod(readable, 0o644);
    const warn = await writeConfig("warn.yaml", readable, server.knownHostsFile);
    const warnChecks = await runDoctor(warn, join(dir, "d3"));
    expect(warnChecks.find((c) => c.name === "ssh-key")?.status).toBe("warn");
    expect(warnChecks.find((c) => c.name === "remote-writable")?.status).toBe("pass");
  });

  it("the doctor command clones into the per-user cache by default and says where", async () => {
    const config = await writeConfig("cache.yaml", server.clientKeyFile, server.knownHostsFile);
    const cache = await mkdtemp(join(tmpdir(), "doctor-cache-"));
    const result = await runBin(["doctor", "--config", config, "-o", "json"], {
      XDG_CACHE_HOME: cache,
      FAILOVER_API_DATA_DIR: undefined,
      KUBECONFIG: undefined,
    });
    const { checks } = JSON.parse(result.stdout) as {
      checks: { name: string; status: string; detail: string }[];
    };
    const readable = checks.find((c) => c.name === "remote-readable");
    expect(readable?.status).toBe("pass");
    expect(readable?.detail).toContain(` into ${join(cache, "failover-api", "clones")}/`);
  });
});
