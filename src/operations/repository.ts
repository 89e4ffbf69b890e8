import type { HistoryCommit } from "../git/commit-history.js";

/** What operations need from the working clone (src/git's WorkingClone implements it). */
export interface Repository {
  readonly remote: string;
  /**
   * Fetches and makes the working tree origin/<branch>; returns its head. `signal`: the
   * operation's deadline; network commands still running when it aborts are killed. `cleanAt`:
   * the caller knows the tree is exactly this commit, untouched since; when the branch is still
   * there, the tree is left as it is.
   */
  sync(options?: {
    signal?: AbortSignal | undefined;
    cleanAt?: string | undefined;
  }): Promise<{ head: string }>;
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
  /**
   * Pushes HEAD, a child of `expected`: accepted only while the remote branch is exactly
   * `expected` (the compare-and-swap), so a fast-forward always; "rejected" otherwise.
   */
  push(options?: {
    signal?: AbortSignal | undefined;
    expected?: string | undefined;
  }): Promise<"pushed" | "rejected">;
  resetToRemote(): Promise<void>;
  log(options?: { limit?: number; service?: string; operation?: string }): Promise<HistoryCommit[]>;
}
