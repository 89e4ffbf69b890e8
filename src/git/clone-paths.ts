import { lstat, mkdir, realpath } from "node:fs/promises";
import { dirname, join, sep } from "node:path";
import { repoPathProblem } from "../config/repo-path.js";
import { FailoverError } from "../domain/failover-error.js";

function refuse(path: string, why: string): FailoverError {
  return new FailoverError("MANIFEST_UNSUPPORTED", `Repository path "${path}" ${why}`, { details: { path } });
}

function isInside(root: string, candidate: string): boolean {
  return candidate === root || candidate.startsWith(root + sep);
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

function checkLexically(path: string): void {
  const problem = repoPathProblem(path);
  if (problem !== undefined) throw new FailoverError("MANIFEST_UNSUPPORTED", problem, { details: { path } });
  // The repository's own metadata is never a manifest; writing there could run code via hooks.
  if (path.split("/")[0] === ".git") throw refuse(path, "points into .git");
}

/**
 * The real path of a repo-relative file that is to be read, or undefined when it does not exist.
 * Symlinks are followed, and a target outside the clone is refused: a repository must not be able
 * to make the service read arbitrary files (e.g. its own credentials) into a diff or an error.
 */
export async function resolveForRead(root: string, path: string): Promise<string | undefined> {
  checkLexically(path);
  const realRoot = await cloneRoot(root);
  let real: string;
  try {
    real = await realpath(join(realRoot, path));
  } catch (error) {
    if (isMissing(error)) return undefined;
    throw error;
  }
  if (!isInside(realRoot, real)) throw refuse(path, "resolves (through a symlink) outside the repository");
  return real;
}

/**
 * The path to write a repo-relative file at, creating parent directories. Writing through a
 * symlink is refused: git would commit the link, not the content, and the link may point anywhere.
 */
export async function resolveForWrite(root: string, path: string): Promise<string> {
  checkLexically(path);
  const realRoot = await cloneRoot(root);
  const target = join(realRoot, path);
  let ancestor = dirname(target);
  for (;;) {
    try {
      const realAncestor = await realpath(ancestor);
      if (!isInside(realRoot, realAncestor))
        throw refuse(path, "resolves (through a symlink) outside the repository");
      break;
    } catch (error) {
      if (!isMissing(error) || ancestor === realRoot) throw error;
      ancestor = dirname(ancestor);
    }
  }
  await mkdir(dirname(target), { recursive: true });
  try {
    if ((await lstat(target)).isSymbolicLink())
      throw refuse(path, "is a symlink; configure the file it points to");
  } catch (error) {
    if (!isMissing(error)) throw error;
  }
  return target;
}
