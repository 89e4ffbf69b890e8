import { createServer } from "node:http";
import type { IncomingHttpHeaders } from "node:http";
import type { AddressInfo } from "node:net";
import { mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { isFailoverError } from "../../src/domain/failover-error.js";
import type { FailoverError } from "../../src/domain/failover-error.js";
import { runGit } from "../../src/git/git-command.js";
import { prepareGitCredentials, shellQuotePath } from "../../src/git/git-credentials.js";
import { remoteDisplayName } from "../../src/git/git-remote.js";
import { WorkingClone } from "../../src/git/working-clone.js";
import { run } from "../support/test-git.js";

async function failure(promise: Promise<unknown>): Promise<FailoverError> {
  try {
    await promise;
  } catch (error) {
    if (isFailoverError(error)) return error;
    throw error;
  }
  throw new Error("expected a FailoverError");
}

const cleanups: string[] = [];
afterEach(async () => {
  for (const dir of cleanups.splice(0)) await rm(dir, { recursive: true, force: true });
});

async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "failover-cred-test-"));
  cleanups.push(dir);
  return dir;
}

async function keyPair(dir: string): Promise<string> {
  const key = join(dir, "identity");
  await run("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-f", key]);
  return key;
}

describe("prepareGitCredentials", () => {
  it("builds a strict GIT_SSH_COMMAND and keeps a private key that is already 0600", async () => {
    const dir = await tempDir();
    const key = await keyPair(dir);
    const knownHosts = join(dir, "known hosts");
    await writeFile(knownHosts, "");
    const credentials = await prepareGitCredentials({
      url: "git@github.com:acme/homelab.git",
      sshKeyFile: key,
      knownHostsFile: knownHosts,
    });
    expect(credentials.env.GIT_SSH_COMMAND).toBe(
      `ssh -F /dev/null -i '${key}' -o IdentitiesOnly=yes -o BatchMode=yes -o ConnectTimeout=20 -o ServerAliveInterval=10 -o ServerAliveCountMax=2 -o ControlMaster=auto -o ControlPath='${dirname(credentials.homeDir)}/cm' -o ControlPersist=120 -o StrictHostKeyChecking=yes -o UserKnownHostsFile='${knownHosts}' -o GlobalKnownHostsFile=/dev/null`,
    );
    expect((await stat(credentials.homeDir)).mode & 0o077).toBe(0);
    await credentials.dispose();
    await expect(stat(credentials.homeDir)).rejects.toThrow();
  });

  it("turns host key checking off only when insecureIgnoreHostKey is set", async () => {
    const dir = await tempDir();
    const key = await keyPair(dir);
    const credentials = await prepareGitCredentials({
      url: "ssh://git@gitea.lan/x.git",
      sshKeyFile: key,
      insecureIgnoreHostKey: true,
    });
    expect(credentials.env.GIT_SSH_COMMAND).toContain(
      "-o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null",
    );
    expect(credentials.env.GIT_SSH_COMMAND).not.toContain("StrictHostKeyChecking=yes");
    await credentials.dispose();
    const missing = await failure(
      prepareGitCredentials({ url: "ssh://git@gitea.lan/x.git", sshKeyFile: key }),
    );
    expect(missing.code).toBe("CONFIG_INVALID");
    expect(missing.message).toContain("git.knownHostsFile");
  });

  it("refuses an empty key, a public key and a missing key, without printing key material", async () => {
    const dir = await tempDir();
    const key = await keyPair(dir);
    const knownHostsFile = join(dir, "known_hosts");
    await writeFile(knownHostsFile, "");
    const base = { url: "ssh://git@gitea.lan/x.git", knownHostsFile };
    const empty = join(dir, "empty");
    await writeFile(empty, "\n");
    expect((await failure(prepareGitCredentials({ ...base, sshKeyFile: empty }))).message).toMatch(
      /is empty/,
    );
    const publicError = await failure(prepareGitCredentials({ ...base, sshKeyFile: `${key}.pub` }));
    expect(publicError.code).toBe("CONFIG_INVALID");
    expect(publicError.message).toMatch(/public key/);
    expect(publicError.message).not.toContain((await readFile(`${key}.pub`, "utf8")).split(" ")[1]);
    expect(
      (await failure(prepareGitCredentials({ ...base, sshKeyFile: join(dir, "nope") }))).message,
    ).toMatch(/cannot be read/);
    expect((await failure(prepareGitCredentials({ url: base.url, knownHostsFile }))).message).toMatch(
      /sshKeyFile is required/,
    );
  });

  it("quotes paths for GIT_SSH_COMMAND and refuses ones it cannot quote", () => {
    expect(shellQuotePath("/a b/$HOME/`x`", "k")).toBe("'/a b/$HOME/`x`'");
    expect(() => shellQuotePath("/a'b", "git.sshKeyFile")).toThrow(/git.sshKeyFile/);
    expect(() => shellQuotePath("/a\nb", "k")).toThrow();
  });

  it("needs nothing for local and file:// remotes", async () => {
    for (const url of ["/srv/git/homelab.git", "file:///srv/git/homelab.git"]) {
      const credentials = await prepareGitCredentials({ url });
      expect(credentials.env).toEqual({});
      await credentials.dispose();
    }
  });
});

describe("git environment", () => {
  it("does not let the user's or the system's git config in", async () => {
    const credentials = await prepareGitCredentials({ url: "/srv/x.git" });
    // Outside any repository, so only global and system config could show up.
    const { stdout } = await runGit(["config", "--list", "--show-origin"], {
      credentials,
      remote: "local",
      cwd: await tempDir(),
    });
    expect(stdout).toBe("");
    const { stdout: env } = await runGit(["var", "GIT_EDITOR"], {
      credentials,
      remote: "local",
      env: { GIT_EDITOR: "true" },
    });
    expect(env.trim()).toBe("true");
    await credentials.dispose();
  });

  it("kills git after the timeout and reports it", async () => {
    const credentials = await prepareGitCredentials({ url: "/srv/x.git" });
    // A shell alias stands in for a hung network command.
    const error = await failure(
      runGit(["-c", "alias.nap=!sleep 5", "nap"], { credentials, remote: "local", timeoutMs: 300 }),
    );
    expect(error.message).toMatch(/timed out/);
    expect(error.code).toBe("GIT_FAILED");
    await credentials.dispose();
  });
});

describe("HTTPS token", () => {
  it("sends the token through GIT_ASKPASS and never shows it in errors", async () => {
    const token = "ghp_VerySecretToken1234567890";
    const seen: IncomingHttpHeaders[] = [];
    const server = createServer((request, response) => {
      seen.push(request.headers);
      response.writeHead(401, { "WWW-Authenticate": 'Basic realm="test"' });
      response.end();
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    try {
      const port = (server.address() as AddressInfo).port;
      const dir = await tempDir();
      const tokenFile = join(dir, "token");
      await writeFile(tokenFile, `${token}\n`);
      const url = `http://127.0.0.1:${port}/acme/homelab.git`;
      const credentials = await prepareGitCredentials({ url, tokenFile });
      expect(credentials.env.GIT_ASKPASS).toBeDefined();
      expect(JSON.stringify(credentials.env.GIT_ASKPASS)).not.toContain(token);
      expect(await readFile(credentials.env.GIT_ASKPASS!, "utf8")).not.toContain(token);
      const clone = new WorkingClone({
        url,
        branch: "main",
        dataDir: join(dir, "data"),
        credentials,
        author: { name: "a", email: "a@b" },
      });
      const error = await failure(clone.sync());
      expect(error.code).toBe("GIT_AUTH");
      expect(error.message).toContain(remoteDisplayName(url));
      const authorization = seen.map((h) => h.authorization).find((a) => a !== undefined);
      expect(Buffer.from(String(authorization).replace(/^Basic /, ""), "base64").toString()).toBe(
        `x-access-token:${token}`,
      );
      const everything = `${error.message}\n${JSON.stringify(error.details)}\n${error.stack ?? ""}`;
      expect(everything).not.toContain(token);
      await credentials.dispose();
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it("never names a token embedded in the URL", async () => {
    const url = "http://user:ghp_inUrlSecret99@127.0.0.1:1/acme/homelab.git";
    const credentials = await prepareGitCredentials({ url });
    const clone = new WorkingClone({
      url,
      branch: "main",
      dataDir: await tempDir(),
      credentials,
      author: { name: "a", email: "a@b" },
    });
    const error = await failure(clone.sync());
    expect(error.code).toBe("GIT_UNREACHABLE");
    expect(`${error.message}${JSON.stringify(error.details)}`).not.toContain("ghp_inUrlSecret99");
    expect(error.message).toContain("http://127.0.0.1:1/acme/homelab.git");
    await credentials.dispose();
  });
});
