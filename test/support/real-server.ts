import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadConfig } from "../../src/config/load-config.js";
import { startServer, type RunningServer } from "../../src/server/start-server.js";
import { freePort } from "./free-port.js";
import { createHomelabRemote } from "./homelab-remote.js";
import { serveConfigYaml } from "./serve-config.js";
import type { SshGitServer } from "./ssh-git-server.js";

export interface RealServer {
  base: string;
  port: number;
  configPath: string;
  server: RunningServer;
  services: string[];
  /** Stops the server; `start()` brings it back on the same port (same repository, new process state). */
  stop(): Promise<void>;
  start(): Promise<void>;
}

/**
 * The real server (`startServer`, as `failover-api serve` runs it) on the example homelab over the
 * SSH remote, cluster off. `auth` is the config's auth section; a value naming one of `files`
 * (written beside the config) becomes that file's path.
 */
export async function startRealServer(
  ssh: SshGitServer,
  repo: string,
  auth: Record<string, unknown>,
  files: Record<string, string> = {},
): Promise<RealServer> {
  const url = await createHomelabRemote(ssh, repo);
  const dir = await mkdtemp(join(tmpdir(), "failover-browser-"));
  for (const [name, text] of Object.entries(files)) await writeFile(join(dir, name), text);
  const resolved = Object.fromEntries(
    Object.entries(auth).map(([k, v]) => [k, typeof v === "string" && v in files ? join(dir, v) : v]),
  );
  const configPath = join(dir, "config.yaml");
  await writeFile(configPath, serveConfigYaml(ssh, url, join(dir, "data"), resolved));
  const services = (await loadConfig(configPath)).services.map((s) => s.name);
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const handle: RealServer = {
    base,
    port,
    configPath,
    services,
    server: undefined as unknown as RunningServer,
    async stop() {
      await handle.server.close();
    },
    async start() {
      handle.server = await startServer({ configPath, host: "127.0.0.1", port, write: () => undefined });
      const deadline = Date.now() + 30_000;
      while ((await fetch(`${base}/readyz`).then((r) => r.status)) !== 200) {
        if (Date.now() > deadline) throw new Error(`${base} not ready within 30 s`);
        await new Promise((r) => setTimeout(r, 100));
      }
    },
  };
  await handle.start();
  return handle;
}
