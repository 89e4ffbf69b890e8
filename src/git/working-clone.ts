import { randomUUID } from "node:crypto";
import { mkdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { FailoverError, isFailoverError } from "../domain/failover-error.js";
import { checkManagedFileSize, resolveManagedFile } from "./clone-paths.js";
import { diskFullError } from "./disk-full.js";
import { isDirectory, removeInterruptedClones, removeStaleLocks, samePath } from "./clone-recovery.js";
import type { HistoryCommit } from "./commit-history.js";
import { runGit } from "./git-command.js";
import type { GitResult } from "./git-command.js";
import type { GitCredentials } from "./git-credentials.js";
import { silentGitLogger } from "./git-logger.js";
import type { GitLogger } from "./git-logger.js";
import { remoteDisplayName, remoteHost } from "./git-remote.js";
import { readHistory } from "./read-history.js";
import type { HistoryOptions } from "./read-history.js";

export interface WorkingCloneOptions {
  url: string;
  branch: string;
  dataDir: string;
  credentials: GitCredentials;
  author: { name: string; email: string };
  logger?: GitLogger;
  /** Per git command; network commands that exceed it fail as GIT_UNREACHABLE. */
  timeoutMs?: number;
}

export type PushOutcome = "pushed" | "rejected";

export interface NetworkOptions {
  /** Aborting it kills the network command and rejects with the signal's reason. */
  signal?: AbortSignal | undefined;
}

export interface SyncOptions extends NetworkOptions {
  /**
   * The caller knows the working tree is exactly this commit, untouched since (it wrote or reset
   * it last): when the fetch finds the branch still there, no checkout, reset or clean runs.
   */
  cleanAt?: string | undefined;
}

export interface PushOptions extends NetworkOptions {
  /**
   * The commit HEAD was made on. The push is then accepted only while the remote branch is
   * exactly this commit (git's compare-and-swap, `--force-with-lease=<branch>:<expected>`):
   * HEAD is its child, so what lands is always a fast-forward, and a branch that moved — on,
   * or back — is "rejected" instead of being built upon from a stale view.
   */
  expected?: string | undefined;
}

const cloneDirName = "repo";
const cloningPrefix = "repo.cloning-";
// Failures that say nothing about the clone itself; re-cloning would not help.
const remoteProblems = new Set(["GIT_UNREACHABLE", "GIT_AUTH", "GIT_HOST_KEY", "GIT_REPO_NOT_FOUND"]);
// A full SHA-1 or SHA-256 object name: never an option, a ref name or a revision expression.
const fullSha = /^(?:[0-9a-f]{40}|[0-9a-f]{64})$/;

/**
 * The persistent working clone of the GitOps repository. Its git commands never overlap (each
 * public method waits for the previous one); callers still queue whole operations
 * (sync → commit → push) themselves, because those must not interleave either.
 */
export class WorkingClone {
  readonly directory: string;
  readonly remote: string;
  readonly #options: WorkingCloneOptions;
  readonly #logger: GitLogger;
  readonly #remoteRef: string;
  #tail: Promise<unknown> = Promise.resolve();
  #readTail: Promise<unknown> = Promise.resolve();

  constructor(options: WorkingCloneOptions) {
    this.#options = options;
    this.#logger = options.logger ?? silentGitLogger;
    this.directory = join(options.dataDir, cloneDirName);
    this.remote = remoteDisplayName(options.url);
    this.#remoteRef = `refs/remotes/origin/${options.branch}`;
  }

  /**
   * Makes the clone exist and match origin/<branch> exactly (clean tree); returns its head.
   * `signal` (the operation's deadline) stops the fetch or clone when it aborts.
   */
  sync(options: SyncOptions = {}): Promise<{ head: string }> {
    const { signal, cleanAt } = options;
    return this.#exclusive(
      "sync",
      async () => {
        await removeInterruptedClones(this.#options.dataDir, cloningPrefix, this.#logger);
        if (await this.#isHealthy()) {
          try {
            await this.#git(
              [
                "fetch",
                "--quiet",
                "--no-tags",
                "origin",
                `+refs/heads/${this.#options.branch}:${this.#remoteRef}`,
              ],
              { signal },
            );
            if (cleanAt !== undefined && fullSha.test(cleanAt)) {
              const [tip, head] = (await this.#git(["rev-parse", this.#remoteRef, "HEAD"])).stdout.split(
                "\n",
              );
              // Nothing moved: the tree is already what a reset would make it.
              if (tip === cleanAt && head === cleanAt) return { head };
            }
            await this.#resetToRemote();
            return { head: await this.#head() };
          } catch (error) {
            if (signal?.aborted === true || (isFailoverError(error) && remoteProblems.has(error.code))) {
              await this.#resetToRemote().catch(() => undefined);
              throw error;
            }
            // A full disk is not damage: cloning again would delete the clone and then fail too.
            const full = await diskFullError(error, this.#options.dataDir, "git fetch");
            if (full !== undefined) throw full;
            this.#logger.warn("Working clone is damaged; cloning again", { reason: String(error) });
          }
        }
        await this.#clone(signal);
        return { head: await this.#head() };
      },
      signal,
    );
  }

  /**
   * A managed file from the working tree, or undefined when it does not exist. Refuses what
   * resolveManagedFile refuses, and text that is not UTF-8 (it could not be written back byte
   * for byte).
   */
  readFile(path: string): Promise<string | undefined> {
    return this.#exclusive("read", async () => {
      const real = await resolveManagedFile(this.directory, path);
      if (real === undefined) return undefined;
      const bytes = await readFile(real);
      try {
        return new TextDecoder("utf-8", { fatal: true, ignoreBOM: true }).decode(bytes);
      } catch {
        throw new FailoverError("MANIFEST_UNSUPPORTED", `${path}: is not UTF-8 text`, {
          details: { file: path },
        });
      }
    });
  }

  /**
   * Writes exactly these files, commits exactly them as the configured identity; returns the sha.
   * With `allowEmpty`, a commit that changes nothing records a step whose work was already done.
   */
  commit(
    files: ReadonlyMap<string, string>,
    message: string,
    options: { allowEmpty?: boolean } = {},
  ): Promise<string> {
    return this.#exclusive("commit", async () => {
      const allowEmpty = options.allowEmpty === true;
      if (files.size === 0 && !allowEmpty)
        throw new FailoverError("INTERNAL", "commit() needs at least one file");
      // The same decision as for reading: a file the plan could read is a file it may write.
      // Every path is checked before any is written (an evacuation writes dozens, so in parallel).
      const targets = await Promise.all(
        [...files].map(async ([path, content]) => {
          checkManagedFileSize(path, content);
          const real = await resolveManagedFile(this.directory, path);
          if (real === undefined)
            throw new FailoverError("INTERNAL", `${path}: not in the working tree; nothing was committed`);
          return { real, content };
        }),
      );
      await Promise.all(targets.map(({ real, content }) => writeFile(real, content, "utf8")));
      const paths = [...files.keys()];
      // Literal pathspecs: a file name like ":(glob)*" must mean that file, not a pattern.
      if (paths.length > 0) await this.#git(["--literal-pathspecs", "add", "--", ...paths]);
      const staged = await this.#git(["--literal-pathspecs", "diff", "--cached", "--quiet", "--", ...paths], {
        okExitCodes: [1],
      });
      if (staged.exitCode === 0 && !allowEmpty)
        throw new FailoverError("GIT_FAILED", "Nothing to commit: the files already have this content", {
          details: { paths },
        });
      const { name, email } = this.#options.author;
      const signingKey = this.#options.credentials.signingKeyFile;
      const signing =
        signingKey === undefined ? [] : ["-c", "gpg.format=ssh", "-c", `user.signingkey=${signingKey}`];
      await this.#git(
        [
          "-c",
          `user.name=${name}`,
          "-c",
          `user.email=${email}`,
          ...signing,
          // --cleanup=whitespace keeps lines starting with "#" (a reason may start with one).
          "commit",
          "--quiet",
          "--no-verify",
          "--cleanup=whitespace",
          ...(allowEmpty ? ["--allow-empty"] : []),
          ...(signingKey === undefined ? [] : ["-S"]),
          "-F",
          "-",
        ],
        {
          input: message,
          env: {
            GIT_AUTHOR_NAME: name,
            GIT_AUTHOR_EMAIL: email,
            GIT_COMMITTER_NAME: name,
            GIT_COMMITTER_EMAIL: email,
          },
        },
      );
      return this.#head();
    });
  }

  /**
   * Pushes HEAD to the branch as a fast-forward only (never forced: the remote's acceptance is
   * the compare-and-swap between replicas). "rejected" means the branch is not where the commit
   * was made: someone else pushed first (or, with `expected`, moved the branch in any way).
   */
  push(options: PushOptions = {}): Promise<PushOutcome> {
    const { signal, expected } = options;
    const branchRef = `refs/heads/${this.#options.branch}`;
    return this.#exclusive(
      "push",
      async () => {
        if (expected !== undefined) await this.#mustDescend(expected);
        // No "+" in the refspec, ever: without `expected` git itself refuses a non-fast-forward;
        // with it, HEAD descends from the one commit the remote may be at (checked just above).
        const lease = expected === undefined ? [] : [`--force-with-lease=${branchRef}:${expected}`];
        try {
          await this.#git(["push", "--quiet", ...lease, "origin", `HEAD:${branchRef}`], { signal });
        } catch (error) {
          if (isFailoverError(error) && error.code === "GIT_PUSH_REJECTED") {
            this.#logger.info("Push rejected: the branch moved on", { remote: this.remote });
            return "rejected";
          }
          throw error;
        }
        // The remote now has HEAD; recording it keeps log() and resetToRemote() current without a fetch.
        await this.#git(["update-ref", this.#remoteRef, "HEAD"]);
        this.#logger.info(`Pushed changes to ${remoteHost(this.#options.url)}`, {
          remote: this.remote,
          branch: this.#options.branch,
          head: await this.#head(),
        });
        return "pushed";
      },
      signal,
    );
  }

  /** The lease below may only ever allow a fast-forward: HEAD must descend from `expected`. */
  async #mustDescend(expected: string): Promise<void> {
    const descends =
      fullSha.test(expected) &&
      (await this.#git(["merge-base", "--is-ancestor", expected, "HEAD"], { okExitCodes: [1] })).exitCode ===
        0;
    if (!descends)
      throw new FailoverError(
        "INTERNAL",
        `refusing to push: HEAD does not descend from ${expected}, so the push would not be a fast-forward; nothing was pushed`,
      );
  }

  /** Checks that a push would be accepted (reachability, credentials, write access), for `doctor`. */
  pushDryRun(): Promise<PushOutcome> {
    return this.#exclusive("push --dry-run", async () => {
      try {
        await this.#git([
          "push",
          "--dry-run",
          "--quiet",
          "origin",
          `HEAD:refs/heads/${this.#options.branch}`,
        ]);
        return "pushed";
      } catch (error) {
        if (isFailoverError(error) && error.code === "GIT_PUSH_REJECTED") return "rejected";
        throw error;
      }
    });
  }

  /**
   * Ends the SSH connection kept open between git commands now, instead of after its idle time
   * (see `masterIdleSeconds`).
   */
  closeConnections(): Promise<void> {
    return this.#exclusive("close connections", () => this.#options.credentials.closeConnections());
  }

  /** Drops local commits and changes: the tree becomes origin/<branch> as last fetched. */
  resetToRemote(): Promise<void> {
    return this.#exclusive("reset", () => this.#resetToRemote());
  }

  /**
   * failover-api's commits on origin/<branch>, newest first, read back from their trailers.
   * Reads of committed history do not wait for the network commands of an operation (a hung
   * remote must not hold `history`): git's readers are safe beside its writers, and
   * origin/<branch> only ever moves atomically.
   */
  log(options: HistoryOptions = {}): Promise<HistoryCommit[]> {
    return this.#reading("log", () =>
      readHistory(async (args) => (await this.#git(args)).stdout, this.#remoteRef, options),
    );
  }

  /**
   * A repo-relative file as it was at `rev` (e.g. before an operation's first commit), or
   * undefined when it did not exist there. Managed files are never symlinks (resolveManagedFile
   * refuses them), so the configured path is the path in the commit.
   */
  readFileAt(rev: string, path: string): Promise<string | undefined> {
    return this.#exclusive("show", async () => {
      const shown = await this.#git(["cat-file", "-p", `${rev}:${path}`], { okExitCodes: [128] });
      return shown.exitCode === 0 ? shown.stdout : undefined;
    });
  }

  /** Shas of `sha` and every commit after it on origin/<branch> (for "Flux applied this or later"). */
  commitsSince(sha: string): Promise<string[]> {
    return this.#exclusive("rev-list", async () => {
      const { stdout } = await this.#git(["rev-list", "--end-of-options", `${sha}..${this.#remoteRef}`]);
      return [sha, ...stdout.split("\n").filter((l) => l !== "")];
    });
  }

  /** The committer time (strict ISO 8601) of a commit, e.g. a promote commit for `reverse-synced`. */
  commitTime(rev: string): Promise<string> {
    return this.#reading("log", async () => {
      const { stdout } = await this.#git(["log", "-1", "--format=%cI", "--end-of-options", rev]);
      return stdout.trim();
    });
  }

  /**
   * Whether commit `ancestor` is `descendant` or one of its ancestors (`git merge-base
   * --is-ancestor`); undefined while the clone lacks either commit (not fetched yet) or is being
   * re-cloned. Read-only on the object store, so it runs beside the queued operations instead of
   * waiting behind a push with its retries.
   */
  async isAncestor(ancestor: string, descendant: string): Promise<boolean | undefined> {
    if (!fullSha.test(ancestor) || !fullSha.test(descendant)) return undefined;
    try {
      const { exitCode } = await this.#git(["merge-base", "--is-ancestor", ancestor, descendant], {
        okExitCodes: [1],
      });
      return exitCode === 0;
    } catch {
      return undefined;
    }
  }

  /** The sha HEAD points at. */
  head(): Promise<string> {
    return this.#exclusive("rev-parse", () => this.#head());
  }

  async #head(): Promise<string> {
    return (await this.#git(["rev-parse", "--verify", "HEAD^{commit}"])).stdout.trim();
  }

  async #resetToRemote(): Promise<void> {
    await removeStaleLocks(join(this.directory, ".git"), this.#logger);
    const branch = this.#options.branch;
    // checkout -B also repairs a clone whose local branch differs from the configured one.
    await this.#git(["checkout", "--quiet", "--force", "--no-track", "-B", branch, this.#remoteRef]);
    await this.#git(["reset", "--quiet", "--hard", this.#remoteRef]);
    await this.#git(["clean", "-ffdxq"]);
  }

  async #isHealthy(): Promise<boolean> {
    if (!(await isDirectory(this.directory))) return false;
    await removeStaleLocks(join(this.directory, ".git"), this.#logger);
    try {
      // The directory must be a repository of its own, not a subdirectory of some other one.
      const gitDir = (await this.#git(["rev-parse", "--absolute-git-dir"])).stdout.trim();
      if (!(await samePath(gitDir, join(this.directory, ".git")))) throw new Error("not a repository");
      const url = (await this.#git(["config", "--get", "remote.origin.url"])).stdout.trim();
      if (url === this.#options.url) return true;
      this.#logger.warn("Working clone points at another remote; cloning again", { remote: this.remote });
    } catch {
      this.#logger.warn("Working clone is not a git repository; cloning again", { dir: this.directory });
    }
    await rm(this.directory, { recursive: true, force: true });
    return false;
  }

  async #clone(signal: AbortSignal | undefined): Promise<void> {
    await rm(this.directory, { recursive: true, force: true });
    await mkdir(this.#options.dataDir, { recursive: true });
    // Clone beside the final place and rename: a killed clone never looks like a clone.
    const staging = join(this.#options.dataDir, `${cloningPrefix}${randomUUID()}`);
    try {
      await this.#git(
        [
          "clone",
          "--quiet",
          "--no-tags",
          "--single-branch",
          "--branch",
          this.#options.branch,
          "--config",
          "gc.autoDetach=false",
          "--",
          this.#options.url,
          staging,
        ],
        { cwd: this.#options.dataDir, signal },
      );
      await rename(staging, this.directory);
    } finally {
      await rm(staging, { recursive: true, force: true });
    }
    this.#logger.info("Cloned the GitOps repository", { remote: this.remote, branch: this.#options.branch });
  }

  #git(
    args: string[],
    extra: {
      input?: string;
      env?: Record<string, string>;
      okExitCodes?: number[];
      cwd?: string;
      signal?: AbortSignal | undefined;
    } = {},
  ): Promise<GitResult> {
    return runGit(args, {
      credentials: this.#options.credentials,
      remote: this.remote,
      cwd: extra.cwd ?? this.directory,
      ...(extra.input === undefined ? {} : { input: extra.input }),
      ...(extra.env === undefined ? {} : { env: extra.env }),
      ...(extra.okExitCodes === undefined ? {} : { okExitCodes: extra.okExitCodes }),
      ...(this.#options.timeoutMs === undefined ? {} : { timeoutMs: this.#options.timeoutMs }),
      signal: extra.signal,
    });
  }

  #exclusive<T>(operation: string, work: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    const run = async (): Promise<T> => {
      try {
        if (signal?.aborted === true) throw signal.reason;
        return await work();
      } catch (caught) {
        const error = (await diskFullError(caught, this.#options.dataDir, `git ${operation}`)) ?? caught;
        // Refused paths and the like are the caller's to report; this line is for git trouble.
        if (isFailoverError(error) && !error.code.startsWith("GIT_") && error.code !== "DISK_FULL")
          throw error;
        this.#logger.error("Git operation failed", {
          operation,
          remote: this.remote,
          code: isFailoverError(error) ? error.code : "INTERNAL",
          reason: error instanceof Error ? error.message : String(error),
        });
        throw error;
      }
    };
    const result = this.#tail.then(run, run);
    this.#tail = result.catch(() => undefined);
    return result;
  }

  /** Read-only git commands: one at a time among themselves, never waiting for #exclusive ones. */
  #reading<T>(operation: string, work: () => Promise<T>): Promise<T> {
    const result = this.#readTail.then(work, work);
    this.#readTail = result.catch(() => undefined);
    return result.catch((error: unknown) => {
      this.#logger.error("Git operation failed", {
        operation,
        remote: this.remote,
        code: isFailoverError(error) ? error.code : "INTERNAL",
        reason: error instanceof Error ? error.message : String(error),
      });
      throw error;
    });
  }
}
