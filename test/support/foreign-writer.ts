/**
 * Another writer on the same branch, for the contention test and benchmark:
 *   node --import tsx test/support/foreign-writer.ts <url> <keyFile> <knownHostsFile> <workDir> <intervalMs> <maxSeconds>
 * Clones once, then every <intervalMs> commits `notes/NNN.txt` and pushes (fast-forward only; on a
 * rejection `git pull --rebase` and push again). Stops when stdin closes or after <maxSeconds>.
 * Prints one JSON line per pushed commit and a summary line.
 */
import { execFile } from "node:child_process";
import { mkdir, mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";

const execFileAsync = promisify(execFile);

export interface ForeignCommitLine {
  type: "foreign";
  n: number;
  commit: string;
  file: string;
}

export interface WriterSummaryLine {
  type: "writer-summary";
  pushed: number;
  rejected: number;
  failed: number;
}

const delay = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function main(argv: string[]): Promise<void> {
  const [url, keyFile, knownHostsFile, workDir, intervalText, maxSecondsText] = argv;
  if (
    url === undefined ||
    keyFile === undefined ||
    knownHostsFile === undefined ||
    workDir === undefined ||
    intervalText === undefined ||
    maxSecondsText === undefined
  )
    throw new Error(
      "usage: foreign-writer.ts <url> <keyFile> <knownHostsFile> <workDir> <intervalMs> <maxSeconds>",
    );
  const interval = Number(intervalText);
  const deadline = Date.now() + Number(maxSecondsText) * 1000;
  const home = await mkdtemp(join(tmpdir(), "foreign-writer-home-"));
  const env = {
    PATH: process.env.PATH ?? "/usr/bin:/bin",
    HOME: home,
    LC_ALL: "C",
    GIT_CONFIG_NOSYSTEM: "1",
    GIT_CONFIG_GLOBAL: "/dev/null",
    GIT_TERMINAL_PROMPT: "0",
    GIT_AUTHOR_NAME: "Foreign Writer",
    GIT_AUTHOR_EMAIL: "foreign@example.test",
    GIT_COMMITTER_NAME: "Foreign Writer",
    GIT_COMMITTER_EMAIL: "foreign@example.test",
    GIT_SSH_COMMAND: `ssh -F /dev/null -i '${keyFile}' -o IdentitiesOnly=yes -o BatchMode=yes -o StrictHostKeyChecking=yes -o UserKnownHostsFile='${knownHostsFile}'`,
  };
  const git = async (args: string[]) =>
    (await execFileAsync("git", args, { cwd: workDir, env, maxBuffer: 64 * 1024 * 1024 })).stdout.trim();

  let stopping = false;
  process.stdin.on("end", () => (stopping = true));
  process.stdin.on("close", () => (stopping = true));
  process.stdin.resume();

  await mkdir(workDir, { recursive: true });
  await git(["clone", "--quiet", "--branch", "main", url, "."]);
  await mkdir(join(workDir, "notes"), { recursive: true });
  const summary: WriterSummaryLine = { type: "writer-summary", pushed: 0, rejected: 0, failed: 0 };
  const print = (line: ForeignCommitLine | WriterSummaryLine) =>
    process.stdout.write(`${JSON.stringify(line)}\n`);
  for (let n = 1; !stopping && Date.now() < deadline; n++) {
    const file = `notes/${String(n).padStart(3, "0")}.txt`;
    await writeFile(join(workDir, file), `foreign note ${n}\n`);
    await git(["add", "--", file]);
    await git(["commit", "--quiet", "-m", `notes: ${file}`]);
    let pushed = false;
    for (let attempt = 0; attempt < 30 && !pushed; attempt++) {
      try {
        await git(["push", "--quiet", "origin", "HEAD:refs/heads/main"]);
        pushed = true;
      } catch {
        summary.rejected++;
        await git(["pull", "--quiet", "--rebase", "origin", "main"]).catch(() => undefined);
      }
    }
    if (!pushed) {
      summary.failed++;
      break;
    }
    summary.pushed++;
    print({ type: "foreign", n, commit: await git(["rev-parse", "HEAD"]), file });
    await delay(interval);
  }
  print(summary);
}

main(process.argv.slice(2)).catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exitCode = 1;
});
