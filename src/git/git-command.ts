import { spawn } from "node:child_process";
import { FailoverError } from "../domain/failover-error.js";
import { classifyGitError } from "./classify-git-error.js";
import type { GitCredentials } from "./git-credentials.js";

export interface GitResult {
  stdout: string;
  stderr: string;
  exitCode: number;
}

export interface RunGitOptions {
  credentials: Pick<GitCredentials, "homeDir" | "env" | "secrets">;
  /** Display name of the remote (credentials redacted), used in error messages. */
  remote: string;
  cwd?: string;
  /** Written to git's stdin (e.g. a commit message for `commit -F -`). */
  input?: string;
  timeoutMs?: number;
  /** Extra variables, e.g. author identity; they win over the fixed ones except the locale. */
  env?: Record<string, string>;
  /** Exit codes that are answers rather than failures (e.g. 1 for `diff --quiet`). */
  okExitCodes?: readonly number[];
  /** Kills git (and ssh) when it aborts, e.g. at the operation's deadline; rejects with its reason. */
  signal?: AbortSignal | undefined;
}

export const defaultGitTimeoutMs = 120_000;

// A hung one of these means the remote (or the path to it) is not answering.
const networkOperations = new Set(["clone", "fetch", "push", "ls-remote", "pull"]);

// Only what git and ssh need is inherited; everything else about the host process stays out.
const inheritedVariables = [
  "PATH",
  "TMPDIR",
  "SSL_CERT_FILE",
  "SSL_CERT_DIR",
  "http_proxy",
  "https_proxy",
  "no_proxy",
  "HTTP_PROXY",
  "HTTPS_PROXY",
  "NO_PROXY",
];

export function gitEnvironment(options: Pick<RunGitOptions, "credentials" | "env">): Record<string, string> {
  const env: Record<string, string> = {};
  for (const name of inheritedVariables) {
    const value = process.env[name];
    if (value !== undefined) env[name] = value;
  }
  Object.assign(env, options.env, options.credentials.env, {
    HOME: options.credentials.homeDir,
    XDG_CONFIG_HOME: options.credentials.homeDir,
    GIT_CONFIG_NOSYSTEM: "1",
    GIT_CONFIG_GLOBAL: "/dev/null",
    GIT_TERMINAL_PROMPT: "0",
    // Output is parsed and classified, so it must be English whatever the host locale is.
    LC_ALL: "C",
    LANG: "C",
    LANGUAGE: "C",
  });
  if (env.PATH === undefined) env.PATH = "/usr/local/bin:/usr/bin:/bin";
  return env;
}

function operationName(args: readonly string[]): string {
  return args.find((a, i) => !a.startsWith("-") && args[i - 1] !== "-c" && args[i - 1] !== "-C") ?? "git";
}

/**
 * Runs git with an argument array (never a shell) in a fixed environment. Resolves with the
 * output when the exit code is 0 or listed in okExitCodes, otherwise throws a classified
 * FailoverError. A timeout kills git and its ssh child and counts as the remote being unreachable.
 */
export function runGit(args: readonly string[], options: RunGitOptions): Promise<GitResult> {
  const timeoutMs = options.timeoutMs ?? defaultGitTimeoutMs;
  const operation = operationName(args);
  const secrets = options.credentials.secrets;
  return new Promise<GitResult>((resolve, reject) => {
    const signal = options.signal;
    if (signal?.aborted === true) {
      reject(abortReason(signal, operation, options.remote));
      return;
    }
    const child = spawn("git", [...args], {
      cwd: options.cwd,
      env: gitEnvironment(options),
      stdio: ["pipe", "pipe", "pipe"],
      // Its own process group, so a timeout can kill ssh too, not only git.
      detached: true,
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let timedOut = false;
    const killGroup = () => {
      try {
        if (child.pid !== undefined) process.kill(-child.pid, "SIGKILL");
      } catch {
        child.kill("SIGKILL");
      }
    };
    const timer = setTimeout(() => {
      timedOut = true;
      killGroup();
    }, timeoutMs);
    signal?.addEventListener("abort", killGroup, { once: true });
    child.stdout.on("data", (chunk: Buffer) => out.push(chunk));
    child.stderr.on("data", (chunk: Buffer) => err.push(chunk));
    // git may exit before reading stdin (e.g. on a bad argument); that is reported by the exit code.
    child.stdin.on("error", () => undefined);
    child.stdin.end(options.input ?? "");
    child.on("error", (cause) => {
      clearTimeout(timer);
      signal?.removeEventListener("abort", killGroup);
      reject(
        new FailoverError("GIT_FAILED", `Cannot run git (is it installed?): ${cause.message}`, { cause }),
      );
    });
    child.on("close", (code) => {
      clearTimeout(timer);
      signal?.removeEventListener("abort", killGroup);
      if (signal?.aborted === true) {
        reject(abortReason(signal, operation, options.remote));
        return;
      }
      const stdout = Buffer.concat(out).toString("utf8");
      const stderr = Buffer.concat(err).toString("utf8");
      if (timedOut) {
        const message = `git ${operation} timed out after ${timeoutMs} ms`;
        reject(
          networkOperations.has(operation)
            ? classifyGitError(`${stderr}\n${message}`, code, options.remote, { operation, secrets })
            : new FailoverError("GIT_FAILED", message, { details: { remote: options.remote, operation } }),
        );
        return;
      }
      const exitCode = code ?? -1;
      if (exitCode === 0 || options.okExitCodes?.includes(exitCode) === true) {
        resolve({ stdout, stderr, exitCode });
        return;
      }
      reject(classifyGitError(stderr, exitCode, options.remote, { operation, secrets }));
    });
  });
}

function abortReason(signal: AbortSignal, operation: string, remote: string): FailoverError {
  const reason: unknown = signal.reason;
  if (reason instanceof FailoverError) return reason;
  return new FailoverError("GIT_UNREACHABLE", `git ${operation} was stopped before it finished`, {
    retryable: true,
    details: { remote, operation },
  });
}
