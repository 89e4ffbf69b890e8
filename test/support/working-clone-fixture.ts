import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { prepareGitCredentials } from "../../src/git/git-credentials.js";
import type { GitCredentials, GitCredentialsConfig } from "../../src/git/git-credentials.js";
import type { GitLogger } from "../../src/git/git-logger.js";
import { WorkingClone } from "../../src/git/working-clone.js";
import type { SshGitServer } from "./ssh-git-server.js";

export const author = { name: "failover-api", email: "failover-api@users.noreply.local" };

export interface LogEntry {
  level: "info" | "warn" | "error";
  message: string;
  fields: Record<string, unknown> | undefined;
}

export interface CloneFixture {
  clone: WorkingClone;
  credentials: GitCredentials;
  dataDir: string;
  logs: LogEntry[];
  /** Removes the data directory and the credentials' private directory. */
  dispose(): Promise<void>;
}

/** A WorkingClone of `repo` on the test server, with a fresh dataDir and recorded logs. */
export async function makeClone(
  server: SshGitServer,
  repo: string,
  overrides: Partial<GitCredentialsConfig> & { url?: string; dataDir?: string; timeoutMs?: number } = {},
): Promise<CloneFixture> {
  const url = overrides.url ?? server.url(repo);
  const credentials = await prepareGitCredentials({
    url,
    sshKeyFile: server.clientKeyFile,
    knownHostsFile: server.knownHostsFile,
    ...overrides,
  });
  const dataDir = overrides.dataDir ?? (await mkdtemp(join(tmpdir(), "failover-data-")));
  const logs: LogEntry[] = [];
  const logger: GitLogger = {
    info: (message, fields) => logs.push({ level: "info", message, fields }),
    warn: (message, fields) => logs.push({ level: "warn", message, fields }),
    error: (message, fields) => logs.push({ level: "error", message, fields }),
  };
  const clone = new WorkingClone({
    url,
    branch: "main",
    dataDir,
    credentials,
    author,
    logger,
    ...(overrides.timeoutMs === undefined ? {} : { timeoutMs: overrides.timeoutMs }),
  });
  return {
    clone,
    credentials,
    dataDir,
    logs,
    dispose: async () => {
      await credentials.dispose();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}
