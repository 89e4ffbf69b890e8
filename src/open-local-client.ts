import { mkdir, stat } from "node:fs/promises";
import { userInfo } from "node:os";
import { join } from "node:path";
import { randomUUID } from "node:crypto";
import { loadConfig } from "./config/load-config.js";
import { FailoverError } from "./domain/failover-error.js";
import { cloneCacheName } from "./git/clone-cache-name.js";
import type { ClientTarget, FailoverClient } from "./cli/failover-client.js";
import { prepareGitCredentials } from "./git/git-credentials.js";
import { WorkingClone } from "./git/working-clone.js";
import { JsonLogger } from "./log/json-logger.js";
import { FailoverOperations } from "./operations/failover-operations.js";
import { serviceStatus } from "./operations/service-status.js";
import { OperationReader } from "./operations/operation-reader.js";
import { PlannedMoves } from "./operations/planned-moves.js";

/**
 * The break-glass path: the CLI acts on Git directly with the server's configuration, in a working
 * clone under `--data-dir`, or by default in the per-user cache (git.dataDir is the server's).
 */
export async function openLocalClient(target: ClientTarget): Promise<FailoverClient> {
  const config = await loadConfig(target.configPath);
  const dataDir = target.dataDir ?? join(target.cacheDir, cloneCacheName(config.git.url));
  await prepareDataDir(dataDir, target);
  const credentials = await prepareGitCredentials({ ...config.git }, { parentDir: dataDir });
  const logger = new JsonLogger({ level: "warn", secrets: () => credentials.secrets });
  const clone = new WorkingClone({
    url: config.git.url,
    branch: config.git.branch,
    dataDir,
    credentials,
    author: config.git.author,
    logger,
  });
  const operations = new FailoverOperations({ repo: clone, config: () => config, logger });
  // No cluster here: operations are read back from Git alone, and an abort is a rollback commit.
  const planned = new PlannedMoves({
    operations,
    reader: new OperationReader({
      repo: clone,
      config: () => config,
      live: () => null,
      now: () => new Date(),
    }),
    config: () => config,
    live: () => null,
    leader: () => null,
    logger,
    now: () => new Date(),
  });
  const actor = `cli:${safeUser()}`;
  const snapshot = async () => operations.snapshot ?? (await operations.refresh());
  const opts = (o: { dryRun: boolean; force: boolean; reason: string | undefined }) => ({
    ...o,
    actor,
    requestId: randomUUID(),
  });
  return {
    services: async () => {
      const s = await snapshot();
      return { services: [...s.services.values()].map((x) => x.summary), revision: s.revision };
    },
    status: async (name) => serviceStatus(await snapshot(), name),
    switchService: (name, action, o) => operations.switchService(name, action, opts(o)),
    evacuate: (node, o) => operations.evacuate(node, opts(o)),
    history: async (name, limit) => ({ name, operations: await operations.history(name, limit) }),
    planned: () =>
      Promise.reject(
        new FailoverError(
          "CLUSTER_REQUIRED",
          "a final sync needs the cluster (the app must be seen to stop, and VolSync to finish, before the switch), " +
            "and the local CLI acts on Git only; use --server (or FAILOVER_API_URL) to ask a running failover-api, " +
            "or move without --final-sync (an emergency move: it does not wait for a last copy)",
        ),
      ),
    operations: async (limit) => ({ operations: await planned.list(limit) }),
    operation: (id) => planned.get(id),
    abort: (id, reason) => planned.abort(id, { actor, reason }),
    close: () => credentials.dispose(),
  };
}

/** Creates the data directory, saying where a first clone goes; a clear error if it cannot. */
async function prepareDataDir(dataDir: string, target: ClientTarget): Promise<void> {
  if (!(await exists(join(dataDir, "repo")))) {
    const where =
      target.dataDir === undefined
        ? " (a per-user cache; --data-dir or FAILOVER_API_DATA_DIR to choose)"
        : "";
    target.notice?.(`working clone: ${dataDir}${where}`);
  }
  try {
    await mkdir(dataDir, { recursive: true });
  } catch (cause) {
    const code = (cause as NodeJS.ErrnoException).code ?? String(cause);
    throw new FailoverError(
      "CONFIG_INVALID",
      `cannot create the working clone directory ${dataDir} (${code}); choose another with --data-dir DIR or FAILOVER_API_DATA_DIR`,
      { cause },
    );
  }
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}

function safeUser(): string {
  try {
    return userInfo().username;
  } catch {
    return process.env.USER ?? "unknown";
  }
}
