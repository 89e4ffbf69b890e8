import { describe, expect, it } from "vitest";
import { classifyGitError } from "../../src/git/classify-git-error.js";
import { redactSecrets, remoteDisplayName, remoteHost, remoteKind } from "../../src/git/git-remote.js";

const remote = "ssh://git@github.com/acme/homelab.git";

// Real stderr captured from git 2.39 / OpenSSH 9 and from hosting providers' documented output.
const samples: { name: string; stderr: string; code: string; retryable: boolean }[] = [
  {
    name: "ssh connection refused",
    stderr:
      "ssh: connect to host 127.0.0.1 port 2222: Connection refused\nfatal: Could not read from remote repository.\n\nPlease make sure you have the correct access rights\nand the repository exists.\n",
    code: "GIT_UNREACHABLE",
    retryable: true,
  },
  {
    name: "ssh connection timed out",
    stderr:
      "ssh: connect to host github.com port 22: Connection timed out\nfatal: Could not read from remote repository.\n",
    code: "GIT_UNREACHABLE",
    retryable: true,
  },
  {
    name: "ssh unknown host name",
    stderr:
      "ssh: Could not resolve hostname gitea.lan: Name or service not known\nfatal: Could not read from remote repository.\n",
    code: "GIT_UNREACHABLE",
    retryable: true,
  },
  {
    name: "https unknown host",
    stderr:
      "fatal: unable to access 'https://gitea.lan/acme/homelab.git/': Could not resolve host: gitea.lan\n",
    code: "GIT_UNREACHABLE",
    retryable: true,
  },
  {
    name: "connection closed before auth",
    stderr: "Connection closed by 140.82.121.4 port 22\nfatal: Could not read from remote repository.\n",
    code: "GIT_UNREACHABLE",
    retryable: true,
  },
  {
    name: "kex reset",
    stderr:
      "kex_exchange_identification: read: Connection reset by peer\nConnection reset by 127.0.0.1 port 2222\nfatal: Could not read from remote repository.\n",
    code: "GIT_UNREACHABLE",
    retryable: true,
  },
  {
    name: "https 503",
    stderr:
      "fatal: unable to access 'https://github.com/acme/homelab.git/': The requested URL returned error: 503\n",
    code: "GIT_UNREACHABLE",
    retryable: true,
  },
  {
    name: "publickey denied",
    stderr: "git@github.com: Permission denied (publickey).\nfatal: Could not read from remote repository.\n",
    code: "GIT_AUTH",
    retryable: false,
  },
  {
    name: "https auth failed",
    stderr:
      "remote: Invalid username or password.\nfatal: Authentication failed for 'https://github.com/acme/homelab.git/'\n",
    code: "GIT_AUTH",
    retryable: false,
  },
  {
    name: "https no credentials with prompts disabled",
    stderr: "fatal: could not read Username for 'https://github.com': terminal prompts disabled\n",
    code: "GIT_AUTH",
    retryable: false,
  },
  {
    name: "https 403",
    stderr:
      "fatal: unable to access 'https://gitea.lan/acme/homelab.git/': The requested URL returned error: 403\n",
    code: "GIT_AUTH",
    retryable: false,
  },
  {
    name: "read-only deploy key",
    stderr:
      "ERROR: The key you are authenticating with has been marked as read only.\nfatal: Could not read from remote repository.\n",
    code: "GIT_AUTH",
    retryable: false,
  },
  {
    name: "host key changed",
    stderr:
      "@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@\n@    WARNING: REMOTE HOST IDENTIFICATION HAS CHANGED!     @\n@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@\nIT IS POSSIBLE THAT SOMEONE IS DOING SOMETHING NASTY!\nHost key for [127.0.0.1]:2222 has changed and you have requested strict checking.\nHost key verification failed.\nfatal: Could not read from remote repository.\n",
    code: "GIT_HOST_KEY",
    retryable: false,
  },
  {
    name: "host key unknown",
    stderr:
      "No ED25519 host key is known for [127.0.0.1]:2222 and you have requested strict checking.\nHost key verification failed.\nfatal: Could not read from remote repository.\n",
    code: "GIT_HOST_KEY",
    retryable: false,
  },
  {
    name: "not a repository over ssh",
    stderr:
      "fatal: '/srv/git/missing.git' does not appear to be a git repository\nfatal: Could not read from remote repository.\n",
    code: "GIT_REPO_NOT_FOUND",
    retryable: false,
  },
  {
    name: "github repository not found",
    stderr: "ERROR: Repository not found.\nfatal: Could not read from remote repository.\n",
    code: "GIT_REPO_NOT_FOUND",
    retryable: false,
  },
  {
    name: "https repository not found",
    stderr: "remote: Not Found\nfatal: repository 'https://gitea.lan/acme/missing.git/' not found\n",
    code: "GIT_REPO_NOT_FOUND",
    retryable: false,
  },
  {
    name: "missing branch on clone",
    stderr:
      "Cloning into '/var/lib/failover-api/repo'...\nwarning: Could not find remote branch main to clone.\nfatal: Remote branch main not found in upstream origin\n",
    code: "GIT_REPO_NOT_FOUND",
    retryable: false,
  },
  {
    name: "push rejected, fetch first",
    stderr:
      "To ssh://127.0.0.1:2222/srv/git/homelab.git\n ! [rejected]        HEAD -> main (fetch first)\nerror: failed to push some refs to 'ssh://127.0.0.1:2222/srv/git/homelab.git'\nhint: Updates were rejected because the remote contains work that you do\nhint: not have locally.\n",
    code: "GIT_PUSH_REJECTED",
    retryable: true,
  },
  {
    name: "push rejected, non-fast-forward",
    stderr:
      "To github.com:acme/homelab.git\n ! [rejected]        HEAD -> main (non-fast-forward)\nerror: failed to push some refs to 'github.com:acme/homelab.git'\n",
    code: "GIT_PUSH_REJECTED",
    retryable: true,
  },
  {
    name: "remote lost a ref race",
    stderr:
      "remote: error: cannot lock ref 'refs/heads/main': is at 1111111 but expected 2222222\nTo ssh://x/y.git\n ! [remote rejected] HEAD -> main (failed to update ref)\n",
    code: "GIT_PUSH_REJECTED",
    retryable: true,
  },
  {
    name: "GitHub protected branch",
    stderr:
      "remote: error: GH006: Protected branch update failed for refs/heads/main.\nremote: error: Changes must be made through a pull request.\nTo github.com:acme/homelab.git\n ! [remote rejected] HEAD -> main (protected branch hook declined)\nerror: failed to push some refs to 'github.com:acme/homelab.git'\n",
    code: "GIT_PROTECTED_BRANCH",
    retryable: false,
  },
  {
    name: "GitLab protected branch",
    stderr:
      "remote: GitLab: You are not allowed to push code to protected branches on this project.\nTo gitlab.com:acme/homelab.git\n ! [remote rejected] HEAD -> main (pre-receive hook declined)\nerror: failed to push some refs to 'gitlab.com:acme/homelab.git'\n",
    code: "GIT_PROTECTED_BRANCH",
    retryable: false,
  },
  {
    name: "GitHub rulesets",
    stderr:
      "remote: error: GH013: Repository rule violations found for refs/heads/main.\n ! [remote rejected] HEAD -> main (push declined due to repository rule violations)\n",
    code: "GIT_PROTECTED_BRANCH",
    retryable: false,
  },
  {
    name: "some other hook",
    stderr:
      "remote: commit message too long\nTo x:y.git\n ! [remote rejected] HEAD -> main (pre-receive hook declined)\nerror: failed to push some refs to 'x:y.git'\n",
    code: "GIT_FAILED",
    retryable: false,
  },
  {
    name: "a warning that mentions not found",
    stderr:
      "warning: templates not found in /usr/share/git-core/templates\nfatal: could not create work tree dir 'repo': Permission denied\n",
    code: "GIT_FAILED",
    retryable: false,
  },
  {
    name: "git-upload-pack missing on the server",
    stderr:
      "bash: line 1: git-upload-pack: command not found\nfatal: Could not read from remote repository.\n",
    code: "GIT_FAILED",
    retryable: false,
  },
];

describe("classifyGitError", () => {
  for (const sample of samples) {
    it(`classifies ${sample.name} as ${sample.code}`, () => {
      const error = classifyGitError(sample.stderr, 128, remote, { operation: "push" });
      expect(error.code).toBe(sample.code);
      expect(error.retryable).toBe(sample.retryable);
      expect(error.message).toContain(remote);
    });
  }

  it("names the missing branch", () => {
    const error = classifyGitError(
      samples.find((s) => s.name === "missing branch on clone")!.stderr,
      128,
      remote,
    );
    expect(error.message).toMatch(/branch main does not exist/);
  });

  it("keeps git's relevant output in details, without hints and without credentials", () => {
    const error = classifyGitError(
      "fatal: unable to access 'https://user:s3cr3t-token@gitea.lan/a.git/': Failed to connect to gitea.lan port 443\nhint: try again\n",
      128,
      "https://gitea.lan/a.git",
      { secrets: ["s3cr3t-token"] },
    );
    expect(error.code).toBe("GIT_UNREACHABLE");
    const output = String(error.details.gitOutput);
    expect(output).not.toContain("s3cr3t-token");
    expect(output).not.toContain("hint:");
    expect(JSON.stringify(error.details)).not.toContain("s3cr3t");
  });

  it("scrubs known secrets even outside URLs", () => {
    const error = classifyGitError("fatal: weird failure mentioning tok-123456\n", 1, "r", {
      secrets: ["tok-123456"],
    });
    expect(error.code).toBe("GIT_FAILED");
    expect(error.message).not.toContain("tok-123456");
    expect(error.message).toContain("fatal: weird failure");
  });
});

describe("remote names", () => {
  it.each([
    ["ssh://git@github.com/acme/homelab.git", "ssh"],
    ["git@github.com:acme/homelab.git", "ssh"],
    ["github.com:acme/homelab.git", "ssh"],
    ["https://github.com/acme/homelab.git", "http"],
    ["file:///srv/git/homelab.git", "local"],
    ["/srv/git/homelab.git", "local"],
    ["./relative/repo", "local"],
  ])("%s is %s", (url, kind) => {
    expect(remoteKind(url)).toBe(kind);
  });

  it.each([
    ["https://x-access-token:ghp_secret@github.com/acme/homelab.git", "https://github.com/acme/homelab.git"],
    ["https://ghp_secret@github.com/acme/homelab.git", "https://github.com/acme/homelab.git"],
    ["ssh://git:pw@gitea.lan:2222/acme/homelab.git", "ssh://git@gitea.lan:2222/acme/homelab.git"],
    ["git@github.com:acme/homelab.git", "git@github.com:acme/homelab.git"],
    ["/srv/git/homelab.git", "/srv/git/homelab.git"],
  ])("displays %s as %s", (url, display) => {
    expect(remoteDisplayName(url)).toBe(display);
  });

  it.each([
    ["ssh://git@gitea.lan:2222/acme/homelab.git", "gitea.lan:2222"],
    ["git@github.com:acme/homelab.git", "github.com"],
    ["https://tok@github.com/acme/homelab.git", "github.com"],
    ["/srv/git/homelab.git", "localhost"],
  ])("host of %s is %s", (url, host) => {
    expect(remoteHost(url)).toBe(host);
  });

  it("redacts credentials inside text", () => {
    expect(redactSecrets("fatal: 'https://u:p@h/x' and ssh://git:pw@h/y")).toBe(
      "fatal: 'https://***@h/x' and ssh://git@h/y",
    );
  });
});

describe("classifyGitError over HTTP(S)", () => {
  it("adds git's own reason to the classified message", () => {
    const refused = classifyGitError(
      "fatal: unable to access 'http://127.0.0.1:9/homelab.git/': Failed to connect to 127.0.0.1 port 9 after 0 ms: Couldn't connect to server\n",
      128,
      "http://127.0.0.1:9/homelab.git",
    );
    expect(refused.code).toBe("GIT_UNREACHABLE");
    expect(refused.message).toBe(
      "Cannot reach the Git remote http://127.0.0.1:9/homelab.git (could not connect); git says: Failed to connect to 127.0.0.1 port 9 after 0 ms: Couldn't connect to server",
    );
    const tls = classifyGitError(
      "fatal: unable to access 'https://gitea.lan/a.git/': gnutls_handshake() failed: The TLS connection was non-properly terminated.\n",
      128,
      "https://gitea.lan/a.git",
    );
    expect(tls.message).toContain("git says: gnutls_handshake() failed");
    const denied = classifyGitError(
      "remote: Invalid username or password.\nfatal: Authentication failed for 'https://github.com/acme/homelab.git/'\n",
      128,
      "https://github.com/acme/homelab.git",
    );
    expect(denied.code).toBe("GIT_AUTH");
    expect(denied.message).toContain(
      "git says: Authentication failed for 'https://github.com/acme/homelab.git/'",
    );
  });

  it("leaves SSH messages as they are", () => {
    const error = classifyGitError(
      "ssh: connect to host 127.0.0.1 port 2222: Connection refused\nfatal: Could not read from remote repository.\n",
      128,
      remote,
    );
    expect(error.message).toBe(`Cannot reach the Git remote ${remote} (connection refused)`);
  });
});
