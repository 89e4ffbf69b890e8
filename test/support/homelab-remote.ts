import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { AppConfig } from "../../src/config/app-config.js";
import { prepareGitCredentials } from "../../src/git/git-credentials.js";
import { WorkingClone } from "../../src/git/working-clone.js";
import { silentLogger } from "../../src/log/json-logger.js";
import { FailoverOperations, type FailoverOperationsDeps } from "../../src/operations/failover-operations.js";
import { homelabConfig, homelabFiles } from "./homelab.js";
import type { SshGitServer } from "./ssh-git-server.js";

/** A bare repository on the SSH server seeded with the example homelab. */
export async function createHomelabRemote(server: SshGitServer, name: string): Promise<string> {
  await server.createBareRepo(name, Object.fromEntries(homelabFiles()));
  return server.url(name);
}

export function homelabConfigFor(server: SshGitServer, url: string, dataDir: string): AppConfig {
  const base = homelabConfig();
  return {
    ...base,
    git: {
      ...base.git,
      url,
      sshKeyFile: server.clientKeyFile,
      knownHostsFile: server.knownHostsFile,
      dataDir,
    },
  };
}

/** FailoverOperations over a real working clone of `url`. */
export async function homelabOperations(
  server: SshGitServer,
  url: string,
  deps: Partial<FailoverOperationsDeps> = {},
  git: Partial<AppConfig["git"]> = {},
): Promise<{ operations: FailoverOperations; config: AppConfig; clone: WorkingClone }> {
  const dataDir = await mkdtemp(join(tmpdir(), "failover-ops-"));
  const base = homelabConfigFor(server, url, dataDir);
  const config = { ...base, git: { ...base.git, ...git } };
  const credentials = await prepareGitCredentials({ ...config.git });
  const clone = new WorkingClone({ url, branch: "main", dataDir, credentials, author: config.git.author });
  const operations = new FailoverOperations({
    repo: clone,
    config: () => config,
    logger: silentLogger,
    sleep: () => Promise.resolve(),
    ...deps,
  });
  return { operations, config, clone };
}
