import { readdir, realpath, rm, stat } from "node:fs/promises";
import { join } from "node:path";
import type { GitLogger } from "./git-logger.js";

/**
 * Removes git lock files left by a git process that was killed (pod eviction, timeout). Only
 * safe because one process owns the clone and its own git commands never overlap.
 */
export async function removeStaleLocks(gitDir: string, logger: GitLogger): Promise<void> {
  const candidates: string[] = [];
  const walk = async (dir: string, depth: number): Promise<void> => {
    let entries;
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const entry of entries) {
      const full = join(dir, entry.name);
      if (entry.isFile() && entry.name.endsWith(".lock")) candidates.push(full);
      // Locks live at the top of .git and beside refs; objects are never locked this way.
      else if (entry.isDirectory() && depth < 6 && (depth > 0 || entry.name === "refs"))
        await walk(full, depth + 1);
    }
  };
  await walk(gitDir, 0);
  for (const lock of candidates) {
    await rm(lock, { force: true });
    logger.warn("Removed stale git lock file", { file: lock });
  }
}

/** Leftovers of clones that were interrupted before they were moved into place. */
export async function removeInterruptedClones(
  dataDir: string,
  prefix: string,
  logger: GitLogger,
): Promise<void> {
  let names: string[];
  try {
    names = await readdir(dataDir);
  } catch {
    return;
  }
  for (const name of names.filter((n) => n.startsWith(prefix))) {
    await rm(join(dataDir, name), { recursive: true, force: true });
    logger.warn("Removed interrupted clone", { dir: join(dataDir, name) });
  }
}

export async function isDirectory(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isDirectory();
  } catch {
    return false;
  }
}

export async function samePath(a: string, b: string): Promise<boolean> {
  try {
    return (await realpath(a)) === (await realpath(b));
  } catch {
    return false;
  }
}
