import { readFile } from "node:fs/promises";
import { parseTokens } from "../auth/tokens-file.js";
import { isFailoverError } from "../domain/failover-error.js";
import { remoteKind } from "../git/git-remote.js";
import type { AppConfig } from "./app-config.js";

type Read = { text: string } | { problem: string };

async function read(path: string): Promise<Read> {
  try {
    return { text: await readFile(path, "utf8") };
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why =
      code === "ENOENT"
        ? "not found"
        : code === "EACCES"
          ? "permission denied"
          : code === "EISDIR"
            ? "is a directory"
            : `cannot be read (${code ?? String(error)})`;
    return { problem: `${path}: ${why}` };
  }
}

function privateKeyProblem(path: string, text: string): string | undefined {
  const trimmed = text.trim();
  if (trimmed === "") return `${path} is empty`;
  if (/^(ssh-|ecdsa-|sk-)\S*\s+AAAA/.test(trimmed) || trimmed.startsWith("---- BEGIN SSH2 PUBLIC KEY"))
    return `${path} holds a public key; use the private key (Flux's "identity", not "identity.pub")`;
  if (!/^-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----/.test(trimmed))
    return `${path} is not an OpenSSH or PEM private key`;
  return undefined;
}

/**
 * What in the files a configuration names would stop `serve`: key, known_hosts, token and tokens
 * files that cannot be read or hold the wrong thing. Each problem is `<key>: <what>`, like the
 * configuration's own errors, so that `config validate` catches them before a deploy does.
 */
export async function configFileProblems(config: AppConfig): Promise<string[]> {
  const problems: string[] = [];
  const { git, auth } = config;
  const check = async (
    key: string,
    path: string | undefined,
    inspect?: (text: string) => string | undefined,
  ) => {
    if (path === undefined) return;
    const result = await read(path);
    const problem = "problem" in result ? result.problem : inspect?.(result.text);
    if (problem !== undefined) problems.push(`${key}: ${problem}`);
  };
  const kind = remoteKind(git.url);
  if (kind === "ssh") {
    await check("git.sshKeyFile", git.sshKeyFile, (text) => privateKeyProblem(git.sshKeyFile ?? "", text));
    if (!git.insecureIgnoreHostKey) {
      await check("git.knownHostsFile", git.knownHostsFile, (text) =>
        text.trim() === ""
          ? `${git.knownHostsFile ?? ""} is empty; add the remote's host key (ssh-keyscan, then check the fingerprint)`
          : undefined,
      );
    }
  }
  if (kind === "http") {
    await check("git.tokenFile", git.tokenFile, (text) =>
      text.trim() === "" ? `${git.tokenFile ?? ""} is empty` : undefined,
    );
  }
  await check("git.signingKeyFile", git.signingKeyFile, (text) =>
    privateKeyProblem(git.signingKeyFile ?? "", text),
  );
  if (auth.mode === "token") {
    const result = await read(auth.tokensFile);
    if ("problem" in result) {
      problems.push(
        config.authConfigured === false
          ? `auth: missing, so token auth reads the default auth.tokensFile ${result.problem}; set auth.tokensFile to your tokens file, or auth.mode: none to run without auth`
          : `auth.tokensFile: ${result.problem}; or set auth.mode: none to run without auth`,
      );
    } else {
      try {
        parseTokens(result.text, auth.tokensFile);
      } catch (error) {
        const errors = isFailoverError(error)
          ? ((error.details.errors as string[] | undefined) ?? [error.message])
          : [String(error)];
        problems.push(...errors.map((e) => `auth.tokensFile: ${e}`));
      }
    }
  }
  return problems;
}
