import { execFile } from "node:child_process";
import { readFile, stat } from "node:fs/promises";
import { promisify } from "node:util";
import type { DoctorCheck } from "./doctor-check.js";

const execFileAsync = promisify(execFile);

/** The deploy key: present, readable, a private key (not a public one, not empty), safe mode. */
export async function checkKeyFile(path: string): Promise<DoctorCheck> {
  const name = "ssh-key";
  let text: string;
  let mode: number;
  try {
    text = await readFile(path, "utf8");
    mode = (await stat(path)).mode;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return {
      name,
      status: "fail",
      detail: `${path}: ${code === "ENOENT" ? "not found" : "cannot be read"} (${code ?? "error"})`,
    };
  }
  const trimmed = text.trim();
  if (trimmed === "") return { name, status: "fail", detail: `${path} is empty` };
  if (/^(ssh-|ecdsa-|sk-)/.test(trimmed)) {
    return {
      name,
      status: "fail",
      detail: `${path} holds a public key; use Flux's "identity", not "identity.pub"`,
    };
  }
  if (!/^-----BEGIN (OPENSSH |RSA |EC |DSA )?PRIVATE KEY-----/.test(trimmed)) {
    return { name, status: "fail", detail: `${path} is not an OpenSSH or PEM private key` };
  }
  if ((mode & 0o077) !== 0) {
    return {
      name,
      status: "warn",
      detail: `${path} is group/world readable (mode ${(mode & 0o777).toString(8)}); failover-api uses a private 0600 copy`,
    };
  }
  return { name, status: "pass", detail: `${path} is a private key with mode ${(mode & 0o777).toString(8)}` };
}

/** known_hosts must list the remote host (hashed entries included: ssh-keygen -F reads them). */
export async function checkKnownHosts(
  path: string,
  host: string,
  port: number | undefined,
): Promise<DoctorCheck> {
  const name = "known-hosts";
  const lookup = port === undefined || port === 22 ? host : `[${host}]:${port}`;
  try {
    await readFile(path);
  } catch {
    return { name, status: "fail", detail: `${path} cannot be read` };
  }
  try {
    const { stdout } = await execFileAsync("ssh-keygen", ["-F", lookup, "-f", path]);
    if (stdout.trim() !== "") return { name, status: "pass", detail: `${path} has a host key for ${lookup}` };
  } catch {
    // exit 1: not found
  }
  return {
    name,
    status: "fail",
    detail: `${path} has no host key for ${lookup}; add it with: ssh-keyscan -p ${port ?? 22} ${host} >> ${path} (and verify the fingerprint)`,
  };
}

/** Host and port of an ssh remote (ssh:// or scp-like), or undefined for other remotes. */
export function sshHostOf(url: string): { host: string; port: number | undefined } | undefined {
  const full = /^ssh:\/\/(?:[^@/]*@)?(\[[^\]]+\]|[^:/]+)(?::(\d+))?\//.exec(url);
  if (full)
    return { host: (full[1] ?? "").replace(/^\[|\]$/g, ""), port: full[2] ? Number(full[2]) : undefined };
  const scp = /^(?:[^@/:]+@)?([^/:]+):(?!\/\/)/.exec(url);
  return scp ? { host: scp[1] ?? "", port: undefined } : undefined;
}
