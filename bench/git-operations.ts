/**
 * SPEC §13 Git benchmark: a generated 5,000-file / 2,000-commit repository served over SSH on
 * loopback. The hand-run floor and our promote/demote interleaved round by round, dry-run,
 * evacuate of 25 services and the three-process contention scenario, all in one run.
 *
 * Run alone: `node --import tsx bench/run.ts git`.
 */
import { execFile } from "node:child_process";
import { randomUUID } from "node:crypto";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
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
import { loadAverage, ms, percentile, summary, type TargetRow, timed } from "./bench-stats.js";
import { RepositoryTimes } from "./timed-repository.js";

const execFileAsync = promisify(execFile);

const SERVICES = 25;
const FILES = 5000;
const COMMITS = 2000;
const ROUNDS = 9;
const FRESH_EVERY = 3;
const STALE_ROUNDS = 5;
const DRY_WARMUP = 5;
const DRY_ROUNDS = 30;
const EVACUATE_ROUNDS = 3;
/** Bound on the contention scenario (processes still running then are killed and reported). */
const CONTENTION_TIMEOUT_MS = 240_000;

async function seedRepository(server: SshGitServer, name: string): Promise<string> {
  const bare = await server.createBareRepo(name, generatedHomelabFiles(SERVICES));
  await padRepository(bare, { files: FILES, commits: COMMITS - 1 });
  await localGit(["gc", "--quiet"], bare);
  return bare;
}

/** A second repository on the server with the same history (objects hard-linked). */
async function copyRepository(server: SshGitServer, from: string, to: string): Promise<void> {
  await localGit(["clone", "--quiet", "--bare", server.repoPath(from), server.repoPath(to)]);
  for (const [key, value] of [
    ["receive.denyNonFastForwards", "true"],
    ["receive.denyDeletes", "true"],
    ["core.logAllRefUpdates", "true"],
  ] as const)
    await localGit(["config", key, value], server.repoPath(to));
}

/** GIT_SSH_COMMAND without connection sharing: one SSH handshake per git command, as by hand. */
export function withoutConnectionSharing(sshCommand: string): string {
  return sshCommand.replace(/ -o Control(Master|Path|Persist)=('[^']*'|\S+)/g, "");
}

/** A warm clone driven by plain git, as a person would type it. */
async function handRunClone(work: string, name: string, url: string, gitEnv: Record<string, string>) {
  const dir = join(work, name);
  const git = async (args: string[], cwd = dir) =>
    (await execFileAsync("git", args, { cwd, env: gitEnv, maxBuffer: 64 * 1024 * 1024 })).stdout.trim();
  await git(["clone", "--quiet", "--branch", "main", url, dir], work);
  let n = 0;
  return {
    git,
    /** Floor: fetch + reset to the remote + a one-line edit + commit + push. */
    async fetchCommitPush(): Promise<void> {
      await git(["fetch", "--quiet", "origin", "main"]);
      await git(["reset", "--quiet", "--hard", "origin/main"]);
      await writeFile(join(dir, "README.md"), `# generated homelab\n${name} edit ${++n}\n`);
      await git(["commit", "--quiet", "-am", `hand-run edit ${n}`]);
      await git(["push", "--quiet", "origin", "HEAD:refs/heads/main"]);
    },
  };
}

/** The Git scenarios; prints its results and returns the SPEC §13 target rows. */
export async function runGitBench(): Promise<TargetRow[]> {
  const server = await startSshGitServer();
  const work = await mkdtemp(join(tmpdir(), "failover-bench-"));
  try {
    let t = performance.now();
    const bare = await seedRepository(server, "bench");
    // The floor runs on an identical copy: its pushes must not move the branch our operations
    // work on (each would make our snapshot stale); a stale snapshot is measured on its own below.
    await copyRepository(server, "bench", "floor");
    const commits = await localGit(["rev-list", "--count", "main"], bare);
    const files = (await localGit(["ls-tree", "-r", "--name-only", "main"], bare)).split("\n").length;
    console.log(
      `\nRepository: ${files} files, ${commits} commits, ${SERVICES} services (generated in ${ms(performance.now() - t)}); load ${await loadAverage()}`,
    );
    const url = server.url("bench");

    // Plain git with the ssh options failover-api uses; the naive floor without connection sharing.
    const credentials = await prepareGitCredentials({
      url,
      sshKeyFile: server.clientKeyFile,
      knownHostsFile: server.knownHostsFile,
    });
    const sharedSsh = credentials.env.GIT_SSH_COMMAND ?? "";
    const gitEnv = (ssh: string) => ({
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
      GIT_SSH_COMMAND: ssh,
    });
    const naive = gitEnv(withoutConnectionSharing(sharedSsh));
    const floorUrl = server.url("floor");
    const floorNaive = await handRunClone(work, "floor-naive", floorUrl, naive);
    const floorShared = await handRunClone(work, "floor-shared", floorUrl, gitEnv(sharedSsh));
    const foreign = await handRunClone(work, "foreign", url, naive);
    const fresh = async (round: number) => {
      const dir = join(work, `fresh-${round}`);
      const elapsed = await timed(async () => {
        await execFileAsync("git", ["clone", "--quiet", "--branch", "main", floorUrl, dir], {
          cwd: work,
          env: naive,
        });
        await writeFile(join(dir, "README.md"), `# generated homelab\nfresh ${round}\n`);
        await execFileAsync("git", ["commit", "--quiet", "-am", `fresh clone edit ${round}`], {
          cwd: dir,
          env: naive,
        });
        await execFileAsync("git", ["push", "--quiet", "origin", "HEAD:refs/heads/main"], {
          cwd: dir,
          env: naive,
        });
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
    const times = new RepositoryTimes();
    const counts = { pushed: 0, rejected: 0 };
    const operations = new FailoverOperations({
      repo: times.wrap(clone),
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
    const switchOnce = async (service: string, action: "promote" | "demote") => {
      const r = await operations.switchService(service, action, opts());
      if (!r.changed || r.commit === null) throw new Error(`${action} ${service} did not commit`);
    };
    t = performance.now();
    await operations.refresh();
    console.log(`Warm-up: first clone + analysis by FailoverOperations in ${ms(performance.now() - t)}`);
    await floorNaive.fetchCommitPush();
    await floorShared.fetchCommitPush();
    await switchOnce("svc-00", "promote");
    await switchOnce("svc-00", "demote");
    times.reset();

    // Floors and promote/demote interleaved round by round, so drift on a shared machine cancels.
    const samples = { naive: [] as number[], shared: [] as number[], fresh: [] as number[] };
    const promoteSamples: number[] = [];
    const demoteSamples: number[] = [];
    console.log(
      `\nInterleaved rounds (${ROUNDS}): floor, promote, floor over one connection, demote, [fresh clone]; load ${await loadAverage()}`,
    );
    for (let round = 0; round < ROUNDS; round++) {
      samples.naive.push(await timed(() => floorNaive.fetchCommitPush()));
      promoteSamples.push(await timed(() => switchOnce("svc-00", "promote")));
      samples.shared.push(await timed(() => floorShared.fetchCommitPush()));
      demoteSamples.push(await timed(() => switchOnce("svc-00", "demote")));
      if (round % FRESH_EVERY === 0) samples.fresh.push(await fresh(round));
      process.stdout.write(".");
    }
    process.stdout.write("\n");
    const breakdown = times.perOperation(2 * ROUNDS);

    // A promote right after someone else pushed: the snapshot in memory is behind the remote.
    times.reset();
    const staleSamples: number[] = [];
    for (let round = 0; round < STALE_ROUNDS; round++) {
      await foreign.fetchCommitPush();
      staleSamples.push(await timed(() => switchOnce("svc-02", "promote")));
      await foreign.fetchCommitPush();
      staleSamples.push(await timed(() => switchOnce("svc-02", "demote")));
    }
    const staleBreakdown = times.perOperation(2 * STALE_ROUNDS);

    // Dry-run after warm-up.
    const drySamples: number[] = [];
    for (let i = 0; i < DRY_WARMUP + DRY_ROUNDS; i++) {
      const elapsed = await timed(() =>
        operations.switchService("svc-01", "promote", { ...opts(), dryRun: true }),
      );
      if (i >= DRY_WARMUP) drySamples.push(elapsed);
    }

    // Evacuate of all 25 (one commit), reverted by hand between rounds; the revert is followed by
    // an untimed refresh, as the server's periodic fetch would see it before the next request.
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
        await foreign.git(["fetch", "--quiet", "origin", "main"]);
        await foreign.git(["reset", "--quiet", "--hard", "origin/main"]);
        await foreign.git(["revert", "--no-edit", commit]);
        await foreign.git(["push", "--quiet", "origin", "HEAD:refs/heads/main"]);
        await operations.refresh();
      }
    }
    await ourCredentials.dispose();
    await credentials.dispose();

    // Contention: 3 processes + a writer every 100 ms, on a third repository.
    console.log(
      `Contention scenario: 3 processes x 25 services + a writer every 100 ms; load ${await loadAverage()} ...`,
    );
    // A copy of the floor's repository: every service still on its primary.
    await copyRepository(server, "floor", "contention");
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

    const p50 = (s: number[]) => percentile(s, 50);
    const floor = p50(samples.naive);
    const promote = p50(promoteSamples);
    const rows: [string, string][] = [
      ["(a) floor: fetch+reset+edit+commit+push, warm clone", summary(samples.naive)],
      ["(a2) the same over one shared SSH connection", summary(samples.shared)],
      ["(b) fresh clone + edit + commit + push", summary(samples.fresh)],
      ["(c) promote (FailoverOperations, warm clone)", summary(promoteSamples)],
      ["(c) demote", summary(demoteSamples)],
      ["    where a promote/demote spends its time", breakdown.join(", ")],
      ["(c2) promote/demote right after a foreign push", summary(staleSamples)],
      ["    where it spends its time", staleBreakdown.join(", ")],
      ["(d) dry-run promote after warm-up", summary(drySamples)],
      [
        "(e) evacuate w1 (25 services, one commit each)",
        `p50 ${ms(p50(evacuateSamples))}  max ${ms(Math.max(...evacuateSamples))}  (n=${evacuateSamples.length}, ${evacuateCommits} commits)`,
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

    const contentionOk =
      errors.length === 0 &&
      timedOut === 0 &&
      flipped === SERVICES &&
      changedPerService.every((n) => n === 1) &&
      preserved === contention.foreign.length;
    return [
      ["promote p50 / floor p50", (promote / floor).toFixed(2), "<= 1.0", promote / floor <= 1.0],
      [
        "promote p50 / floor over one connection p50",
        (promote / p50(samples.shared)).toFixed(2),
        "(info)",
        true,
      ],
      ["dry-run p50 after warm-up", ms(p50(drySamples)), "<= 20 ms", p50(drySamples) <= 20],
      [
        "evacuate-25 p50 / single promote p50",
        (p50(evacuateSamples) / promote).toFixed(2),
        "<= 1.5",
        p50(evacuateSamples) / promote <= 1.5,
      ],
      ["contention: all ok, 25 flipped once, foreign kept", contentionOk ? "yes" : "no", "yes", contentionOk],
    ];
  } finally {
    await server.stop();
    await rm(work, { recursive: true, force: true, maxRetries: 5, retryDelay: 200 }).catch(() => undefined);
  }
}
