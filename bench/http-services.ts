/**
 * SPEC §13 HTTP benchmark: `GET /api/services` with 200 services under load.
 *
 * A generated 200-service repository is served over the real SSH server; the real server runs as a
 * separate child process (`node bin/failover-api.js serve`, auth none, cluster disabled) so its
 * memory can be read from /proc/<pid>/status; this process loads it with autocannon. The load
 * generator and the server share the same cores: the numbers are a lower bound for the server.
 *
 * Run alone: `node --import tsx bench/run.ts http` (add `--profile` for a CPU profile of the server).
 */
import { type ChildProcess, spawn } from "node:child_process";
import { closeSync, openSync, readFileSync } from "node:fs";
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { performance } from "node:perf_hooks";
import { fileURLToPath } from "node:url";
import autocannon from "autocannon";
import { generatedConfigText, generatedHomelabFiles } from "../test/support/generated-homelab.js";
import { startSshGitServer } from "../test/support/ssh-git-server.js";
import { freePort } from "../test/support/free-port.js";

const SERVICES = 200;
const CONNECTIONS = 32;
const WARMUP_SECONDS = 3;
const DURATION_SECONDS = 15;
const PROFILE_SECONDS = 8;
const READY_TIMEOUT_MS = 120_000;
const RSS_SAMPLE_MS = 200;

const root = join(dirname(fileURLToPath(import.meta.url)), "..");

export interface HttpBenchResult {
  requestsPerSecond: number;
  p50: number;
  p99: number;
  errors: number;
  non2xx: number;
  peakRssMb: number;
  /** [metric, measured, target, met] rows for the SPEC §13 table. */
  targets: [string, string, string, boolean][];
}

interface MemoryStatus {
  rssKb: number;
  hwmKb: number;
}

export async function memoryOf(pid: number): Promise<MemoryStatus> {
  const status = await readFile(`/proc/${pid}/status`, "utf8");
  const kb = (key: string) => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, "m").exec(status)?.[1] ?? NaN);
  return { rssKb: kb("VmRSS"), hwmKb: kb("VmHWM") };
}

/** utime + stime of a process in seconds (fields 14 and 15 of /proc/<pid>/stat). */
async function cpuSecondsOf(pid: number): Promise<number> {
  const stat = await readFile(`/proc/${pid}/stat`, "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(fields[11]) + Number(fields[12])) / 100; // USER_HZ is 100 on Linux
}

const mb = (kb: number) => kb / 1024;
const fmtMb = (kb: number) => `${mb(kb).toFixed(1)} MB`;

async function waitReady(base: string, child: ChildProcess, log: () => string): Promise<number> {
  const start = performance.now();
  while (performance.now() - start < READY_TIMEOUT_MS) {
    if (child.exitCode !== null || child.signalCode !== null)
      throw new Error(`server exited (${child.exitCode ?? child.signalCode}) before ready:\n${log()}`);
    const status = await fetch(`${base}/readyz`).then(
      (r) => r.status,
      () => 0,
    );
    if (status === 200) return performance.now() - start;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`server not ready within ${READY_TIMEOUT_MS} ms:\n${log()}`);
}

export function stopChild(child: ChildProcess, timeoutMs = 15_000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    child.once("exit", () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill("SIGTERM");
  });
}

export function load(url: string, connections: number, duration: number): Promise<autocannon.Result> {
  return autocannon({ url, connections, duration, pipelining: 1, timeout: 10 });
}

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

/**
 * Self and inclusive time per function from a V8 .cpuprofile, top `n` each, as percentages of the
 * samples taken inside the load window [fromUs, toUs] (V8 profile timestamps and
 * `process.hrtime` both use CLOCK_MONOTONIC, so start-up is left out).
 */
async function summariseProfile(file: string, fromUs: number, toUs: number, n = 12): Promise<string[]> {
  const profile = JSON.parse(await readFile(file, "utf8")) as {
    nodes: ProfileNode[];
    startTime: number;
    samples: number[];
    timeDeltas: number[];
  };
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const parent = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
  const label = (node: ProfileNode) => {
    const { functionName, url, lineNumber } = node.callFrame;
    const where = url.replace(/^file:\/\//, "").replace(`${root}/`, "");
    return `${functionName || "(anonymous)"}  ${where ? `${where}:${lineNumber + 1}` : ""}`.trim();
  };
  const self = new Map<string, number>();
  const inclusive = new Map<string, number>();
  let total = 0;
  let t = profile.startTime;
  profile.samples.forEach((id, i) => {
    const dt = profile.timeDeltas[i] ?? 0;
    t += dt;
    const node = byId.get(id);
    if (!node || t < fromUs || t > toUs) return;
    total += dt;
    self.set(label(node), (self.get(label(node)) ?? 0) + dt);
    const seen = new Set<string>();
    for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
      const frame = byId.get(cur);
      if (!frame || frame.callFrame.functionName === "(root)") continue;
      const key = label(frame);
      if (seen.has(key)) continue;
      seen.add(key);
      inclusive.set(key, (inclusive.get(key) ?? 0) + dt);
    }
  });
  if (total === 0) return ["no samples inside the load window"];
  const top = (m: Map<string, number>) =>
    [...m.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, n)
      .map(([key, v]) => `  ${((100 * v) / total).toFixed(1).padStart(5)}%  ${key}`);
  return [
    `${(total / 1000).toFixed(0)} ms sampled in the load window; self time:`,
    ...top(self),
    "inclusive time:",
    ...top(inclusive),
  ];
}

export interface ServerChild {
  child: ChildProcess;
  base: string;
  readyMs: number;
  log: () => string;
}

export async function startServerChild(
  configFile: string,
  logFile: string,
  cpuProfDir?: string,
): Promise<ServerChild> {
  const port = await freePort();
  const args = [
    ...(cpuProfDir ? ["--cpu-prof", "--cpu-prof-dir", cpuProfDir] : []),
    join(root, "bin/failover-api.js"),
    "serve",
    "--config",
    configFile,
    "--host",
    "127.0.0.1",
    "--port",
    String(port),
  ];
  // The server logs one JSON line per request on stderr; stdout and stderr go to a file (as a
  // container runtime would take them), not through a pipe into the load generator.
  const fd = openSync(logFile, "w");
  const child = spawn(process.execPath, args, {
    cwd: root,
    stdio: ["ignore", fd, fd],
    env: {
      PATH: process.env.PATH ?? "/usr/bin:/bin",
      HOME: process.env.HOME ?? "/root",
      NODE_ENV: "production",
    },
  });
  closeSync(fd);
  const log = () => readFileSync(logFile, "utf8").slice(-8000);
  const base = `http://127.0.0.1:${port}`;
  const readyMs = await waitReady(base, child, log);
  return { child, base, readyMs, log };
}

export async function runHttpServicesBench(options: { profile?: boolean } = {}): Promise<HttpBenchResult> {
  console.log(`\nHTTP: GET /api/services with ${SERVICES} services (server in a child process)`);
  const sshServer = await startSshGitServer();
  const work = await mkdtemp(join(tmpdir(), "failover-bench-http-"));
  let server: ServerChild | undefined;
  try {
    await sshServer.createBareRepo("http", generatedHomelabFiles(SERVICES));
    const configFile = join(work, "failover-api.yaml");
    await writeFile(
      configFile,
      generatedConfigText({
        services: SERVICES,
        url: sshServer.url("http"),
        sshKeyFile: sshServer.clientKeyFile,
        knownHostsFile: sshServer.knownHostsFile,
        dataDir: join(work, "data"),
      }),
    );
    const logFile = join(work, "server.log");
    server = await startServerChild(configFile, logFile);
    const pid = server.child.pid;
    if (pid === undefined) throw new Error("server child has no pid");
    console.log(`  server pid ${pid} ready (/readyz 200) in ${server.readyMs.toFixed(0)} ms`);

    const url = `${server.base}/api/services`;
    const probe = await fetch(url);
    const body = (await probe.json()) as { services: unknown[]; revision: string };
    if (probe.status !== 200 || body.services.length !== SERVICES)
      throw new Error(`GET /api/services: ${probe.status}, ${body.services?.length} services`);
    const bodyBytes = Number(probe.headers.get("content-length") ?? NaN);
    console.log(`  response: 200, ${body.services.length} services, ${bodyBytes} bytes`);

    const before = await memoryOf(pid);
    console.log(`  RSS after ready ${fmtMb(before.rssKb)} (peak so far ${fmtMb(before.hwmKb)})`);
    console.log(`  warm-up: ${WARMUP_SECONDS} s, ${CONNECTIONS} connections ...`);
    await load(url, CONNECTIONS, WARMUP_SECONDS);
    const afterWarmup = await memoryOf(pid);

    let maxRssKb = afterWarmup.rssKb;
    const sampler = setInterval(() => {
      memoryOf(pid).then(
        (m) => (maxRssKb = Math.max(maxRssKb, m.rssKb)),
        () => undefined,
      );
    }, RSS_SAMPLE_MS);
    const serverCpu0 = await cpuSecondsOf(pid);
    const selfCpu0 = process.cpuUsage();
    const wall0 = performance.now();
    console.log(`  measuring: ${DURATION_SECONDS} s, ${CONNECTIONS} connections, keep-alive ...`);
    const result = await load(url, CONNECTIONS, DURATION_SECONDS);
    const wallS = (performance.now() - wall0) / 1000;
    const serverCpuS = (await cpuSecondsOf(pid)) - serverCpu0;
    const selfCpu = process.cpuUsage(selfCpu0);
    const selfCpuS = (selfCpu.user + selfCpu.system) / 1e6;
    clearInterval(sampler);
    const after = await memoryOf(pid);
    maxRssKb = Math.max(maxRssKb, after.rssKb);
    const logLines = (await readFile(logFile, "utf8")).split("\n").length - 1;
    const logBytes = (await stat(logFile)).size;

    const rps = result.requests.average;
    const p50 = result.latency.p50;
    const p99 = result.latency.p99;
    const peakKb = Math.max(after.hwmKb, maxRssKb);
    const rows: [string, string][] = [
      ["requests (total / 2xx)", `${result.requests.total} / ${result["2xx"]}`],
      [
        "throughput",
        `${rps.toFixed(0)} req/s mean (min ${result.requests.min}, max ${result.requests.max} per s)`,
      ],
      ["latency", `p50 ${p50} ms  p90 ${result.latency.p90} ms  p99 ${p99} ms  max ${result.latency.max} ms`],
      ["errors / timeouts / non-2xx", `${result.errors} / ${result.timeouts} / ${result.non2xx}`],
      ["bytes read", `${(result.throughput.average / 2 ** 20).toFixed(1)} MiB/s`],
      [
        "RSS before / after warm-up / after load",
        `${fmtMb(before.rssKb)} / ${fmtMb(afterWarmup.rssKb)} / ${fmtMb(after.rssKb)}`,
      ],
      ["RSS peak (VmHWM, whole life)", fmtMb(after.hwmKb)],
      [
        "CPU during load (server / load generator)",
        `${serverCpuS.toFixed(1)} s / ${selfCpuS.toFixed(1)} s of ${wallS.toFixed(1)} s wall (${((serverCpuS / wallS) * 100).toFixed(0)}% / ${((selfCpuS / wallS) * 100).toFixed(0)}% of one core)`,
      ],
      ["server request log", `${logLines} lines, ${(logBytes / 2 ** 20).toFixed(1)} MiB`],
    ];
    for (const [k, v] of rows) console.log(`  ${k.padEnd(44)} ${v}`);

    const targets: HttpBenchResult["targets"] = [
      ["GET /api/services (200 svc) req/s", rps.toFixed(0), ">= 2000", rps >= 2000],
      ["GET /api/services p99", `${p99} ms`, "<= 25 ms", p99 <= 25],
      [
        "GET /api/services errors + non-2xx",
        String(result.errors + result.non2xx + result.timeouts),
        "0",
        result.errors + result.non2xx + result.timeouts === 0,
      ],
      ["server RSS peak", fmtMb(peakKb), "<= 150 MB", mb(peakKb) <= 150],
    ];

    if (options.profile) {
      await stopChild(server.child);
      const profDir = join(work, "cpuprof");
      server = await startServerChild(configFile, logFile, profDir);
      console.log(`  profiling: server restarted with --cpu-prof, ${PROFILE_SECONDS} s of load ...`);
      const fromUs = Number(process.hrtime.bigint() / 1000n);
      await load(`${server.base}/api/services`, CONNECTIONS, PROFILE_SECONDS);
      const toUs = Number(process.hrtime.bigint() / 1000n);
      await stopChild(server.child);
      const files = (await readdir(profDir)).filter((f) => f.endsWith(".cpuprofile"));
      if (files[0] === undefined) console.log("  no .cpuprofile written");
      else {
        console.log("  server CPU profile (top 12):");
        for (const line of await summariseProfile(join(profDir, files[0]), fromUs, toUs))
          console.log(`    ${line}`);
      }
    }

    return {
      requestsPerSecond: rps,
      p50,
      p99,
      errors: result.errors,
      non2xx: result.non2xx,
      peakRssMb: mb(peakKb),
      targets,
    };
  } finally {
    if (server) await stopChild(server.child);
    await sshServer.stop();
    await rm(work, { recursive: true, force: true, maxRetries: 5, retryDelay: 200 }).catch(() => undefined);
  }
}
