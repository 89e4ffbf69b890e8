import { readdir, rm, stat } from "node:fs/promises";
import { join } from "node:path";

/** `credentials-<pid>-<random>`: the private directory of one process (key copy, askpass, socket). */
export const credentialsPrefix = "credentials-";

export function credentialsDirPrefix(pid: number): string {
  return `${credentialsPrefix}${pid}-`;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

/**
 * Removes the credential directories of processes that died without cleaning up (kill -9, OOM,
 * a node that lost power), so no copy of a private key outlives its process. A directory whose
 * process is alive is kept — unless the pid is ours and the directory is older than this process
 * (a container restarted with the same pid).
 */
export async function removeStaleCredentials(parentDir: string): Promise<string[]> {
  let names: string[];
  try {
    names = await readdir(parentDir);
  } catch {
    return [];
  }
  const startedAt = Date.now() - process.uptime() * 1000;
  const removed: string[] = [];
  for (const name of names) {
    const match = new RegExp(`^${credentialsPrefix}(\\d+)-`).exec(name);
    if (match === null) continue;
    const pid = Number(match[1]);
    const dir = join(parentDir, name);
    let stale = !alive(pid);
    if (!stale && pid === process.pid) {
      const info = await stat(dir).catch(() => undefined);
      stale = info !== undefined && info.mtimeMs < startedAt;
    }
    if (!stale) continue;
    await rm(dir, { recursive: true, force: true });
    removed.push(dir);
  }
  return removed;
}
