import { existsSync } from "node:fs";
import { mkdir, mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium, type Browser, type Page } from "playwright-core";
import { loadConfig } from "../../src/config/load-config.js";
import { startServer, type RunningServer } from "../../src/server/start-server.js";
import { freePort } from "./free-port.js";
import { createHomelabRemote } from "./homelab-remote.js";
import { serveConfigYaml } from "./serve-config.js";
import type { SshGitServer } from "./ssh-git-server.js";

/** Debian's Chromium (`apt-get install chromium`); Playwright's own browser download cannot work here. */
export const chromiumPath = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";

/**
 * Headless Chromium driven by Playwright. Playwright gives every launch a fresh temporary
 * profile (its own --user-data-dir), so no state leaks between runs.
 */
export async function launchChromium(): Promise<Browser> {
  if (!existsSync(chromiumPath)) {
    throw new Error(`${chromiumPath} is missing: install Debian's chromium (apt-get install chromium)`);
  }
  return chromium.launch({
    executablePath: chromiumPath,
    headless: true,
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
}

/**
 * Collects what must never happen on a page: uncaught errors and Content-Security-Policy or
 * Trusted Types violations (Chromium reports those on the console).
 */
export function watchPage(page: Page): string[] {
  const problems: string[] = [];
  page.on("pageerror", (error) => problems.push(`page error: ${error.message}`));
  page.on("console", (message) => {
    const text = message.text();
    if (/Content Security Policy|Trusted ?Type|TrustedHTML|TrustedScript/i.test(text))
      problems.push(`csp: ${text}`);
  });
  return problems;
}

export interface DashboardServer {
  base: string;
  port: number;
  configPath: string;
  server: RunningServer;
  services: string[];
  /** Stops the server; `start()` brings it back on the same port (same repository, new process state). */
  stop(): Promise<void>;
  start(): Promise<void>;
}

/** The real server (`startServer`, as `serve` runs it) on the example homelab over the SSH remote. */
export async function startDashboardServer(
  ssh: SshGitServer,
  repo: string,
  auth: Record<string, unknown>,
  files: Record<string, string> = {},
): Promise<DashboardServer> {
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
  const handle: DashboardServer = {
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

/** Where screenshots go: docs/images when FAILOVER_SCREENSHOTS names it, else a temporary directory. */
export async function screenshotDir(): Promise<string> {
  const dir = process.env.FAILOVER_SCREENSHOTS ?? join(tmpdir(), "failover-screenshots");
  await mkdir(dir, { recursive: true });
  return dir;
}
