import { lstat, realpath } from "node:fs/promises";
import { join, posix, relative, sep } from "node:path";
import { FailoverError } from "../domain/failover-error.js";
import { repoPathProblem } from "../domain/repo-path.js";

/**
 * The largest managed file failover-api reads (SPEC §4). Parsing keeps every value of a YAML
 * document with its source range: measured, a 1 MiB manifest took the server's peak RSS from
 * 113 to 264 MiB, over a 256 MiB pod limit (docs/BENCHMARKS.md). Real manifests are a few KiB,
 * the largest HelmRelease values files a few dozen.
 */
export const maxManagedFileBytes = 512 * 1024;

function refuse(path: string, why: string): FailoverError {
  return new FailoverError("MANIFEST_UNSUPPORTED", `${path}: ${why}`, { details: { file: path } });
}

function isMissing(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  return code === "ENOENT" || code === "ENOTDIR";
}

async function cloneRoot(root: string): Promise<string> {
  try {
    return await realpath(root);
  } catch (cause) {
    throw new FailoverError("GIT_FAILED", `The working clone ${root} does not exist; sync() first`, {
      cause,
    });
  }
}

function formatBytes(bytes: number): string {
  if (bytes >= 1024 * 1024) return `${(bytes / (1024 * 1024)).toFixed(1)} MiB`;
  if (bytes >= 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${bytes} bytes`;
}

/**
 * Where a symlink inside the clone points, in words an operator can act on. A target outside
 * the repository is not named: it would tell a repository's author about the server's files.
 */
async function describeLink(realRoot: string, linkPath: string): Promise<string> {
  const resolved = await realpath(linkPath).catch(() => undefined);
  if (resolved === undefined) return "a symlink to nothing that exists";
  const inside = relative(realRoot, resolved);
  if (inside === "" || inside.startsWith("..") || inside.startsWith(sep) || /^[A-Za-z]:/.test(inside))
    return "a symlink that leads outside the repository";
  return `a symlink to ${inside.split(sep).join("/")}`;
}

/**
 * The one decision about a managed file, used for reading (status, dry-run, the plan) and for
 * writing (the commit): the same path gets the same answer everywhere, so a plan that reads a
 * file can always write it back. Returns the absolute path of a regular file, or undefined when
 * nothing exists there; refuses (MANIFEST_UNSUPPORTED, naming the file) anything else:
 *
 * - a path the configuration check would refuse (absolute, `..`, `.git`, control characters);
 * - a symlink, or a path through a symlinked directory, even one pointing inside the repository:
 *   editing a link's target would change every other path that shares it, and git would commit
 *   the target under its own name — so the message names the target to configure instead;
 * - a directory or other non-regular file;
 * - a file larger than maxManagedFileBytes.
 */
/**
 * Refuses content that would take a managed file over the size limit: written, the next read
 * (resolveManagedFile) would refuse the file, while the snapshot updated after the push would
 * still hold it.
 */
export function checkManagedFileSize(path: string, content: string, maxBytes = maxManagedFileBytes): void {
  const size = Buffer.byteLength(content, "utf8");
  if (size > maxBytes)
    throw refuse(
      path,
      `would be ${size} bytes after this change, over the ${formatBytes(maxBytes)} (${maxBytes} bytes) limit ` +
        `for a managed file; nothing was committed; split it, or manage a smaller file that holds the claim references`,
    );
}

export async function resolveManagedFile(
  root: string,
  path: string,
  maxBytes = maxManagedFileBytes,
): Promise<string | undefined> {
  const problem = repoPathProblem(path);
  if (problem !== undefined) throw refuse(path, problem.replace(`${JSON.stringify(path)} `, ""));
  const realRoot = await cloneRoot(root);
  const segments = path.split("/");
  let current = realRoot;
  for (const [i, segment] of segments.entries()) {
    current = join(current, segment);
    let info;
    try {
      info = await lstat(current);
    } catch (error) {
      if (isMissing(error)) return undefined;
      throw refuse(path, `cannot be read (${(error as NodeJS.ErrnoException).code ?? String(error)})`);
    }
    const last = i === segments.length - 1;
    if (info.isSymbolicLink()) {
      const link = await describeLink(realRoot, current);
      const sub = posix.join(...segments.slice(0, i + 1));
      if (last) throw refuse(path, `is ${link}; list the file it points to in the configuration instead`);
      throw refuse(path, `passes through ${sub}, ${link}; list the path without the symlink instead`);
    }
    if (!last) {
      if (!info.isDirectory()) return undefined;
      continue;
    }
    if (info.isDirectory()) throw refuse(path, "is a directory, not a manifest file");
    if (!info.isFile()) throw refuse(path, "is not a regular file");
    if (info.size > maxBytes)
      throw refuse(
        path,
        `is ${formatBytes(info.size)}, over the ${formatBytes(maxBytes)} limit for a managed file; ` +
          `split it, or manage a smaller file that holds the claim references`,
      );
  }
  return current;
}
