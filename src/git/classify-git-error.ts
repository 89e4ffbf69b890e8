import { FailoverError } from "../domain/failover-error.js";
import type { ErrorCode } from "../domain/failover-error.js";
import { redactSecrets } from "./git-remote.js";

interface Rule {
  code: ErrorCode;
  test: (text: string) => boolean;
  message: (remote: string, text: string) => string;
}

const either =
  (...tests: ((text: string) => boolean)[]) =>
  (text: string): boolean =>
    tests.some((t) => t(text));

const any =
  (...patterns: RegExp[]) =>
  (text: string): boolean =>
    patterns.some((p) => p.test(text));

// Order matters: a protected-branch refusal also prints "[remote rejected]" and "failed to push
// some refs", and every SSH failure ends with "Could not read from remote repository".
const rules: readonly Rule[] = [
  {
    // Local, whatever the remote said: the working clone cannot write objects, index or refs.
    code: "DISK_FULL",
    test: any(/No space left on device/i, /Disk quota exceeded/i),
    message: () => "no space left on the device of the working clone",
  },
  {
    code: "GIT_HOST_KEY",
    test: any(
      /Host key verification failed/i,
      /REMOTE HOST IDENTIFICATION HAS CHANGED/,
      /No \S+ host key is known for/i,
      /Host key for .* has changed/i,
      /POSSIBLE DNS SPOOFING/,
    ),
    message: (remote, text) =>
      /No \S+ host key is known/i.test(text)
        ? `The SSH host key of ${remote} is not in git.knownHostsFile; add the host's key (ssh-keyscan) to it`
        : `The SSH host key of ${remote} does not match git.knownHostsFile; the host changed its key or the connection is intercepted`,
  },
  {
    code: "GIT_PROTECTED_BRANCH",
    test: (text) =>
      any(
        /protected branch/i,
        /\bGH006\b/,
        /\bGH013\b/,
        /TF402455/,
        /can only be modified through pull requests/i,
      )(text) ||
      (/pre-receive hook declined/i.test(text) && /protect|not allowed to push|rule violation/i.test(text)),
    message: (remote) =>
      `The Git remote ${remote} refused the push because the branch is protected; allow the deploy key to push to it or lift the protection`,
  },
  {
    code: "GIT_AUTH",
    test: any(
      /Permission denied \(/i,
      /Permission denied, please try again/i,
      /Authentication failed for/i,
      /The requested URL returned error: 40[13]\b/i,
      /Invalid username or password/i,
      /could not read (Username|Password)/i,
      /Too many authentication failures/i,
      /marked as read only/i,
      /You are not allowed to push code to this project/i,
      /remote: Permission to .* denied to/i,
      /Load key .*: (invalid format|error in libcrypto)/i,
      /access denied or repository not exported/i,
    ),
    message: (remote, text) =>
      /marked as read only|not allowed to push code|Permission to .* denied/i.test(text)
        ? `The Git remote ${remote} accepted our credentials but denies write access; give the deploy key or token write access`
        : `The Git remote ${remote} rejected our credentials; check git.sshKeyFile or git.tokenFile`,
  },
  {
    code: "GIT_REPO_NOT_FOUND",
    test: either(
      any(
        /Remote branch \S+ not found in upstream/i,
        /couldn't find remote ref/i,
        /does not appear to be a git repository/i,
        /Repository not found/i,
        /repository '[^']*' not found/i,
        /The project you were looking for could not be found/i,
      ),
      // git also warns "templates not found"; only an error line saying "not found" is about the repo.
      (text: string) => /^(fatal|error|ERROR|remote):.*(?<!command )not found/im.test(text),
    ),
    message: (remote, text) => {
      const branch =
        /Remote branch (\S+) not found/i.exec(text)?.[1] ?? /couldn't find remote ref (\S+)/i.exec(text)?.[1];
      return branch !== undefined
        ? `The branch ${branch.replace(/^refs\/heads\//, "")} does not exist on the Git remote ${remote}`
        : `The Git repository ${remote} does not exist or the credentials cannot see it`;
    },
  },
  {
    code: "GIT_PUSH_REJECTED",
    test: any(
      /\[rejected\]/,
      /non-fast-forward/i,
      /\(fetch first\)/i,
      /Updates were rejected because/i,
      /cannot lock ref/i,
    ),
    message: (remote) =>
      `The Git remote ${remote} rejected the push because the branch moved on (someone else pushed first)`,
  },
  {
    code: "GIT_UNREACHABLE",
    test: any(
      /Connection refused/i,
      /Connection timed out/i,
      /Operation timed out/i,
      /timed out after/i,
      /Could not resolve host/i,
      /Temporary failure in name resolution/i,
      /Name or service not known/i,
      /Network is unreachable/i,
      /No route to host/i,
      /Connection closed by/i,
      /Connection reset by/i,
      /kex_exchange_identification/i,
      /Failed to connect to/i,
      /The remote end hung up unexpectedly/i,
      /early EOF/i,
      /gnutls_handshake\(\) failed/i,
      /SSL_connect|SSL_ERROR/i,
      /The requested URL returned error: 5\d\d/i,
    ),
    message: (remote, text) => `Cannot reach the Git remote ${remote} (${unreachableReason(text)})`,
  },
];

function unreachableReason(text: string): string {
  if (/Connection refused/i.test(text)) return "connection refused";
  if (/timed out/i.test(text)) return "connection timed out";
  if (/resolve host|name resolution|Name or service not known/i.test(text))
    return "host name does not resolve";
  if (/unreachable|No route to host/i.test(text)) return "network unreachable";
  if (/returned error: 5\d\d/i.test(text)) return "server error";
  if (/Failed to connect to|Couldn't connect to server/i.test(text)) return "could not connect";
  return "connection closed";
}

/** `fatal: unable to access '<url>': <reason>` → reason; else the first fatal/error line's text. */
function httpReason(text: string): string | undefined {
  const lines = text.split(/\r?\n/);
  for (const line of lines) {
    const access = /^fatal: unable to access '[^']*': (.+)$/.exec(line);
    if (access?.[1] !== undefined) return access[1].trim();
  }
  const first = lines.find((l) => /^(fatal|error): /.test(l));
  return first?.replace(/^(fatal|error): /, "").trim();
}

/** The lines of git's output worth showing a human: errors and remote messages, not hints. */
export function relevantGitOutput(stderr: string, max = 1000): string {
  const lines = stderr
    .split(/\r?\n/)
    .map((l) => l.trimEnd())
    .filter((l) => l !== "" && !l.startsWith("hint:"));
  const text = lines.join("\n");
  return text.length > max ? `…${text.slice(text.length - max)}` : text;
}

/**
 * Turns a failed git command into a FailoverError. `remote` is the display name of the remote
 * (see remoteDisplayName), so messages say where the failure was without revealing credentials;
 * git's own output is kept, redacted, in `details.gitOutput` for operators.
 */
export function classifyGitError(
  stderr: string,
  exitCode: number | null,
  remote: string,
  context: { operation?: string; secrets?: readonly string[] } = {},
): FailoverError {
  const text = redactSecrets(stderr, context.secrets);
  const details = {
    remote,
    exitCode,
    ...(context.operation === undefined ? {} : { operation: context.operation }),
    gitOutput: relevantGitOutput(text),
  };
  const rule = rules.find((r) => r.test(text));
  if (rule !== undefined) {
    // Over HTTP(S) the same class has many causes (TLS, proxy, HTTP status): add git's own words.
    const own = /^https?:\/\//i.test(remote) ? httpReason(text) : undefined;
    const message = rule.message(remote, text) + (own === undefined ? "" : `; git says: ${own}`);
    return new FailoverError(rule.code, message, { details });
  }
  const firstError = text
    .split(/\r?\n/)
    .find((l) => /^(fatal|error|remote):/.test(l))
    ?.trim();
  const what = context.operation === undefined ? "git" : `git ${context.operation}`;
  const suffix = firstError === undefined ? `exit code ${String(exitCode)}` : firstError;
  return new FailoverError("GIT_FAILED", `${what} failed for ${remote}: ${suffix}`, { details });
}
