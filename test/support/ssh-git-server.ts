import { spawn } from "node:child_process";
import type { ChildProcess } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { access, chmod, mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { git, run } from "./test-git.js";
import { freePort } from "./free-port.js";

const sshdPath = "/usr/sbin/sshd";

export interface SshGitServer {
  readonly port: number;
  /** `ssh://root@127.0.0.1:PORT/abs/path/<name>.git` */
  url(repoName: string): string;
  /** Absolute path of the bare repository on disk (for assertions and hooks). */
  repoPath(repoName: string): string;
  /** Creates a bare repo (branch main) with one initial commit holding `files`. */
  createBareRepo(name: string, files?: Record<string, string>): Promise<string>;
  readonly clientKeyFile: string;
  /** A second, valid-looking key the server does not accept. */
  readonly wrongClientKeyFile: string;
  readonly knownHostsFile: string;
  /** Holds a different host key for the same `[127.0.0.1]:PORT`. */
  readonly wrongKnownHostsFile: string;
  stop(): Promise<void>;
  /** Stops listening (connections are refused) and drops open ones: the remote is down. */
  pause(): Promise<void>;
  resume(): Promise<void>;
  /**
   * Freezes sshd and the processes serving open connections (SIGSTOP): connections are accepted
   * by the kernel but never answered, and open ones stop answering.
   */
  freeze(): void;
  thaw(): void;
  /** How many SSH connections sshd has accepted so far (each is one handshake). */
  acceptedConnections(): number;
}

async function keygen(file: string, comment: string): Promise<string> {
  await run("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", comment, "-f", file]);
  return (await readFile(`${file}.pub`, "utf8")).trim();
}

function startSshd(configFile: string): Promise<ChildProcess> {
  return new Promise((resolve, reject) => {
    const child = spawn(sshdPath, ["-D", "-e", "-f", configFile], { stdio: ["ignore", "ignore", "pipe"] });
    let log = "";
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`sshd did not start within 10s:\n${log}`));
    }, 10_000);
    child.stderr.on("data", (chunk: Buffer) => {
      log += chunk.toString("utf8");
      if (log.includes("Server listening on")) {
        clearTimeout(timer);
        resolve(child);
      }
    });
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`sshd exited with ${String(code)} before listening:\n${log}`));
    });
  });
}

/**
 * The processes serving established connections: sshd forks one per connection (in a session of
 * its own, so not in the listener's process group), which runs git-upload-pack/receive-pack.
 * Read synchronously, so freeze() takes effect before the caller's next step.
 */
function connectionProcesses(listener: number): number[] {
  const parents = new Map<number, number>();
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    let stat = "";
    try {
      stat = readFileSync(`/proc/${entry}/stat`, "utf8");
    } catch {
      continue; // exited meanwhile
    }
    // Field 4 is the parent pid; field 2 (the name) may contain spaces, so split after ")".
    const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
    if (Number.isInteger(ppid)) parents.set(Number(entry), ppid);
  }
  const found: number[] = [];
  const walk = (pid: number) => {
    for (const [child, parent] of parents)
      if (parent === pid) {
        found.push(child);
        walk(child);
      }
  };
  walk(listener);
  return found;
}

function signalConnections(child: ChildProcess | undefined, signal: NodeJS.Signals): void {
  if (child?.pid === undefined) return;
  for (const pid of connectionProcesses(child.pid)) {
    try {
      process.kill(pid, signal);
    } catch {
      // Already gone.
    }
  }
}

/**
 * Stops the listener and drops its established connections too, as a remote that goes down
 * does (clients keep SSH connections open between commands).
 */
async function stopSshd(child: ChildProcess | undefined): Promise<void> {
  if (child === undefined || child.exitCode !== null || child.signalCode !== null) return;
  signalConnections(child, "SIGCONT");
  signalConnections(child, "SIGKILL");
  await new Promise<void>((resolve) => {
    child.once("exit", () => resolve());
    child.kill("SIGCONT");
    child.kill("SIGTERM");
  });
}

/**
 * A real OpenSSH server on 127.0.0.1 serving bare repositories from a temp directory, with its
 * own host key and a generated client key. Needs root (sshd checks the login user) and sshd.
 */
export async function startSshGitServer(): Promise<SshGitServer> {
  try {
    await access(sshdPath);
  } catch {
    throw new Error(`${sshdPath} is missing: install openssh-server (apt-get install openssh-server)`);
  }
  // sshd refuses to start without its privilege separation directory.
  await mkdir("/run/sshd", { recursive: true, mode: 0o755 });
  const dir = await mkdtemp(join(tmpdir(), "failover-sshd-"));
  const reposDir = join(dir, "repos");
  await mkdir(reposDir);
  const port = await freePort();
  const hostKey = join(dir, "host_ed25519");
  const hostPub = await keygen(hostKey, "test-host");
  const otherHostPub = await keygen(join(dir, "other_host_ed25519"), "other-host");
  const clientKeyFile = join(dir, "client_ed25519");
  const clientPub = await keygen(clientKeyFile, "failover-api-test");
  const wrongClientKeyFile = join(dir, "wrong_client_ed25519");
  await keygen(wrongClientKeyFile, "not-authorized");
  const authorizedKeys = join(dir, "authorized_keys");
  await writeFile(authorizedKeys, `${clientPub}\n`, { mode: 0o600 });
  const hostPattern = `[127.0.0.1]:${port}`;
  const knownHostsFile = join(dir, "known_hosts");
  await writeFile(knownHostsFile, `${hostPattern} ${hostPub.split(" ").slice(0, 2).join(" ")}\n`);
  const wrongKnownHostsFile = join(dir, "wrong_known_hosts");
  await writeFile(wrongKnownHostsFile, `${hostPattern} ${otherHostPub.split(" ").slice(0, 2).join(" ")}\n`);
  const configFile = join(dir, "sshd_config");
  await writeFile(
    configFile,
    [
      `Port ${port}`,
      "ListenAddress 127.0.0.1",
      `HostKey ${hostKey}`,
      `PidFile ${join(dir, "sshd.pid")}`,
      `AuthorizedKeysFile ${authorizedKeys}`,
      "StrictModes no",
      "PermitRootLogin prohibit-password",
      "UsePAM no",
      "PasswordAuthentication no",
      "KbdInteractiveAuthentication no",
      "PubkeyAuthentication yes",
      "LogLevel INFO",
      "",
    ].join("\n"),
  );
  let accepted = 0;
  const count = (child: ChildProcess) => {
    child.stderr?.on("data", (chunk: Buffer) => {
      accepted += chunk.toString("utf8").split("Accepted publickey").length - 1;
    });
    return child;
  };
  let sshd: ChildProcess | undefined = count(await startSshd(configFile));

  const repoPath = (name: string): string => join(reposDir, `${name}.git`);
  return {
    port,
    url: (name) => `ssh://root@127.0.0.1:${port}${repoPath(name)}`,
    repoPath,
    async createBareRepo(name, files = { "README.md": "# test repo\n" }) {
      const bare = repoPath(name);
      await git(["init", "--quiet", "--bare", "--initial-branch=main", bare]);
      for (const [key, value] of [
        ["receive.denyNonFastForwards", "true"],
        ["receive.denyDeletes", "true"],
        ["core.logAllRefUpdates", "true"],
      ] as const)
        await git(["config", key, value], bare);
      const work = await mkdtemp(join(dir, "seed-"));
      await git(["init", "--quiet", "--initial-branch=main", work]);
      for (const [path, content] of Object.entries(files)) {
        await mkdir(dirname(join(work, path)), { recursive: true });
        await writeFile(join(work, path), content);
      }
      await git(["add", "--all"], work);
      await git(["commit", "--quiet", "-m", "Initial commit"], work);
      await git(["push", "--quiet", bare, "HEAD:refs/heads/main"], work);
      await rm(work, { recursive: true, force: true });
      await chmod(bare, 0o755);
      return bare;
    },
    clientKeyFile,
    wrongClientKeyFile,
    knownHostsFile,
    wrongKnownHostsFile,
    async stop() {
      await stopSshd(sshd);
      sshd = undefined;
      await rm(dir, { recursive: true, force: true });
    },
    async pause() {
      await stopSshd(sshd);
      sshd = undefined;
    },
    async resume() {
      if (sshd === undefined) sshd = count(await startSshd(configFile));
    },
    acceptedConnections: () => accepted,
    freeze() {
      sshd?.kill("SIGSTOP");
      signalConnections(sshd, "SIGSTOP");
    },
    thaw() {
      signalConnections(sshd, "SIGCONT");
      sshd?.kill("SIGCONT");
    },
  };
}
