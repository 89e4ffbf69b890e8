import { join } from "node:path";
import { loadConfig } from "../config/load-config.js";
import { cloneCacheName } from "../git/clone-cache-name.js";
import { isFailoverError } from "../domain/failover-error.js";
import { prepareGitCredentials } from "../git/git-credentials.js";
import { WorkingClone } from "../git/working-clone.js";
import { silentLogger } from "../log/json-logger.js";
import { FailoverOperations } from "../operations/failover-operations.js";
import type { AppConfig } from "../config/app-config.js";
import { automationCheck } from "./automation-check.js";
import { clusterChecks } from "./cluster-checks.js";
import type { DoctorCheck } from "./doctor-check.js";
import { checkKeyFile, checkKnownHosts, sshHostOf } from "./ssh-files.js";

/**
 * Checks the setup end to end, in the order an operator would debug it by hand; later checks are
 * skipped when an earlier one makes them meaningless.
 */
export async function runDoctor(
  configPath: string,
  dataDir: string | undefined,
  options: { env?: NodeJS.ProcessEnv; cacheDir?: string } = {},
): Promise<DoctorCheck[]> {
  const checks: DoctorCheck[] = [];
  let config: AppConfig;
  try {
    config = await loadConfig(configPath);
    checks.push({
      name: "config",
      status: "pass",
      detail: `${configPath}: ${config.services.length} services`,
    });
  } catch (error) {
    const errors = isFailoverError(error)
      ? ((error.details.errors as string[] | undefined) ?? [error.message])
      : [String(error)];
    checks.push({ name: "config", status: "fail", detail: errors.join("; ") });
    return checks;
  }
  // The cluster does not depend on Git: its checks run even when the remote is unusable.
  // As the local CLI: a clone per remote in the caller's cache unless a directory is given.
  const cloneDir =
    dataDir ??
    (options.cacheDir === undefined
      ? config.git.dataDir
      : join(options.cacheDir, cloneCacheName(config.git.url)));
  await gitChecks(config, cloneDir, checks);
  const cluster = await clusterChecks(config, options);
  checks.push(...cluster);
  checks.push(automationCheck(config, cluster[0]?.status === "pass"));
  return checks;
}

/** Key, known_hosts, remote readable and writable, each service in the repository. */
async function gitChecks(config: AppConfig, dataDir: string, checks: DoctorCheck[]): Promise<void> {
  const ssh = sshHostOf(config.git.url);
  if (ssh) {
    checks.push(
      config.git.sshKeyFile
        ? await checkKeyFile(config.git.sshKeyFile)
        : { name: "ssh-key", status: "fail", detail: "git.sshKeyFile is not set" },
    );
    if (config.git.insecureIgnoreHostKey) {
      checks.push({
        name: "known-hosts",
        status: "warn",
        detail: "git.insecureIgnoreHostKey is true: the remote's identity is not checked",
      });
    } else if (config.git.knownHostsFile) {
      checks.push(await checkKnownHosts(config.git.knownHostsFile, ssh.host, ssh.port));
    }
  }
  if (checks.some((c) => c.status === "fail")) {
    checks.push({ name: "remote", status: "skip", detail: "fix the checks above first" });
    return;
  }
  let credentials;
  try {
    credentials = await prepareGitCredentials(
      { ...config.git },
      { parentDir: dataDir ?? config.git.dataDir },
    );
  } catch (error) {
    checks.push({
      name: "remote",
      status: "fail",
      detail: error instanceof Error ? error.message : String(error),
    });
    return;
  }
  try {
    const clone = new WorkingClone({
      url: config.git.url,
      branch: config.git.branch,
      dataDir,
      credentials,
      author: config.git.author,
    });
    const operations = new FailoverOperations({ repo: clone, config: () => config, logger: silentLogger });
    let snapshot;
    try {
      snapshot = await operations.refresh();
      checks.push({
        name: "remote-readable",
        status: "pass",
        detail: `fetched ${clone.remote} at ${snapshot.revision.slice(0, 12)} into ${clone.directory}`,
      });
    } catch (error) {
      checks.push({
        name: "remote-readable",
        status: "fail",
        detail: error instanceof Error ? error.message : String(error),
      });
      return;
    }
    try {
      const outcome = await clone.pushDryRun();
      checks.push(
        outcome === "pushed"
          ? {
              name: "remote-writable",
              status: "pass",
              detail: `git push --dry-run to ${config.git.branch} accepted`,
            }
          : {
              name: "remote-writable",
              status: "warn",
              detail: "git push --dry-run was rejected as not fast-forward",
            },
      );
    } catch (error) {
      checks.push({
        name: "remote-writable",
        status: "fail",
        detail: error instanceof Error ? error.message : String(error),
      });
    }
    for (const state of snapshot.services.values()) {
      const { role, problems } = state.reading;
      const status = role === "unknown" ? "fail" : role === "mixed" || problems.length > 0 ? "warn" : "pass";
      const detail =
        problems.length > 0
          ? `${role}: ${problems.join("; ")}`
          : `${role}, ${state.analysis.references.length} references`;
      checks.push({ name: `service/${state.spec.name}`, status, detail });
    }
  } finally {
    await credentials.dispose();
  }
}
