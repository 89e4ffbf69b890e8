import { randomUUID } from "node:crypto";
import { mkdir, readFile, realpath, rename, rm, writeFile } from "node:fs/promises";
import { join, relative, sep } from "node:path";
import { FailoverError, isFailoverError } from "../domain/failover-error.js";
import { resolveForRead, resolveForWrite } from "./clone-paths.js";
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

const cloneDirName = "repo";
const cloningPrefix = "repo.cloning-";
// Failures that say nothing about the clone itself; re-cloning would not help.
const remoteProblems = new Set(["GIT_UNREACHABLE", "GIT_AUTH", "GIT_HOST_KEY", "GIT_REPO_NOT_FOUND"]);

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

  constructor(options: WorkingCloneOptions) {
    this.#options = options;
    this.#logger = options.logger ?? silentGitLogger;
    this.directory = join(options.dataDir, cloneDirName);
    this.remote = remoteDisplayName(options.url);
    this.#remoteRef = `refs/remotes/origin/${options.branch}`;
  }

  /** Makes the clone exist and match origin/<branch> exactly (clean tree); returns its head. */
  sync(): Promise<{ head: string }> {
    return this.#exclusive("sync", async () => {
      await removeInterruptedClones(this.#options.dataDir, cloningPrefix, this.#logger);
      if (await this.#isHealthy()) {
        try {
          await this.#git([
            "fetch",
            "--quiet",
            "--no-tags",
            "origin",
            `+refs/heads/${this.#options.branch}:${this.#remoteRef}`,
          ]);
          await this.#resetToRemote();
          return { head: await this.#head() };
        } catch (error) {
          if (isFailoverError(error) && remoteProblems.has(error.code)) {
            await this.#resetToRemote().catch(() => undefined);
            throw error;
          }
          this.#logger.warn("Working clone is damaged; cloning again", { reason: String(error) });
        }
      }
      await this.#clone();
      return { head: await this.#head() };
    });
  }

  /** A repo-relative file from the working tree, or undefined when it does not exist. */
  readFile(path: string): Promise<string | undefined> {
    return this.#exclusive("read", async () => {
      const real = await resolveForRead(this.directory, path);
      if (real === undefined) return undefined;
      try {
        return await readFile(real, "utf8");
      } catch (cause) {
        if ((cause as NodeJS.ErrnoException).code === "EISDIR")
          throw new FailoverError("MANIFEST_UNSUPPORTED", `Repository path "${path}" is a directory`, {
            cause,
          });
        throw cause;
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
      for (const [path, content] of files)
        await writeFile(await resolveForWrite(this.directory, path), content, "utf8");
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
   * the compare-and-swap between replicas). "rejected" means someone else pushed first.
   */
  push(): Promise<PushOutcome> {
    return this.#exclusive("push", async () => {
      try {
        await this.#git(["push", "--quiet", "origin", `HEAD:refs/heads/${this.#options.branch}`]);
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
    });
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

  /** Ends the SSH connection kept open between the git commands of one operation. */
  release(): Promise<void> {
    return this.#exclusive("release", () => this.#options.credentials.closeConnections());
  }

  /** Drops local commits and changes: the tree becomes origin/<branch> as last fetched. */
  resetToRemote(): Promise<void> {
    return this.#exclusive("reset", () => this.#resetToRemote());
  }

  /** failover-api's commits on origin/<branch>, newest first, read back from their trailers. */
  log(options: HistoryOptions = {}): Promise<HistoryCommit[]> {
    return this.#exclusive("log", () =>
      readHistory(async (args) => (await this.#git(args)).stdout, this.#remoteRef, options),
    );
  }

  /**
   * A repo-relative file as it was at `rev` (e.g. before an operation's first commit), or
   * undefined when it did not exist there. The path is resolved in today's tree first, so a
   * symlinked path reads its target, as readFile does.
   */
  readFileAt(rev: string, path: string): Promise<string | undefined> {
    return this.#exclusive("show", async () => {
      const real = await resolveForRead(this.directory, path);
      const inRepo =
        real === undefined
          ? path
          : relative(await realpath(this.directory), real)
              .split(sep)
              .join("/");
      const shown = await this.#git(["cat-file", "-p", `${rev}:${inRepo}`], { okExitCodes: [128] });
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
    return this.#exclusive("log", async () => {
      const { stdout } = await this.#git(["log", "-1", "--format=%cI", "--end-of-options", rev]);
      return stdout.trim();
    });
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

  async #clone(): Promise<void> {
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
        { cwd: this.#options.dataDir },
      );
      await rename(staging, this.directory);
    } finally {
      await rm(staging, { recursive: true, force: true });
    }
    this.#logger.info("Cloned the GitOps repository", { remote: this.remote, branch: this.#options.branch });
  }

  #git(
    args: string[],
    extra: { input?: string; env?: Record<string, string>; okExitCodes?: number[]; cwd?: string } = {},
  ): Promise<GitResult> {
    return runGit(args, {
      credentials: this.#options.credentials,
      remote: this.remote,
      cwd: extra.cwd ?? this.directory,
      ...(extra.input === undefined ? {} : { input: extra.input }),
      ...(extra.env === undefined ? {} : { env: extra.env }),
      ...(extra.okExitCodes === undefined ? {} : { okExitCodes: extra.okExitCodes }),
      ...(this.#options.timeoutMs === undefined ? {} : { timeoutMs: this.#options.timeoutMs }),
    });
  }

  #exclusive<T>(operation: string, work: () => Promise<T>): Promise<T> {
    const run = async (): Promise<T> => {
      try {
        return await work();
      } catch (error) {
        // Refused paths and the like are the caller's to report; this line is for git trouble.
        if (isFailoverError(error) && !error.code.startsWith("GIT_")) throw error;
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
}
