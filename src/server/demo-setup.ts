import { execFile } from "node:child_process";
import { cp, mkdtemp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { parse, stringify } from "yaml";

const run = promisify(execFile);

/** The example homelab shipped in the package (dist/server → ../../examples/homelab, same from src). */
export const bundledHomelab = join(import.meta.dirname, "../../examples/homelab");

export interface DemoSetup {
  directory: string;
  bareRepo: string;
  configPath: string;
}

async function git(args: string[], cwd: string): Promise<void> {
  // The user's git configuration (hooks, signing, templates) must not change the demo's commit.
  await run("git", args, {
    cwd,
    env: { ...process.env, GIT_CONFIG_NOSYSTEM: "1", GIT_CONFIG_GLOBAL: "/dev/null" },
  });
}

/**
 * SPEC §12: a local bare repository seeded from the example homelab, and a matching configuration
 * (auth off, no cluster) in a fresh temporary directory.
 */
export async function createDemo(source = bundledHomelab): Promise<DemoSetup> {
  const directory = await mkdtemp(join(tmpdir(), "failover-api-demo-"));
  const seed = join(directory, "seed");
  const bareRepo = join(directory, "homelab.git");
  await cp(source, seed, { recursive: true });
  await git(["init", "-q", "-b", "main", seed], directory);
  await git(["add", "-A"], seed);
  await git(
    [
      "-c",
      "user.name=failover-api",
      "-c",
      "user.email=failover-api@users.noreply.local",
      "commit",
      "-q",
      "-m",
      "failover-api demo",
    ],
    seed,
  );
  await git(["clone", "-q", "--bare", seed, bareRepo], directory);

  const raw = parse(await readFile(join(source, "failover-api.yaml"), "utf8")) as Record<string, unknown>;
  const baseGit = (raw.git ?? {}) as Record<string, unknown>;
  const baseCluster = (raw.cluster ?? {}) as Record<string, unknown>;
  const config = {
    ...raw,
    git: {
      url: `file://${bareRepo}`,
      branch: "main",
      ...(baseGit.author ? { author: baseGit.author } : {}),
      pushRetries: baseGit.pushRetries ?? 5,
      dataDir: join(directory, "data"),
    },
    cluster: { ...baseCluster, enabled: false },
    auth: { mode: "none" },
  };
  const configPath = join(directory, "failover-api.yaml");
  await writeFile(configPath, `# Written by failover-api demo.\n${stringify(config)}`);
  return { directory, bareRepo, configPath };
}

export function demoInstructions(url: string, demo: DemoSetup, keep: boolean): string {
  return [
    `failover-api demo: serving the example homelab on ${url} (auth off, no cluster).`,
    `Real promotes and demotes commit to the bare repository ${demo.bareRepo}`,
    keep ? "(kept after the demo stops: --keep)." : "(removed when the demo stops; --keep keeps it).",
    "",
    `Open the dashboard: ${url}/`,
    "",
    "Or try the API:",
    "",
    `  curl -s ${url}/api/services`,
    `  curl -s ${url}/api/failover/sonarr/status`,
    `  curl -s '${url}/api/failover/sonarr/promote?dry-run=true'`,
    `  curl -s -X POST '${url}/api/failover/sonarr/promote?reason=demo'`,
    `  curl -s -X POST '${url}/api/failover/sonarr/demote?reason=demo'`,
    `  curl -s ${url}/api/failover/sonarr/history`,
    `  curl -s ${url}/api/openapi.json`,
    "",
    "Or the CLI through this server (from a clone of failover-api: npx failover-api …):",
    "",
    `  failover-api services --server ${url}`,
    `  failover-api promote sonarr --dry-run --server ${url}`,
    "",
    "Press Ctrl-C to stop.",
    "",
  ].join("\n");
}
