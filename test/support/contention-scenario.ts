import { spawn } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import type { ForeignCommitLine, WriterSummaryLine } from "./foreign-writer.js";
import { generatedConfigText } from "./generated-homelab.js";
import type { WorkerResultLine, WorkerSummaryLine } from "./promote-worker.js";
import type { SshGitServer } from "./ssh-git-server.js";

const projectRoot = join(import.meta.dirname, "../..");

export interface ContentionOptions {
  server: SshGitServer;
  /** An existing bare repository on the server holding the generated services. */
  repoName: string;
  services: string[];
  workers?: number;
  writerIntervalMs?: number;
  pushRetries?: number;
  /** Kill everything after this long (a bound, not an assertion). */
  timeoutMs?: number;
}

export interface ProcessOutcome {
  exitCode: number | null;
  signal: string | null;
  stderr: string;
  timedOut: boolean;
}

export interface ContentionOutcome {
  results: WorkerResultLine[];
  summaries: WorkerSummaryLine[];
  foreign: ForeignCommitLine[];
  writer: WriterSummaryLine | undefined;
  workers: ProcessOutcome[];
  writerProcess: ProcessOutcome;
  wallMs: number;
}

interface Spawned {
  lines: unknown[];
  done: Promise<ProcessOutcome>;
  closeStdin(): void;
}

function spawnScript(script: string, args: string[], timeoutMs: number): Spawned {
  const child = spawn(process.execPath, ["--import", "tsx", join(projectRoot, script), ...args], {
    cwd: projectRoot,
    stdio: ["pipe", "pipe", "pipe"],
  });
  const lines: unknown[] = [];
  let buffered = "";
  let stderr = "";
  child.stdout.on("data", (chunk: Buffer) => {
    buffered += chunk.toString("utf8");
    let newline: number;
    while ((newline = buffered.indexOf("\n")) >= 0) {
      const line = buffered.slice(0, newline).trim();
      buffered = buffered.slice(newline + 1);
      if (line !== "") lines.push(JSON.parse(line));
    }
  });
  child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString("utf8")));
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    child.kill("SIGKILL");
  }, timeoutMs);
  const done = new Promise<ProcessOutcome>((resolve) => {
    child.once("close", (exitCode, signal) => {
      clearTimeout(timer);
      resolve({ exitCode, signal, stderr, timedOut });
    });
  });
  return { lines, done, closeStdin: () => child.stdin.end() };
}

/** The order worker `index` promotes in: forward, backward, then rotated starts, so they collide. */
export function interleavedOrder(services: string[], index: number): string[] {
  if (index % 2 === 1) return [...services].reverse();
  const shift = Math.floor((services.length * index) / 4) % Math.max(services.length, 1);
  return [...services.slice(shift), ...services.slice(0, shift)];
}

/**
 * SPEC §13 contention: N separate Node processes (each its own data dir and working clone)
 * promote every service while another writer pushes unrelated commits every 100 ms.
 */
export async function runContention(options: ContentionOptions): Promise<ContentionOutcome> {
  const { server, repoName, services } = options;
  const workers = options.workers ?? 3;
  const timeoutMs = options.timeoutMs ?? 480_000;
  const dir = await mkdtemp(join(tmpdir(), "failover-contention-"));
  try {
    const configPath = join(dir, "config.yaml");
    await writeFile(
      configPath,
      generatedConfigText({
        services: services.length,
        url: server.url(repoName),
        sshKeyFile: server.clientKeyFile,
        knownHostsFile: server.knownHostsFile,
        dataDir: join(dir, "unused"),
        pushRetries: options.pushRetries ?? 20,
      }),
    );
    const started = performance.now();
    const writer = spawnScript(
      "test/support/foreign-writer.ts",
      [
        server.url(repoName),
        server.clientKeyFile,
        server.knownHostsFile,
        join(dir, "writer"),
        String(options.writerIntervalMs ?? 100),
        String(Math.ceil(timeoutMs / 1000)),
      ],
      timeoutMs + 30_000,
    );
    const spawned = Array.from({ length: workers }, (_, i) =>
      spawnScript(
        "test/support/promote-worker.ts",
        [configPath, join(dir, `worker-${i}`), ...interleavedOrder(services, i)],
        timeoutMs,
      ),
    );
    const outcomes = await Promise.all(spawned.map((s) => s.done));
    const wallMs = performance.now() - started;
    writer.closeStdin();
    const writerProcess = await writer.done;
    const all = spawned.flatMap((s) => s.lines) as (WorkerResultLine | WorkerSummaryLine)[];
    const writerLines = writer.lines as (ForeignCommitLine | WriterSummaryLine)[];
    return {
      results: all.filter((l): l is WorkerResultLine => l.type === "result"),
      summaries: all.filter((l): l is WorkerSummaryLine => l.type === "summary"),
      foreign: writerLines.filter((l): l is ForeignCommitLine => l.type === "foreign"),
      writer: writerLines.find((l): l is WriterSummaryLine => l.type === "writer-summary"),
      workers: outcomes,
      writerProcess,
      wallMs,
    };
  } finally {
    await rm(dir, { recursive: true, force: true, maxRetries: 5, retryDelay: 200 }).catch(() => undefined);
  }
}
