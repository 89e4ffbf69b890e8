/**
 * SPEC §13 benchmark (`npm run bench`): a generated 5,000-file / 2,000-commit repository served
 * over SSH on loopback; the hand-run floor, a fresh clone per operation, our promote/demote,
 * dry-run, evacuate and the three-process contention scenario; GET /api/services under load;
 * and promote → Flux applied on the test control plane with the real Flux controllers.
 */
import { execFile } from "node:child_process";
import { randomUUID } from "node:crypto";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { cpus, tmpdir, totalmem } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { promisify } from "node:util";
import { parseConfig } from "../src/config/parse-config.js";
import { prepareGitCredentials } from "../src/git/git-credentials.js";
import { WorkingClone } from "../src/git/working-clone.js";
import { silentLogger } from "../src/log/json-logger.js";
import { FailoverOperations } from "../src/operations/failover-operations.js";
import { runContention } from "../test/support/contention-scenario.js";
import {
  generatedConfigText,
  generatedHomelabFiles,
  generatedServiceNames,
  padRepository,
} from "../test/support/generated-homelab.js";
import { startSshGitServer, type SshGitServer } from "../test/support/ssh-git-server.js";
import { git as localGit } from "../test/support/test-git.js";
import { runDashboardLoadBench } from "./dashboard-load.js";
import { runFluxBench } from "./flux-apply.js";
import { runEventsClientsBench } from "./http-events.js";
import { runHttpServicesBench } from "./http-services.js";

const execFileAsync = promisify(execFile);

const SERVICES = 25;
const FILES = 5000;
const COMMITS = 2000;
const ROUNDS = 9;
const FRESH_EVERY = 3;
const DRY_WARMUP = 5;
const DRY_ROUNDS = 30;
const EVACUATE_ROUNDS = 3;
/** Bound on the contention scenario (processes still running then are killed and reported). */
const CONTENTION_TIMEOUT_MS = 240_000;

function percentile(samples: number[], p: number): number {
  if (samples.length === 0) return Number.NaN;
  const sorted = [...samples].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank] ?? Number.NaN;
}

async function timed(fn: () => Promise<unknown>): Promise<number> {
  const start = performance.now();
  await fn();
  return performance.now() - start;
}

const ms = (v: number) => (Number.isFinite(v) ? `${v.toFixed(v < 10 ? 2 : 0)} ms` : "n/a");

async function machine(): Promise<Record<string, string>> {
  const cpuinfo = await readFile("/proc/cpuinfo", "utf8").catch(() => "");
  const model = /^model name\s*:\s*(.*)$/m.exec(cpuinfo)?.[1] ?? cpus()[0]?.model ?? "unknown";
  const load = await readFile("/proc/loadavg", "utf8").catch(() => "n/a");
  return {
    cpu: model,
    cores: String(cpus().length),
    memory: `${(totalmem() / 2 ** 30).toFixed(1)} GiB`,
    node: process.version,
    git: (await execFileAsync("git", ["--version"])).stdout.trim(),
    ssh: (await execFileAsync("ssh", ["-V"])).stderr.trim(),
    "load average at start": load.split(" ").slice(0, 3).join(" "),
  };
}

async function seedRepository(server: SshGitServer, name: string): Promise<string> {
  const bare = await server.createBareRepo(name, generatedHomelabFiles(SERVICES));
  await padRepository(bare, { files: FILES, commits: COMMITS - 1 });
  await localGit(["gc", "--quiet"], bare);
  return bare;
}

/** The Git scenarios (a)–(f); prints its results and returns the SPEC §13 target rows. */
async function runGitBench(): Promise<[string, string, string, boolean][]> {
  const server = await startSshGitServer();
  const work = await mkdtemp(join(tmpdir(), "failover-bench-"));
  try {
    let t = performance.now();
    const bare = await seedRepository(server, "bench");
    const commits = await localGit(["rev-list", "--count", "main"], bare);
    const files = (await localGit(["ls-tree", "-r", "--name-only", "main"], bare)).split("\n").length;
    console.log(
      `\nRepository: ${files} files, ${commits} commits, ${SERVICES} services (generated in ${ms(performance.now() - t)})`,
    );
    const url = server.url("bench");

    // Plain git with exactly the ssh command failover-api uses.
    const credentials = await prepareGitCredentials({
      url,
      sshKeyFile: server.clientKeyFile,
      knownHostsFile: server.knownHostsFile,
    });
    const env = {
      PATH: process.env.PATH ?? "/usr/bin:/bin",
      HOME: credentials.homeDir,
      LC_ALL: "C",
      GIT_CONFIG_NOSYSTEM: "1",
      GIT_CONFIG_GLOBAL: "/dev/null",
      GIT_TERMINAL_PROMPT: "0",
      GIT_AUTHOR_NAME: "Hand Run",
      GIT_AUTHOR_EMAIL: "hand@example.test",
      GIT_COMMITTER_NAME: "Hand Run",
      GIT_COMMITTER_EMAIL: "hand@example.test",
      ...credentials.env,
    };
    const git = async (args: string[], cwd: string) =>
      (await execFileAsync("git", args, { cwd, env, maxBuffer: 64 * 1024 * 1024 })).stdout.trim();

    const floorDir = join(work, "floor");
    await git(["clone", "--quiet", "--branch", "main", url, floorDir], work);
    const handRun = async (dir: string, round: string) => {
      await writeFile(join(dir, "README.md"), `# generated homelab\nround ${round}\n`);
      await git(["commit", "--quiet", "-am", `hand-run edit ${round}`], dir);
      await git(["push", "--quiet", "origin", "HEAD:refs/heads/main"], dir);
    };
    const floor = async (round: string) => {
      await git(["fetch", "--quiet", "origin", "main"], floorDir);
      await git(["reset", "--quiet", "--hard", "origin/main"], floorDir);
      await handRun(floorDir, round);
    };
    const fresh = async (round: string) => {
      const dir = join(work, `fresh-${round}`);
      const elapsed = await timed(async () => {
        await git(["clone", "--quiet", "--branch", "main", url, dir], work);
        await handRun(dir, `fresh-${round}`);
      });
      await rm(dir, { recursive: true, force: true });
      return elapsed;
    };

    const config = parseConfig(
      generatedConfigText({
        services: SERVICES,
        url,
        sshKeyFile: server.clientKeyFile,
        knownHostsFile: server.knownHostsFile,
        dataDir: join(work, "ours"),
      }),
      "<bench>",
    );
    const ourCredentials = await prepareGitCredentials({ ...config.git });
    const clone = new WorkingClone({
      url,
      branch: "main",
      dataDir: config.git.dataDir,
      credentials: ourCredentials,
      author: config.git.author,
    });
    const counts = { pushed: 0, rejected: 0 };
    const operations = new FailoverOperations({
      repo: clone,
      config: () => config,
      logger: silentLogger,
      observer: {
        pushAttempt: (r) => {
          if (r === "pushed") counts.pushed++;
          else if (r === "rejected") counts.rejected++;
        },
      },
    });
    const opts = () => ({ actor: "cli:bench", requestId: randomUUID(), reason: "benchmark" });
    t = performance.now();
    await operations.refresh();
    console.log(`Warm-up: first clone + analysis by FailoverOperations in ${ms(performance.now() - t)}`);
    await floor("warmup");

    // (a) floor, (b) fresh clone, (c) promote/demote — interleaved round by round.
    const floorSamples: number[] = [];
    const freshSamples: number[] = [];
    const promoteSamples: number[] = [];
    const demoteSamples: number[] = [];
    console.log(`\nInterleaved rounds (${ROUNDS}): floor, promote, [fresh clone], demote`);
    for (let round = 0; round < ROUNDS; round++) {
      floorSamples.push(await timed(() => floor(String(round))));
      promoteSamples.push(
        await timed(async () => {
          const r = await operations.switchService("svc-00", "promote", opts());
          if (!r.changed || r.commit === null) throw new Error("promote did not commit");
        }),
      );
      if (round % FRESH_EVERY === 0) freshSamples.push(await fresh(String(round)));
      demoteSamples.push(
        await timed(async () => {
          const r = await operations.switchService("svc-00", "demote", opts());
          if (!r.changed || r.commit === null) throw new Error("demote did not commit");
        }),
      );
      process.stdout.write(".");
    }
    process.stdout.write("\n");
    console.log(
      `  floor p50 ${ms(percentile(floorSamples, 50))}, fresh p50 ${ms(percentile(freshSamples, 50))}, promote p50 ${ms(percentile(promoteSamples, 50))}, demote p50 ${ms(percentile(demoteSamples, 50))}`,
    );

    // (d) dry-run after warm-up.
    const drySamples: number[] = [];
    for (let i = 0; i < DRY_WARMUP + DRY_ROUNDS; i++) {
      const elapsed = await timed(() =>
        operations.switchService("svc-01", "promote", { ...opts(), dryRun: true }),
      );
      if (i >= DRY_WARMUP) drySamples.push(elapsed);
    }

    // (e) evacuate of all 25 (one commit), reverted by hand between rounds.
    const evacuateSamples: number[] = [];
    let evacuateCommits = 0;
    for (let i = 0; i < EVACUATE_ROUNDS; i++) {
      let commit: string | null = null;
      evacuateSamples.push(
        await timed(async () => {
          const r = await operations.evacuate("w1", opts());
          if (r.services.length !== SERVICES || r.commit === null)
            throw new Error(`evacuate promoted ${r.services.length} services`);
          commit = r.commit;
        }),
      );
      if (commit !== null) {
        evacuateCommits++;
        await git(["fetch", "--quiet", "origin", "main"], floorDir);
        await git(["reset", "--quiet", "--hard", "origin/main"], floorDir);
        await git(["revert", "--no-edit", commit], floorDir);
        await git(["push", "--quiet", "origin", "HEAD:refs/heads/main"], floorDir);
      }
    }
    console.log(
      `  dry-run p50 ${ms(percentile(drySamples, 50))}, evacuate p50 ${ms(percentile(evacuateSamples, 50))}`,
    );
    await ourCredentials.dispose();
    await credentials.dispose();

    // (f) contention: 3 processes + a writer every 100 ms, on a second copy of the repository.
    console.log("Contention scenario: 3 processes x 25 services + a writer every 100 ms ...");
    await seedRepository(server, "contention");
    const services = generatedServiceNames(SERVICES);
    const contention = await runContention({
      server,
      repoName: "contention",
      services,
      writerIntervalMs: 100,
      timeoutMs: CONTENTION_TIMEOUT_MS,
    });
    const contentionBare = server.repoPath("contention");
    let flipped = 0;
    for (const s of services) {
      const text = await localGit(["show", `main:apps/${s}/deployment.yaml`], contentionBare);
      if (text.includes(`claimName: ${s}-config-backup`)) flipped++;
    }
    let preserved = 0;
    for (const f of contention.foreign) {
      const ok = await localGit(["merge-base", "--is-ancestor", f.commit, "main"], contentionBare)
        .then(() => true)
        .catch(() => false);
      if (ok) preserved++;
    }
    const errors = contention.results.filter((r) => !r.ok);
    const timedOut = contention.workers.filter((w) => w.timedOut).length;
    console.log(`  workers timed out (killed at the bound): ${timedOut} / ${contention.workers.length}`);
    for (const e of errors.slice(0, 5))
      console.log(`  error: ${e.service}: ${e.code ?? ""} ${e.error ?? ""}`);
    const changedPerService = services.map(
      (s) => contention.results.filter((r) => r.service === s && r.changed).length,
    );
    const pushes = contention.summaries.reduce((a, s) => a + s.pushed, 0);
    const rejections = contention.summaries.reduce((a, s) => a + s.rejected, 0);

    const rows: [string, string][] = [
      [
        "(a) floor: fetch+reset+edit+commit+push, warm clone",
        `p50 ${ms(percentile(floorSamples, 50))}  p95 ${ms(percentile(floorSamples, 95))}  (n=${floorSamples.length})`,
      ],
      [
        "(b) fresh clone + edit + commit + push",
        `p50 ${ms(percentile(freshSamples, 50))}  p95 ${ms(percentile(freshSamples, 95))}  (n=${freshSamples.length})`,
      ],
      [
        "(c) promote (FailoverOperations, warm clone)",
        `p50 ${ms(percentile(promoteSamples, 50))}  p95 ${ms(percentile(promoteSamples, 95))}  (n=${promoteSamples.length})`,
      ],
      [
        "(c) demote (FailoverOperations, warm clone)",
        `p50 ${ms(percentile(demoteSamples, 50))}  p95 ${ms(percentile(demoteSamples, 95))}  (n=${demoteSamples.length})`,
      ],
      [
        "(d) dry-run promote after warm-up",
        `p50 ${ms(percentile(drySamples, 50))}  p95 ${ms(percentile(drySamples, 95))}  (n=${drySamples.length})`,
      ],
      [
        "(e) evacuate w1 (25 services, one commit each)",
        `p50 ${ms(percentile(evacuateSamples, 50))}  max ${ms(Math.max(...evacuateSamples))}  (n=${evacuateSamples.length}, ${evacuateCommits} commits)`,
      ],
      ["    single-process push attempts (pushed/rejected)", `${counts.pushed}/${counts.rejected}`],
      ["(f) contention wall time", ms(contention.wallMs)],
      [
        "(f) requests ok / total; errors",
        `${contention.results.length - errors.length} / ${contention.results.length}; ${errors.length}`,
      ],
      [
        "(f) services changed exactly once",
        `${changedPerService.filter((n) => n === 1).length} / ${SERVICES}`,
      ],
      ["(f) all 25 flipped on the remote", `${flipped === SERVICES ? "yes" : "no"} (${flipped}/${SERVICES})`],
      [
        "(f) foreign commits pushed / preserved",
        `${contention.foreign.length} / ${preserved} (writer rejections ${contention.writer?.rejected ?? "?"})`,
      ],
      ["(f) worker pushes / rejected pushes", `${pushes} / ${rejections}`],
    ];
    console.log("\nResults");
    for (const [k, v] of rows) console.log(`  ${k.padEnd(52)} ${v}`);

    const promote50 = percentile(promoteSamples, 50);
    const ratios: [string, string, string, boolean][] = [
      [
        "promote p50 / floor p50",
        (promote50 / percentile(floorSamples, 50)).toFixed(2),
        "<= 1.5",
        promote50 / percentile(floorSamples, 50) <= 1.5,
      ],
      [
        "fresh-clone p50 / promote p50",
        (percentile(freshSamples, 50) / promote50).toFixed(2),
        ">= 10",
        percentile(freshSamples, 50) / promote50 >= 10,
      ],
      ["dry-run p50", ms(percentile(drySamples, 50)), "<= 50 ms", percentile(drySamples, 50) <= 50],
      [
        "evacuate-25 p50 / single promote p50",
        (percentile(evacuateSamples, 50) / promote50).toFixed(2),
        "<= 2",
        percentile(evacuateSamples, 50) / promote50 <= 2,
      ],
      [
        "contention: all ok, all flipped, foreign kept",
        errors.length === 0 && flipped === SERVICES && preserved === contention.foreign.length ? "yes" : "no",
        "yes",
        errors.length === 0 && flipped === SERVICES && preserved === contention.foreign.length,
      ],
    ];
    return ratios;
  } finally {
    await server.stop();
    await rm(work, { recursive: true, force: true, maxRetries: 5, retryDelay: 200 }).catch(() => undefined);
  }
}

const parts = ["git", "http", "events", "web", "flux"] as const;

/** `bench/run.ts [git|http|events|web|flux] [--profile]`: every part by default, or one of them. */
async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const only = parts.find((p) => args.includes(p));
  const unknown = args.filter((a) => a !== only && a !== "--profile");
  if (unknown.length > 0)
    throw new Error(`usage: bench/run.ts [${parts.join("|")}] [--profile]; got ${unknown.join(" ")}`);
  const wanted = (part: (typeof parts)[number]) => only === undefined || only === part;
  const info = await machine();
  console.log("Machine");
  for (const [k, v] of Object.entries(info)) console.log(`  ${k.padEnd(22)} ${v}`);

  const targets: [string, string, string, boolean][] = [];
  if (wanted("git")) targets.push(...(await runGitBench()));
  if (wanted("http"))
    targets.push(...(await runHttpServicesBench({ profile: args.includes("--profile") })).targets);
  if (wanted("events")) targets.push(...(await runEventsClientsBench()));
  if (wanted("web")) targets.push(...(await runDashboardLoadBench()));
  if (wanted("flux")) targets.push(...(await runFluxBench()));

  console.log("\nSPEC §13 targets");
  console.log(`  ${"metric".padEnd(46)} ${"measured".padEnd(12)} ${"target".padEnd(10)} met`);
  for (const [name, value, target, met] of targets)
    console.log(`  ${name.padEnd(46)} ${value.padEnd(12)} ${target.padEnd(10)} ${met ? "yes" : "NO"}`);
  const load = await readFile("/proc/loadavg", "utf8").catch(() => "n/a");
  console.log(`\nLoad average at end: ${load.split(" ").slice(0, 3).join(" ")}`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
