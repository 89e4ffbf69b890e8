import { spawn } from "node:child_process";
import { chmod, copyFile, mkdir, mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { FailoverError } from "../domain/failover-error.js";
import { remoteKind } from "./git-remote.js";
import { credentialsDirPrefix, removeStaleCredentials } from "./stale-credentials.js";

export interface GitCredentialsConfig {
  url: string;
  sshKeyFile?: string | undefined;
  knownHostsFile?: string | undefined;
  insecureIgnoreHostKey?: boolean | undefined;
  tokenFile?: string | undefined;
  signingKeyFile?: string | undefined;
}

/** Everything git needs to authenticate, in a private directory owned by this process. */
export interface GitCredentials {
  /** A private (0700) directory; also used as HOME so no user or system git config leaks in. */
  readonly homeDir: string;
  /** Environment variables to add to every git invocation (GIT_SSH_COMMAND, GIT_ASKPASS, ...). */
  readonly env: Readonly<Record<string, string>>;
  /** The signing key to use with `gpg.format=ssh`, already 0600, if signing is configured. */
  readonly signingKeyFile: string | undefined;
  /** Secret values that must be scrubbed from any text that leaves the process. */
  readonly secrets: readonly string[];
  /** Closes the shared SSH connection (if any); the next git command opens a new one. */
  closeConnections(): Promise<void>;
  dispose(): Promise<void>;
}

/** The env variable the askpass helper reads the token from; never put on argv. */
export const tokenEnvVar = "FAILOVER_API_GIT_TOKEN";

const askpassScript = `#!/bin/sh
# Git asks for a user name and then a password; the token travels only in the environment.
case "$1" in
  Username*) printf '%s\\n' "\${FAILOVER_API_GIT_USERNAME:-x-access-token}" ;;
  *) printf '%s\\n' "\${${tokenEnvVar}}" ;;
esac
`;

function configError(message: string): FailoverError {
  return new FailoverError("CONFIG_INVALID", message);
}

/**
 * GIT_SSH_COMMAND is run through `sh -c` by git (and split by git's own quote-aware splitter to
 * detect the ssh variant), so every path is single-quoted; a path that cannot be single-quoted
 * safely is refused rather than escaped in clever ways.
 */
export function shellQuotePath(path: string, configKey: string): string {
  // eslint-disable-next-line no-control-regex
  if (/['\u0000-\u001f\u007f]/.test(path))
    throw configError(`${configKey} path must not contain quotes or control characters`);
  return `'${path}'`;
}

function looksPublic(text: string): boolean {
  return (
    /^(ssh-(ed25519|rsa|dss)|ecdsa-sha2-|sk-(ssh|ecdsa)-)\S*\s+AAAA/.test(text) ||
    text.startsWith("---- BEGIN SSH2 PUBLIC KEY")
  );
}

/**
 * Returns a path to the private key that ssh will accept: OpenSSH refuses keys readable by group
 * or others, and Kubernetes Secret volumes default to 0644. Some OpenSSH versions also refuse a
 * key without a final newline, which Secrets created from literals often lack.
 */
async function privateKeyFile(source: string, configKey: string, dir: string, name: string): Promise<string> {
  let content: string;
  let mode: number;
  try {
    content = await readFile(source, "utf8");
    mode = (await stat(source)).mode;
  } catch (cause) {
    throw new FailoverError("CONFIG_INVALID", `${configKey} ${source} cannot be read`, { cause });
  }
  const trimmed = content.trim();
  if (trimmed === "") throw configError(`${configKey} ${source} is empty`);
  if (looksPublic(trimmed))
    throw configError(
      `${configKey} ${source} holds a public key; configure the private key (Flux's "identity", not "identity.pub")`,
    );
  if (!/^-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----/.test(trimmed))
    throw configError(`${configKey} ${source} is not an OpenSSH or PEM private key`);
  const normalized = `${trimmed.replace(/\r\n/g, "\n")}\n`;
  if ((mode & 0o077) === 0 && normalized === content) return source;
  const copy = join(dir, name);
  if (normalized === content) await copyFile(source, copy);
  else await writeFile(copy, normalized, { mode: 0o600 });
  await chmod(copy, 0o600);
  return copy;
}

async function requireReadable(path: string, configKey: string): Promise<void> {
  try {
    await readFile(path);
  } catch (cause) {
    throw new FailoverError("CONFIG_INVALID", `${configKey} ${path} cannot be read`, { cause });
  }
}

async function sshCommand(config: GitCredentialsConfig, dir: string): Promise<string> {
  if (config.sshKeyFile === undefined)
    throw configError(`git.sshKeyFile is required for the ssh URL in git.url`);
  const key = await privateKeyFile(config.sshKeyFile, "git.sshKeyFile", dir, "identity");
  const parts = [
    "ssh",
    "-F /dev/null", // the user's ~/.ssh/config (found via passwd, not HOME) must not change behaviour
    `-i ${shellQuotePath(key, "git.sshKeyFile")}`,
    "-o IdentitiesOnly=yes",
    "-o BatchMode=yes",
    "-o ConnectTimeout=20",
    "-o ServerAliveInterval=15",
  ];
  // One SSH connection is shared by the fetch and the push of an operation (and its retries):
  // the push starts without a new handshake, which keeps the fetch-to-push window short when
  // other writers race us. The socket lives in this process's private 0700 directory — unless
  // that path is too long for a Unix socket (ssh adds 17 characters while creating it).
  if (Buffer.byteLength(controlPath(dir)) <= maxControlPathBytes)
    parts.push(
      `-o ControlMaster=auto`,
      `-o ControlPath=${shellQuotePath(controlPath(dir), "git.sshKeyFile")}`,
      "-o ControlPersist=20",
    );
  if (config.insecureIgnoreHostKey === true) {
    parts.push("-o StrictHostKeyChecking=no", "-o UserKnownHostsFile=/dev/null", "-o LogLevel=ERROR");
  } else {
    if (config.knownHostsFile === undefined)
      throw configError(
        "git.knownHostsFile is required for ssh URLs unless git.insecureIgnoreHostKey is true",
      );
    await requireReadable(config.knownHostsFile, "git.knownHostsFile");
    parts.push(
      "-o StrictHostKeyChecking=yes",
      `-o UserKnownHostsFile=${shellQuotePath(config.knownHostsFile, "git.knownHostsFile")}`,
      // Only the configured file decides which host keys are trusted.
      "-o GlobalKnownHostsFile=/dev/null",
    );
  }
  return parts.join(" ");
}

const maxControlPathBytes = 107 - 17;

function controlPath(dir: string): string {
  return join(dir, "cm");
}

/** `ssh -O exit` ends a ControlPersist master; harmless when none is running. */
function closeMaster(dir: string, ssh: boolean): Promise<void> {
  if (!ssh) return Promise.resolve();
  return new Promise((resolve) => {
    const child = spawn(
      "ssh",
      ["-F", "/dev/null", "-o", `ControlPath=${controlPath(dir)}`, "-O", "exit", "git-remote"],
      {
        stdio: "ignore",
      },
    );
    child.on("error", () => resolve());
    child.on("exit", () => resolve());
  });
}

/**
 * Prepares credentials for git.url; call dispose() when the clone is no longer used. They live
 * in a private directory under `parentDir` (the server and the CLI pass git.dataDir, so a key
 * copy never lands in a shared /tmp); directories left by dead processes are removed first.
 */
export async function prepareGitCredentials(
  config: GitCredentialsConfig,
  options: { parentDir?: string } = {},
): Promise<GitCredentials> {
  const parent = options.parentDir ?? tmpdir();
  let dir: string;
  try {
    await mkdir(parent, { recursive: true });
    await removeStaleCredentials(parent);
    dir = await mkdtemp(join(parent, credentialsDirPrefix(process.pid)));
  } catch (cause) {
    const code = (cause as NodeJS.ErrnoException).code;
    if (code === "ENOSPC" || code === "EDQUOT")
      throw new FailoverError("DISK_FULL", `no space left in ${parent}: free space on that volume`, {
        cause,
      });
    throw new FailoverError(
      "CONFIG_INVALID",
      `cannot create a private directory in ${parent} (git.dataDir): ${code ?? String(cause)}; it must be writable`,
      { cause },
    );
  }
  await chmod(dir, 0o700);
  const homeDir = join(dir, "home");
  await mkdir(homeDir, { mode: 0o700 });
  try {
    const env: Record<string, string> = {};
    const secrets: string[] = [];
    const kind = remoteKind(config.url);
    if (kind === "ssh") env.GIT_SSH_COMMAND = await sshCommand(config, dir);
    if (kind === "http" && config.tokenFile !== undefined) {
      let token: string;
      try {
        token = (await readFile(config.tokenFile, "utf8")).trim();
      } catch (cause) {
        throw new FailoverError("CONFIG_INVALID", `git.tokenFile ${config.tokenFile} cannot be read`, {
          cause,
        });
      }
      if (token === "") throw configError(`git.tokenFile ${config.tokenFile} is empty`);
      const askpass = join(dir, "askpass.sh");
      await writeFile(askpass, askpassScript, { mode: 0o700 });
      env.GIT_ASKPASS = askpass;
      env[tokenEnvVar] = token;
      secrets.push(token);
    }
    const signingKeyFile =
      config.signingKeyFile === undefined
        ? undefined
        : await privateKeyFile(config.signingKeyFile, "git.signingKeyFile", dir, "signing");
    return {
      homeDir,
      env,
      signingKeyFile,
      secrets,
      closeConnections: () => closeMaster(dir, kind === "ssh"),
      dispose: async () => {
        await closeMaster(dir, kind === "ssh");
        await rm(dir, { recursive: true, force: true });
      },
    };
  } catch (error) {
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
}
