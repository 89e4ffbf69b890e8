import { actionTrailer, basicRegexEscape, historyFormat, parseHistory } from "./commit-history.js";
import type { HistoryCommit } from "./commit-history.js";
import { operationIdOf } from "./commit-history.js";

export interface HistoryOptions {
  /** At most this many commits (default 50). */
  limit?: number;
  /** Only commits with a `Failover-Service: <service>` trailer. */
  service?: string;
  /** Only the commits of one operation (`Failover-Operation: <id>`, or `Failover-Request-Id` for one-commit ones). */
  operation?: string;
}

/** Runs `git <args>` in the clone and returns stdout. */
export type GitStdout = (args: string[]) => Promise<string>;

/**
 * failover-api's commits reachable from `ref`, newest first. `--grep` is a cheap prefilter over
 * all of history; the parsed trailers are the real filter, so pages are read until enough pass.
 */
export async function readHistory(
  git: GitStdout,
  ref: string,
  options: HistoryOptions = {},
): Promise<HistoryCommit[]> {
  const limit = options.limit ?? 50;
  const filters = [`--grep=^${actionTrailer}:`];
  if (options.service !== undefined)
    filters.push(`--grep=^Failover-Service: *${basicRegexEscape(options.service)} *$`, "--all-match");
  if (options.operation !== undefined)
    filters.push(
      `--grep=^Failover-\\(Operation\\|Request-Id\\): *${basicRegexEscape(options.operation)} *$`,
      "--all-match",
    );
  const found: HistoryCommit[] = [];
  for (let skip = 0; found.length < limit; skip += limit) {
    const page = parseHistory(
      await git([
        "log",
        `--format=${historyFormat}`,
        `--max-count=${limit}`,
        `--skip=${skip}`,
        ...filters,
        "--end-of-options",
        ref,
      ]),
    );
    for (const commit of page) {
      if (commit.trailers[actionTrailer] === undefined) continue;
      if (
        options.service !== undefined &&
        !(commit.trailers["Failover-Service"] ?? []).includes(options.service)
      )
        continue;
      if (options.operation !== undefined && operationIdOf(commit) !== options.operation) continue;
      if (found.length < limit) found.push(commit);
    }
    if (page.length < limit) break;
  }
  return found;
}
