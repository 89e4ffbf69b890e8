// Brings up the whole story world and tears it down: control plane with controllers and kwok
// nodes w1/w2, the SSH Git remote holding the repository, the cluster infrastructure, the real
// Flux controllers (source-, kustomize- and helm-controller, test/cluster/flux-gitops.ts), and
// failover-api itself (cluster enabled, as a ServiceAccount with deploy/base RBAC).
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startServer, type RunningServer } from "../../src/server/start-server.js";
import { applyRbac } from "../cluster/cluster-fixtures.js";
import { startControlPlane, type ControlPlane } from "../cluster/control-plane.js";
import { startFlux, type Flux, type KustomizationOptions } from "../cluster/flux-gitops.js";
import { startSshGitServer, type SshGitServer } from "../support/ssh-git-server.js";
import { git } from "../support/test-git.js";
import {
  api,
  backupNode,
  createInfrastructure,
  primaryNode,
  setLastSyncTime,
  writeStoryConfig,
  type ServiceConfig,
  type StatusBody,
  type StoryConfigOptions,
} from "./story-fixtures.js";
import { waitFor } from "./wait-for.js";

export interface StoryOptions {
  namespace: string;
  services: ServiceConfig[];
  repoFiles: Record<string, string>;
  /** The root Kustomizations (flux-system/<name>) applying the repository. */
  kustomizations: KustomizationOptions[];
  /** Kustomizations the roots create (an app's ks.yaml): waited for at start too. */
  childKustomizations?: string[];
  /** Keys added to the config's `defaults`. */
  defaults?: Record<string, unknown>;
  /** Record a recent sync on each service's forward `<name>-config-backup` (default true). */
  seedForwardSync?: boolean;
  /** failover-api's `automation` section (SPEC §10); absent: off. */
  automation?: Record<string, unknown>;
}

/** Everything but failover-api: for tests that run the server themselves (as processes). */
export interface StoryWorld {
  cp: ControlPlane;
  ssh: SshGitServer;
  flux: Flux;
  /** The bare repository on disk. */
  repo: string;
  /** failover-api's configuration file, and the kubeconfig of its ServiceAccount. */
  configPath: string;
  kubeconfig: string;
  /** What the configuration file was written from (reconfigure rewrites it with changes). */
  config: StoryConfigOptions;
  /** A directory the test may use; removed by stop(). */
  work: string;
  head(): Promise<string>;
  /** Whether commit `ancestor` is contained in `descendant`, in the bare repository. */
  contains(ancestor: string, descendant: string): Promise<boolean>;
  stop(): Promise<void>;
}

export interface Story extends StoryWorld {
  server: RunningServer;
  serverLog: string[];
  /** Rewrites failover-api's configuration and waits until the server reloaded it. */
  reconfigure(changes: Partial<Pick<StoryConfigOptions, "reconcile" | "automation">>): Promise<void>;
}

export async function startStory(o: StoryOptions): Promise<Story> {
  const world = await startStoryWorld(o);
  const serverLog: string[] = [];
  let server: RunningServer | undefined;
  try {
    const tServer = Date.now();
    process.env.KUBECONFIG = world.kubeconfig;
    // The leader Lease lives in the server's namespace, where the RBAC grants it.
    process.env.POD_NAMESPACE = "failover-system";
    server = await startServer({
      configPath: world.configPath,
      host: "127.0.0.1",
      port: 0,
      write: (line) => serverLog.push(line),
    });
    const base = server.url;
    await waitFor(
      "failover-api's live view of the cluster",
      async () => (await api<StatusBody>(base, "GET", `/api/failover/${o.services[0]!.name}/status`)).body,
      (s) => s.live !== null,
      30_000,
    );
    console.log(`[story] failover-api up with its live view in ${Date.now() - tServer} ms`);
  } catch (error) {
    await server?.close().catch(() => undefined);
    delete process.env.POD_NAMESPACE;
    await world.stop().catch(() => undefined);
    throw error;
  }
  const running = server;
  let written = world.config;
  return {
    ...world,
    server: running,
    serverLog,
    reconfigure: async (changes) => {
      const reloads = () => serverLog.filter((l) => l.includes('"Configuration reloaded"')).length;
      const before = reloads();
      // Changes add up: each reconfigure starts from the file the last one wrote.
      written = { ...written, ...changes };
      await writeStoryConfig(world.configPath, written);
      await waitFor(
        "failover-api to reload its configuration",
        () => Promise.resolve(reloads()),
        (n) => n > before,
        15_000,
      );
    },
    stop: async () => {
      await running.close();
      delete process.env.KUBECONFIG;
      delete process.env.POD_NAMESPACE;
      await world.stop();
    },
  };
}

export async function startStoryWorld(o: StoryOptions): Promise<StoryWorld> {
  const work = await mkdtemp(join(tmpdir(), "failover-story-"));
  let cp: ControlPlane | undefined;
  let ssh: SshGitServer | undefined;
  let flux: Flux | undefined;
  const stop = async (): Promise<void> => {
    await flux?.stop();
    await ssh?.stop();
    await cp?.stop();
    delete process.env.KUBECONFIG;
    await rm(work, { recursive: true, force: true });
  };
  try {
    const t0 = Date.now();
    cp = await startControlPlane({ controllers: true, kwok: true });
    await cp.addNode(primaryNode);
    await cp.addNode(backupNode);
    ssh = await startSshGitServer();
    await ssh.createBareRepo("homelab", o.repoFiles);
    const repo = ssh.repoPath("homelab");
    const url = ssh.url("homelab");
    await createInfrastructure(cp, { namespace: o.namespace, apps: o.services.map((s) => s.name) });
    // Flux pulls with the same deploy key failover-api pushes with, as in the seed.
    const tFlux = Date.now();
    flux = await startFlux(cp, {
      repository: { url, sshKeyFile: ssh.clientKeyFile, knownHostsFile: ssh.knownHostsFile },
      kustomizations: o.kustomizations,
    });
    const head = await git(["rev-parse", "main"], repo);
    const running = flux;
    await Promise.all(
      (o.childKustomizations ?? []).map((name) =>
        running.observer.waitFor("Kustomization", name, head, 120_000),
      ),
    );
    const tApplied = Date.now();
    // Every forward replication last synced ten minutes ago (VolSync would report it).
    const synced = new Date(Date.now() - 600_000);
    for (const s of o.seedForwardSync === false ? [] : o.services) {
      await setLastSyncTime(
        cp,
        o.namespace,
        "replicationdestinations.volsync.backube",
        `${s.name}-config-backup`,
        synced,
      );
    }
    // failover-api runs as a ServiceAccount bound to exactly deploy/base/rbac.yaml.
    const kubeconfig = await applyRbac(cp, "failover-system");
    const configPath = join(work, "config.yaml");
    const config: StoryConfigOptions = {
      url,
      sshKeyFile: ssh.clientKeyFile,
      knownHostsFile: ssh.knownHostsFile,
      dataDir: join(work, "data"),
      services: o.services,
      ...(o.defaults ? { defaults: o.defaults } : {}),
      ...(o.automation ? { automation: o.automation } : {}),
    };
    await writeStoryConfig(configPath, config);
    console.log(
      `[story] world up in ${Date.now() - t0} ms: control plane, nodes and SSH ${tFlux - t0} ms, ` +
        `Flux started and first commit applied ${tApplied - tFlux} ms`,
    );
    return {
      cp,
      ssh,
      flux,
      repo,
      configPath,
      kubeconfig,
      config,
      work,
      head: () => git(["rev-parse", "main"], repo),
      contains: async (ancestor, descendant) =>
        git(["merge-base", "--is-ancestor", ancestor, descendant], repo).then(
          () => true,
          () => false,
        ),
      stop,
    };
  } catch (error) {
    await stop().catch(() => undefined);
    throw error;
  }
}
