import { homedir } from "node:os";
import { isAbsolute, join } from "node:path";

/**
 * Where the local CLI keeps working clones when no --data-dir / FAILOVER_API_DATA_DIR is given:
 * a per-user cache (XDG base directories), never the server's git.dataDir, so that the CLI does
 * not write to /var/lib as root, nor share a clone with a server on the same machine.
 */
export function defaultCacheDir(env: NodeJS.ProcessEnv): string {
  const xdg = env.XDG_CACHE_HOME;
  return xdg !== undefined && isAbsolute(xdg)
    ? join(xdg, "failover-api", "clones")
    : join(homedir(), ".cache", "failover-api", "clones");
}
