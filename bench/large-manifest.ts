/**
 * Memory of large managed files (`npm run bench:large-manifest`): the built server
 * (`failover-api serve`, its own process) over SSH on loopback, one service whose manifest is
 * padded to a given size with a ConfigMap of real key/value lines (two YAML values per line,
 * the parser's expensive case within the limits). Per size: a promote and a demote, the peak
 * RSS (VmHWM) and the RSS 20 s after, against the RSS before. Sizes over the limits must be
 * refused (422) without being read.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { freePort } from "../test/support/free-port.js";
import { createHomelabRemote } from "../test/support/homelab-remote.js";
import { pushChange } from "../test/support/push-change.js";
import { serveConfigYaml } from "../test/support/serve-config.js";
import { startSshGitServer } from "../test/support/ssh-git-server.js";

const root = join(import.meta.dirname, "..");
const file = "kubernetes/apps/media/radarr/app/deployment.yaml";
const sizes = [64, 256, 440, 600, 5 * 1024, 50 * 1024].map((k) => k * 1024);

function padding(bytes: number): string {
  const lines = ["---", "apiVersion: v1", "kind: ConfigMap", "metadata:", "  name: radarr-padding", "data:"];
  let length = lines.join("\n").length;
  for (let i = 0; length < bytes - 64; i++) {
    const line = `  key-${String(i).padStart(6, "0")}: "a value of about forty bytes ${i}"`;
    lines.push(line);
    length += line.length + 1;
  }
  return `${lines.join("\n")}\n`;
}

async function memory(pid: number): Promise<{ rss: number; peak: number }> {
  const text = await readFile(`/proc/${pid}/status`, "utf8");
  const kb = (key: string) => Number(new RegExp(`${key}:\\s+(\\d+)`).exec(text)?.[1] ?? NaN);
  return { rss: kb("VmRSS") / 1024, peak: kb("VmHWM") / 1024 };
}

async function waitReady(url: string, child: ChildProcess): Promise<void> {
  for (let i = 0; i < 300; i++) {
    if (child.exitCode !== null) throw new Error(`serve exited with ${child.exitCode}`);
    if (
      await fetch(`${url}/readyz`).then(
        (r) => r.status === 200,
        () => false,
      )
    )
      return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error("serve did not become ready");
}

async function main(): Promise<void> {
  const ssh = await startSshGitServer();
  const rows: string[] = [];
  try {
    for (const size of sizes) {
      const name = `large-${size}`;
      const url = await createHomelabRemote(ssh, name);
      await pushChange(ssh.repoPath(name), async (work) => {
        const path = join(work, file);
        const text = await readFile(path, "utf8");
        await writeFile(path, text + padding(size - text.length));
      });
      const dir = await mkdtemp(join(tmpdir(), "failover-large-"));
      const configPath = join(dir, "config.yaml");
      await writeFile(configPath, serveConfigYaml(ssh, url, join(dir, "data"), { mode: "none" }));
      const port = await freePort();
      const base = `http://127.0.0.1:${port}`;
      const child = spawn(
        "node",
        [
          "bin/failover-api.js",
          "serve",
          "--config",
          configPath,
          "--host",
          "127.0.0.1",
          "--port",
          String(port),
        ],
        { cwd: root, stdio: ["ignore", "ignore", "ignore"] },
      );
      try {
        await waitReady(base, child);
        const pid = child.pid ?? 0;
        await new Promise((r) => setTimeout(r, 2000));
        const before = await memory(pid);
        const started = performance.now();
        const promote = await fetch(`${base}/api/failover/radarr/promote`, { method: "POST" });
        const promoteMs = performance.now() - started;
        const demote = await fetch(`${base}/api/failover/radarr/demote?force=true`, { method: "POST" });
        const during = await memory(pid);
        await new Promise((r) => setTimeout(r, 20_000));
        const after = await memory(pid);
        const outcome =
          promote.status === 200 && demote.status === 200
            ? "promoted and demoted"
            : `refused (${promote.status}): ${((await promote.json()) as { detail: string }).detail.slice(0, 90)}`;
        rows.push(
          `| ${(size / 1024).toFixed(0)} KiB | ${outcome} | ${promoteMs.toFixed(0)} ms | ${before.rss.toFixed(0)} MiB | ${during.peak.toFixed(0)} MiB | ${after.rss.toFixed(0)} MiB |`,
        );
        console.log(rows.at(-1));
      } finally {
        child.kill("SIGTERM");
        await new Promise((r) => child.once("exit", r));
        await rm(dir, { recursive: true, force: true });
      }
    }
  } finally {
    await ssh.stop();
  }
  console.log(
    [
      "",
      "| managed file | outcome | promote | RSS before | peak RSS (VmHWM) | RSS 20 s after |",
      "|---|---|---|---|---|---|",
      ...rows,
    ].join("\n"),
  );
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
