import { type ChildProcess, spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { chmod, mkdtemp, readFile, readdir, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse, stringify } from "yaml";
import { parseConfig } from "../../src/config/parse-config.js";
import { readRole } from "../../src/domain/read-role.js";
import { filesOf, scanService } from "../../src/manifests/scan-service.js";
import { freePort } from "../support/free-port.js";
import { homelabDir } from "../support/homelab.js";
import { operatorToken, serveConfigYaml, tokensYaml } from "../support/serve-config.js";
import type { SshGitServer } from "../support/ssh-git-server.js";
import { git, otherIdentity } from "../support/test-git.js";

const root = join(import.meta.dirname, "../..");
export const auth = { authorization: `Bearer ${operatorToken}` };

/** A pre-receive hook that sleeps: widens the window in which a push is in flight. */
export async function slowPreReceive(bare: string, seconds: number): Promise<void> {
  const hook = join(bare, "hooks", "pre-receive");
  await writeFile(hook, `#!/bin/sh\ncat >/dev/null\nsleep ${seconds}\n`);
  await chmod(hook, 0o755);
}

/** What a remote looked like, to compare after a fault. */
export interface RemoteState {
  head: string;
  /** Every commit someone other than failover-api pushed, which must never be lost. */
  foreign: string[];
}

export async function remoteState(bare: string): Promise<RemoteState> {
  const head = await git(["rev-parse", "main"], bare);
  const foreign = (await git(["log", "--format=%H %ae", "main"], bare))
    .split("\n")
    .filter((l) => l.endsWith(` ${otherIdentity.email}`))
    .map((l) => l.split(" ")[0] ?? "");
  return { head, foreign };
}

/** A commit by someone else, pushed straight into the bare repository's branch. */
export async function foreignCommit(bare: string, n: number): Promise<string> {
  const work = await mkdtemp(join(tmpdir(), "foreign-"));
  // --no-local: through upload-pack, a consistent view. A local clone copies the object files,
  // and a push landing meanwhile (a killed server's git outlives it) removes its quarantine
  // directory under the copy ("failed to copy file ... No such file or directory").
  await git(["clone", "--quiet", "--no-local", bare, work]);
  await writeFile(join(work, `notes-${n}.txt`), `note ${n}\n`);
  await git(["add", "--all"], work);
  await git(["commit", "--quiet", "-m", `note ${n}`], work);
  // A push of a killed server may still land meanwhile (its git outlives it here): like any
  // other writer, rebase onto it and push again.
  for (let attempt = 1; ; attempt++) {
    try {
      await git(["push", "--quiet", "origin", "HEAD:refs/heads/main"], work);
      break;
    } catch (error) {
      if (attempt >= 5) throw error;
      await new Promise((r) => setTimeout(r, 500));
      await git(["pull", "--quiet", "--rebase", "origin", "main"], work);
    }
  }
  return git(["rev-parse", "HEAD"], work);
}

/**
 * The invariants after any fault: the repository is intact, every update of the branch was a
 * fast-forward (the reflog shows no forced update), no foreign commit was lost, and no service is
 * half switched (each reads as primary, backup, or the same refusal as before).
 */
export async function checkRemote(
  bare: string,
  before: RemoteState,
  unknownBefore: string[],
): Promise<string[]> {
  const problems: string[] = [];
  await git(["fsck", "--no-progress", "--no-dangling"], bare).catch((e: unknown) =>
    problems.push(`fsck: ${String(e)}`),
  );
  const reflog = (await readFile(join(bare, "logs/refs/heads/main"), "utf8")).trim().split("\n");
  for (const entry of reflog) {
    const [from = "", to = ""] = entry.split(" ");
    if (/^0+$/.test(from)) continue;
    const fastForward = await git(["merge-base", "--is-ancestor", from, to], bare).then(
      () => true,
      () => false,
    );
    if (!fastForward) problems.push(`forced update in the reflog: ${entry}`);
  }
  const reachable = new Set((await git(["rev-list", "main"], bare)).split("\n"));
  for (const sha of [...before.foreign, before.head])
    if (!reachable.has(sha)) problems.push(`commit ${sha} is no longer on main`);
  const roles = await remoteRoles(bare);
  for (const [service, role] of roles) {
    if (role === "mixed") problems.push(`${service} is half switched (mixed)`);
    if (role === "unknown" && !unknownBefore.includes(service)) problems.push(`${service} became unknown`);
  }
  return problems;
}

const homelab = () =>
  parseConfig(
    readFileSync(join(homelabDir, "failover-api.yaml"), "utf8"),
    "examples/homelab/failover-api.yaml",
  );

/** Files at main, read in one `git cat-file --batch` (undefined for a missing one). */
async function readBlobs(bare: string, paths: string[]): Promise<Map<string, string | undefined>> {
  const out = await new Promise<Buffer>((resolve, reject) => {
    const child = spawn("git", ["cat-file", "--batch"], { cwd: bare, stdio: ["pipe", "pipe", "inherit"] });
    const chunks: Buffer[] = [];
    child.stdout.on("data", (c: Buffer) => chunks.push(c));
    child.on("error", reject);
    child.on("close", () => resolve(Buffer.concat(chunks)));
    child.stdin.end(paths.map((p) => `main:${p}\n`).join(""));
  });
  const files = new Map<string, string | undefined>();
  let at = 0;
  for (const p of paths) {
    const eol = out.indexOf(10, at);
    const header = out.subarray(at, eol).toString();
    at = eol + 1;
    const size = /^[0-9a-f]+ blob (\d+)$/.exec(header)?.[1];
    if (size === undefined) {
      files.set(p, undefined);
      continue;
    }
    files.set(p, out.subarray(at, at + Number(size)).toString("utf8"));
    at += Number(size) + 1;
  }
  return files;
}

/** Every service's role as the remote's branch head says. */
export async function remoteRoles(bare: string): Promise<Map<string, string>> {
  const config = homelab();
  const paths = [...new Set(config.services.flatMap(filesOf))];
  const files = await readBlobs(bare, paths);
  const roles = new Map<string, string>();
  for (const spec of config.services) {
    roles.set(spec.name, readRole(spec, scanService(spec, files)).role);
  }
  return roles;
}

export interface ServerProcess {
  url: string;
  child: ChildProcess;
  logs: string[];
  pid: number;
  /** Resident set size now (VmRSS) and at its peak (VmHWM), in MiB. */
  memory(): Promise<{ rss: number; peak: number }>;
  stop(): Promise<void>;
  kill9(): Promise<void>;
}

export interface ServeSetup {
  dir: string;
  configPath: string;
  tokensFile: string;
  dataDir: string;
  port: number;
}

/** A configuration for the example homelab on `url`, with token auth and a fixed port. */
export async function serveSetup(
  ssh: SshGitServer,
  url: string,
  options: { dataDir?: string; git?: Record<string, unknown> } = {},
): Promise<ServeSetup> {
  const dir = await mkdtemp(join(tmpdir(), "failover-faults-"));
  const tokensFile = join(dir, "tokens.yaml");
  await writeFile(tokensFile, tokensYaml);
  const dataDir = options.dataDir ?? join(dir, "data");
  const config = parse(serveConfigYaml(ssh, url, dataDir, { mode: "token", tokensFile })) as {
    git: Record<string, unknown>;
  };
  Object.assign(config.git, { fetchInterval: "2s", operationTimeout: "20s" }, options.git);
  const configPath = join(dir, "config.yaml");
  await writeFile(configPath, stringify(config));
  return { dir, configPath, tokensFile, dataDir, port: await freePort() };
}

async function status(pid: number): Promise<string> {
  return readFile(`/proc/${pid}/status`, "utf8");
}

/** The built server (`failover-api serve`) as its own process, ready to answer. */
export async function startServe(
  setup: ServeSetup,
  env: NodeJS.ProcessEnv = process.env,
): Promise<ServerProcess> {
  const child = spawn(
    "node",
    [
      "bin/failover-api.js",
      "serve",
      "--config",
      setup.configPath,
      "--host",
      "127.0.0.1",
      "--port",
      String(setup.port),
    ],
    { cwd: root, stdio: ["ignore", "ignore", "pipe"], env },
  );
  const logs: string[] = [];
  child.stderr?.on("data", (chunk: Buffer) => logs.push(chunk.toString()));
  const url = `http://127.0.0.1:${setup.port}`;
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`serve exited with ${child.exitCode}: ${logs.join("")}`);
    const ready = await fetch(`${url}/readyz`).then(
      (r) => r.status === 200,
      () => false,
    );
    if (ready) break;
    if (Date.now() > deadline) throw new Error(`serve did not become ready: ${logs.join("")}`);
    await new Promise((r) => setTimeout(r, 200));
  }
  const pid = child.pid ?? 0;
  return {
    url,
    child,
    logs,
    pid,
    async memory() {
      const text = await status(pid);
      const kb = (key: string) => Number(new RegExp(`${key}:\\s+(\\d+)`).exec(text)?.[1] ?? NaN);
      return { rss: kb("VmRSS") / 1024, peak: kb("VmHWM") / 1024 };
    },
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill("SIGTERM");
        await exited;
      }
    },
    async kill9() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill("SIGKILL");
        await exited;
      }
    },
  };
}

/** Private credential directories (key copies) under a data directory. */
export async function credentialDirs(dataDir: string): Promise<string[]> {
  return (await readdir(dataDir).catch(() => [] as string[])).filter((n) => n.startsWith("credentials-"));
}

export function post(base: string, path: string, headers: Record<string, string> = auth): Promise<Response> {
  return fetch(`${base}${path}`, { method: "POST", headers });
}

export async function waitFor<T>(probe: () => Promise<T>, ok: (v: T) => boolean, ms = 30_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (ok(value) || Date.now() > deadline) return value;
    await new Promise((r) => setTimeout(r, 200));
  }
}
