// Brings up the whole story world and tears it down: control plane with controllers and kwok
// nodes w1/w2, the SSH Git remote holding the repository, the cluster infrastructure, the Flux
// stand-in, and failover-api itself (cluster enabled, as a ServiceAccount with deploy/base RBAC).
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startServer, type RunningServer } from "../../src/server/start-server.js";
import { applyRbac } from "../cluster/cluster-fixtures.js";
import { startControlPlane, type ControlPlane } from "../cluster/control-plane.js";
import { startSshGitServer, type SshGitServer } from "../support/ssh-git-server.js";
import { git } from "../support/test-git.js";
import { startFluxStandIn, type FluxStandIn } from "./flux-stand-in.js";
import {
  api,
  backupNode,
  createInfrastructure,
  primaryNode,
  setLastSyncTime,
  writeStoryConfig,
  type ServiceConfig,
  type StatusBody,
} from "./story-fixtures.js";
import { waitFor } from "./wait-for.js";

export interface StoryOptions {
  namespace: string;
  services: ServiceConfig[];
  repoFiles: Record<string, string>;
  /** The Flux Kustomization (flux-system/<name>) and the repository path the stand-in applies. */
  kustomization: { name: string; path: string };
  /** failover-api's `automation` section (SPEC §10); absent: off. */
  automation?: Record<string, unknown>;
}

export interface Story {
  cp: ControlPlane;
  ssh: SshGitServer;
  flux: FluxStandIn;
  server: RunningServer;
  repo: string;
  serverLog: string[];
  head(): Promise<string>;
  stop(): Promise<void>;
}

export async function startStory(o: StoryOptions): Promise<Story> {
  const work = await mkdtemp(join(tmpdir(), "failover-story-"));
  const serverLog: string[] = [];
  let cp: ControlPlane | undefined;
  let ssh: SshGitServer | undefined;
  let flux: FluxStandIn | undefined;
  let server: RunningServer | undefined;
  const stop = async (): Promise<void> => {
    await server?.close();
    await flux?.stop();
    await ssh?.stop();
    await cp?.stop();
    delete process.env.KUBECONFIG;
    delete process.env.POD_NAMESPACE;
    await rm(work, { recursive: true, force: true });
  };
  try {
    cp = await startControlPlane({ controllers: true, kwok: true });
    const kube = cp;
    await cp.addNode(primaryNode);
    await cp.addNode(backupNode);
    ssh = await startSshGitServer();
    await ssh.createBareRepo("homelab", o.repoFiles);
    const repo = ssh.repoPath("homelab");
    const url = ssh.url("homelab");
    await createInfrastructure(cp, {
      namespace: o.namespace,
      apps: o.services.map((s) => s.name),
      gitUrl: url,
      kustomization: o.kustomization,
    });
    flux = await startFluxStandIn({
      url,
      branch: "main",
      path: o.kustomization.path,
      workDir: join(work, "flux"),
      sshKeyFile: ssh.clientKeyFile,
      knownHostsFile: ssh.knownHostsFile,
      kubectl: (...args) => kube.kubectl(...args),
      kustomization: { namespace: "flux-system", name: o.kustomization.name },
    });
    await flux.waitForApplied(await git(["rev-parse", "main"], repo), 60_000);
    // Every forward replication last synced ten minutes ago (VolSync would report it).
    const synced = new Date(Date.now() - 600_000);
    for (const s of o.services) {
      await setLastSyncTime(
        cp,
        o.namespace,
        "replicationdestinations.volsync.backube",
        `${s.name}-config-backup`,
        synced,
      );
    }
    // failover-api runs as a ServiceAccount bound to exactly deploy/base/rbac.yaml.
    process.env.KUBECONFIG = await applyRbac(cp, "failover-system");
    // The leader Lease lives in the server's namespace, where the RBAC grants it.
    process.env.POD_NAMESPACE = "failover-system";
    const configPath = join(work, "config.yaml");
    await writeStoryConfig(configPath, {
      url,
      sshKeyFile: ssh.clientKeyFile,
      knownHostsFile: ssh.knownHostsFile,
      dataDir: join(work, "data"),
      services: o.services,
      ...(o.automation ? { automation: o.automation } : {}),
    });
    server = await startServer({
      configPath,
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
    return { cp, ssh, flux, server, repo, serverLog, head: () => git(["rev-parse", "main"], repo), stop };
  } catch (error) {
    await stop().catch(() => undefined);
    throw error;
  }
}
