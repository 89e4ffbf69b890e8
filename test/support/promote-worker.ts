/**
 * A separate "server replica" for the contention test and benchmark:
 *   node --import tsx test/support/promote-worker.ts <configPath> <dataDir> <service...>
 * promotes each service in order through its own working clone under <dataDir>, printing one JSON
 * line per result to stdout, then a summary line with the push attempts it observed.
 */
import { randomUUID } from "node:crypto";
import { readFile } from "node:fs/promises";
import { performance } from "node:perf_hooks";
import { parseConfig } from "../../src/config/parse-config.js";
import { isFailoverError } from "../../src/domain/failover-error.js";
import { prepareGitCredentials } from "../../src/git/git-credentials.js";
import { WorkingClone } from "../../src/git/working-clone.js";
import { silentLogger } from "../../src/log/json-logger.js";
import { FailoverOperations } from "../../src/operations/failover-operations.js";

export interface WorkerResultLine {
  type: "result";
  worker: string;
  service: string;
  ok: boolean;
  changed: boolean;
  commit: string | null;
  ms: number;
  code?: string;
  error?: string;
}

export interface WorkerSummaryLine {
  type: "summary";
  worker: string;
  pushed: number;
  rejected: number;
  pushErrors: number;
}

export type WorkerLine = WorkerResultLine | WorkerSummaryLine;

async function main(argv: string[]): Promise<void> {
  const [configPath, dataDir, ...services] = argv;
  if (configPath === undefined || dataDir === undefined || services.length === 0)
    throw new Error("usage: promote-worker.ts <configPath> <dataDir> <service...>");
  const worker = `pid-${process.pid}`;
  const parsed = parseConfig(await readFile(configPath, "utf8"), configPath);
  const config = { ...parsed, git: { ...parsed.git, dataDir } };
  const credentials = await prepareGitCredentials({ ...config.git });
  const clone = new WorkingClone({
    url: config.git.url,
    branch: config.git.branch,
    dataDir,
    credentials,
    author: config.git.author,
  });
  const counts = { pushed: 0, rejected: 0, pushErrors: 0 };
  const operations = new FailoverOperations({
    repo: clone,
    config: () => config,
    logger: silentLogger,
    observer: {
      pushAttempt(result) {
        if (result === "pushed") counts.pushed++;
        else if (result === "rejected") counts.rejected++;
        else counts.pushErrors++;
      },
    },
  });
  const print = (line: WorkerLine) => process.stdout.write(`${JSON.stringify(line)}\n`);
  try {
    for (const service of services) {
      const started = performance.now();
      try {
        const result = await operations.switchService(service, "promote", {
          actor: `cli:${worker}`,
          requestId: randomUUID(),
          reason: "contention test",
        });
        print({
          type: "result",
          worker,
          service,
          ok: true,
          changed: result.changed,
          commit: result.commit,
          ms: performance.now() - started,
        });
      } catch (error) {
        print({
          type: "result",
          worker,
          service,
          ok: false,
          changed: false,
          commit: null,
          ms: performance.now() - started,
          code: isFailoverError(error) ? error.code : "UNEXPECTED",
          error: error instanceof Error ? error.message : String(error),
        });
      }
    }
  } finally {
    print({ type: "summary", worker, ...counts });
    await credentials.dispose();
  }
}

main(process.argv.slice(2)).catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exitCode = 1;
});
