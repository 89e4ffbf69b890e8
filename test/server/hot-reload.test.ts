import { mkdir, mkdtemp, rename, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startServer, type RunningServer } from "../../src/server/start-server.js";
import { createHomelabRemote } from "../support/homelab-remote.js";
import { eventually, serveConfigYaml, tokensYaml } from "../support/serve-config.js";
import { startSshGitServer, type SshGitServer } from "../support/ssh-git-server.js";

describe("startServer: configuration hot reload", () => {
  let ssh: SshGitServer;
  let server: RunningServer;
  let dir: string;
  let yaml: (readRequiresToken: boolean) => string;
  const logs: string[] = [];
  const servicesStatus = async () => (await fetch(`${server.url}/api/services`)).status;
  const reloadMetric = async (result: string) => {
    const text = await (await fetch(`${server.url}/metrics`)).text();
    const line = text
      .split("\n")
      .find((l) => l.startsWith(`failover_config_reloads_total{result="${result}"}`));
    return Number(line?.split(" ")[1] ?? 0);
  };

  beforeAll(async () => {
    ssh = await startSshGitServer();
    const url = await createHomelabRemote(ssh, "reload");
    dir = await mkdtemp(join(tmpdir(), "failover-reload-"));
    const tokensFile = join(dir, "tokens.yaml");
    await writeFile(tokensFile, tokensYaml);
    yaml = (readRequiresToken) =>
      serveConfigYaml(ssh, url, join(dir, "data"), { mode: "token", tokensFile, readRequiresToken });
    // ConfigMap layout: config.yaml → ..data/config.yaml, ..data → ..v1
    await mkdir(join(dir, "cm", "..v1"), { recursive: true });
    await writeFile(join(dir, "cm", "..v1", "config.yaml"), yaml(false));
    await symlink("..v1", join(dir, "cm", "..data"));
    await symlink("..data/config.yaml", join(dir, "cm", "config.yaml"));
    server = await startServer({
      configPath: join(dir, "cm", "config.yaml"),
      host: "127.0.0.1",
      port: 0,
      write: (line) => logs.push(line),
    });
    await eventually(servicesStatus, (s) => s === 200);
  });
  afterAll(async () => {
    await server.close();
    await ssh.stop();
  });

  it("becomes ready after the first fetch and logs where it listens", async () => {
    expect(await servicesStatus()).toBe(200);
    expect((await fetch(`${server.url}/readyz`)).status).toBe(200);
    expect(logs.some((l) => l.includes(`Listening on ${server.url}`))).toBe(true);
  });

  it("applies a valid change, rejects an invalid one and keeps the old, and follows a symlink swap", async () => {
    // Valid change written in place.
    await writeFile(join(dir, "cm", "..v1", "config.yaml"), yaml(true));
    expect(await eventually(servicesStatus, (s) => s === 401)).toBe(401);
    expect(await reloadMetric("success")).toBeGreaterThanOrEqual(1);

    // Invalid change: rejected, counted, the previous configuration keeps serving.
    await writeFile(join(dir, "cm", "..v1", "config.yaml"), "services: [\n");
    expect(
      await eventually(
        () => reloadMetric("error"),
        (n) => n >= 1,
      ),
    ).toBeGreaterThanOrEqual(1);
    expect(await servicesStatus()).toBe(401);
    expect(logs.some((l) => l.includes("reload rejected"))).toBe(true);

    // ConfigMap-style update: a new directory, then ..data swapped atomically.
    await mkdir(join(dir, "cm", "..v2"));
    await writeFile(join(dir, "cm", "..v2", "config.yaml"), yaml(false));
    await symlink("..v2", join(dir, "cm", "..data_tmp"));
    await rename(join(dir, "cm", "..data_tmp"), join(dir, "cm", "..data"));
    expect(await eventually(servicesStatus, (s) => s === 200)).toBe(200);
  });
});
