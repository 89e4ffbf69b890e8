import type { HistoryCommit } from "../git/commit-history.js";

/** What operations need from the working clone (src/git's WorkingClone implements it). */
export interface Repository {
  readonly remote: string;
  /** `signal`: the operation's deadline; network commands still running when it aborts are killed. */
  sync(options?: { signal?: AbortSignal | undefined }): Promise<{ head: string }>;
  head(): Promise<string>;
  readFile(path: string): Promise<string | undefined>;
  commit(
    files: ReadonlyMap<string, string>,
    message: string,
    options?: { allowEmpty?: boolean },
  ): Promise<string>;
  /** A file as it was at `rev`, or undefined when it did not exist there. */
  readFileAt(rev: string, path: string): Promise<string | undefined>;
  /** `sha` and every commit after it on the remote branch. */
  commitsSince(sha: string): Promise<string[]>;
  push(options?: { signal?: AbortSignal | undefined }): Promise<"pushed" | "rejected">;
  resetToRemote(): Promise<void>;
  log(options?: { limit?: number; service?: string; operation?: string }): Promise<HistoryCommit[]>;
  /** Closes connections kept open for the duration of one operation. */
  release(): Promise<void>;
}
