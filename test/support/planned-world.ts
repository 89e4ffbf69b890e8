import type { ApiToken } from "../../src/auth/tokens-file.js";
import { EventHub } from "../../src/events/event-hub.js";
import { LiveEvents } from "../../src/events/live-events.js";
import { operationFromDetail } from "../../src/events/live-operation.js";
import { observeOperations } from "../../src/events/observed-operations.js";
import { mkdtemp, rm } from "node:fs/promises";
import type { AddressInfo } from "node:net";
import { serve, type ServerType } from "@hono/node-server";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Registry } from "prom-client";
import type { AppConfig } from "../../src/config/app-config.js";
import { parseConfig } from "../../src/config/parse-config.js";
import { prepareGitCredentials } from "../../src/git/git-credentials.js";
import { WorkingClone } from "../../src/git/working-clone.js";
import { createApp } from "../../src/http/create-app.js";
import { JsonLogger, silentLogger } from "../../src/log/json-logger.js";
import { FailoverOperations } from "../../src/operations/failover-operations.js";
import { OperationDriver } from "../../src/operations/operation-driver.js";
import { OperationReader } from "../../src/operations/operation-reader.js";
import { PlannedMoves } from "../../src/operations/planned-moves.js";
import { serviceStatus } from "../../src/operations/service-status.js";
import { ScriptedLeader, ScriptedLive } from "./scripted-live.js";
import type { SshGitServer } from "./ssh-git-server.js";
import { git } from "./test-git.js";

/** A small GitOps repository: a Deployment with a forward and reverse pair, and two services that cannot move planned. */
export const plannedRepo: Record<string, string> = {
  "apps/sonarr/deployment.yaml": `apiVersion: apps/v1
kind: Deployment
metadata:
  name: sonarr
spec:
  strategy:
    type: Recreate # one writer
  template:
    spec:
      volumes:
        - name: config
          persistentVolumeClaim:
            claimName: sonarr-config # primary on w1
`,
  "apps/sonarr/volsync.yaml": `---
# Forward: backs up the primary volume into the restic repository.
apiVersion: volsync.backube/v1alpha1
kind: ReplicationSource
metadata:
  name: sonarr-config
spec:
  paused: false
  sourcePVC: sonarr-config
  trigger:
    schedule: "0 * * * *"
  restic:
    repository: sonarr-volsync-secret
    copyMethod: Direct
---
# Forward: restores the repository into the backup volume on w2.
apiVersion: volsync.backube/v1alpha1
kind: ReplicationDestination
metadata:
  name: sonarr-config-backup
spec:
  paused: false
  trigger:
    schedule: "15 * * * *"
  restic:
    repository: sonarr-volsync-secret
    destinationPVC: sonarr-config-backup
    copyMethod: Direct
---
# Reverse: pushes the backup volume straight into the primary volume.
apiVersion: volsync.backube/v1alpha1
kind: ReplicationSource
metadata:
  name: sonarr-config-reverse
spec:
  paused: true
  sourcePVC: sonarr-config-backup
  rsyncTLS:
    address: volsync-rsync-tls-dst-sonarr-config-restore
    copyMethod: Direct
`,
  "apps/kometa/cronjob.yaml": `apiVersion: batch/v1
kind: CronJob
metadata:
  name: kometa
spec:
  schedule: "0 3 * * *"
  jobTemplate:
    spec:
      template:
        spec:
          volumes:
            - name: config
              persistentVolumeClaim:
                claimName: kometa-config
`,
  "apps/kometa/volsync.yaml": `apiVersion: volsync.backube/v1alpha1
kind: ReplicationSource
metadata:
  name: kometa-config
spec:
  paused: false
  sourcePVC: kometa-config
  rsyncTLS:
    address: volsync-rsync-tls-dst-kometa-config-backup
    copyMethod: Direct
`,
  "apps/overseerr/deployment.yaml": `apiVersion: apps/v1
kind: Deployment
metadata:
  name: overseerr
spec:
  replicas: 1
  template:
    spec:
      volumes:
        - name: config
          persistentVolumeClaim:
            claimName: overseerr-config
`,
};

const configYaml = (url: string, key: string, knownHosts: string, dataDir: string, auth: string) => `
git:
  url: ${url}
  sshKeyFile: ${key}
  knownHostsFile: ${knownHosts}
  dataDir: ${dataDir}
cluster: { enabled: false }
auth: ${auth}
defaults: { primaryNode: w1, backupNode: w2, quiesceTimeout: 5m, finalSyncTimeout: 30m }
services:
  - name: sonarr
    namespace: media
    files: [apps/sonarr/deployment.yaml, apps/sonarr/volsync.yaml]
    claims: [{ primary: sonarr-config, backup: sonarr-config-backup }]
    replication:
      - { kind: ReplicationSource, name: sonarr-config, direction: forward }
      - { kind: ReplicationDestination, name: sonarr-config-backup, direction: forward }
      - { kind: ReplicationSource, name: sonarr-config-reverse, direction: reverse }
  - name: kometa
    namespace: media
    workload: { kind: CronJob, name: kometa }
    files: [apps/kometa/cronjob.yaml, apps/kometa/volsync.yaml]
    claims: [{ primary: kometa-config, backup: kometa-config-backup }]
    replication:
      - { kind: ReplicationSource, name: kometa-config, direction: forward }
  - name: overseerr
    namespace: media
    files: [apps/overseerr/deployment.yaml]
    claims: [{ primary: overseerr-config, backup: overseerr-config-backup }]
`;

export interface PlannedWorld {
  app: ReturnType<typeof createApp>;
  config: AppConfig;
  live: ScriptedLive;
  leader: ScriptedLeader;
  /** Whether the server has a cluster view at all. */
  cluster: { enabled: boolean };
  /** Seconds added to the server's clock (deadlines are judged by it). */
  clock: { offsetSeconds: number };
  operations: FailoverOperations;
  planned: PlannedMoves;
  driver: OperationDriver;
  /** The events stream's hub, fed as start-server feeds it (snapshots, operations, planned steps). */
  events: EventHub;
  repo: string;
  /** The configuration as YAML (for a CLI run against the same remote; point dataDir elsewhere). */
  configText(dataDir: string): string;
  /** Serves the app over HTTP on 127.0.0.1; returns its base URL. */
  serve(): Promise<string>;
  remoteHead(): Promise<string>;
  /** Flux applies the remote's tip. */
  fluxApplies(): Promise<void>;
  /** The file at the remote's tip. */
  remoteFile(path: string, rev?: string): Promise<string>;
  close(): Promise<void>;
}

/**
 * The real app, planned moves and driver over a real SSH remote, with scripted live facts.
 * `tokens`: token auth with these tokens (reads need none); without them auth is off.
 */
export async function startPlannedWorld(
  server: SshGitServer,
  name: string,
  options: { tokens?: ApiToken[] } = {},
): Promise<PlannedWorld> {
  await server.createBareRepo(name, plannedRepo);
  const repo = server.repoPath(name);
  const dataDir = await mkdtemp(join(tmpdir(), "planned-world-"));
  const { tokens = [] } = options;
  // The tokens are handed to the app directly; the file is named only because the schema wants one.
  const auth =
    tokens.length > 0
      ? `{ mode: token, tokensFile: ${join(dataDir, "tokens.yaml")}, readRequiresToken: false }`
      : "{ mode: none }";
  const config = parseConfig(
    configYaml(server.url(name), server.clientKeyFile, server.knownHostsFile, dataDir, auth),
    "planned-world.yaml",
  );
  const credentials = await prepareGitCredentials({ ...config.git });
  const clone = new WorkingClone({
    url: config.git.url,
    branch: "main",
    dataDir,
    credentials,
    author: config.git.author,
  });
  const live = new ScriptedLive();
  const leader = new ScriptedLeader();
  const cluster = { enabled: true };
  const clock = { offsetSeconds: 0 };
  const now = () => new Date(Date.now() + clock.offsetSeconds * 1000);
  const liveView = () => (cluster.enabled ? live : null);
  const hub = new EventHub();
  const events = new LiveEvents({
    hub,
    snapshot: () => operations.snapshot,
    status: (snapshot, service) => serviceStatus(snapshot, service),
  });
  const operations = new FailoverOperations({
    repo: clone,
    config: () => config,
    live: liveView,
    logger: silentLogger,
    now,
    sleep: () => Promise.resolve(),
    observer: { snapshotRefreshed: () => events.snapshotChanged() },
  });
  const reader = new OperationReader({ repo: clone, config: () => config, live: liveView, now });
  const planned = new PlannedMoves({
    operations,
    reader,
    config: () => config,
    live: liveView,
    leader: () => (cluster.enabled ? leader : null),
    logger: silentLogger,
    now,
  });
  planned.observe({ operationChanged: (op) => events.operation(operationFromDetail(op)) });
  const driver = new OperationDriver({
    planned,
    operations,
    leader: () => leader,
    logger: process.env.PLANNED_WORLD_DEBUG ? new JsonLogger({ level: "debug" }) : silentLogger,
    tickMs: 50,
    fetchMs: 100,
  });
  await operations.refresh();
  live.appliedSha = await git(["rev-parse", "main"], repo);
  const app = createApp({
    operations: observeOperations(
      operations,
      (op) => events.operation(op),
      (node) => config.services.filter((s) => s.primaryNode === node).map((s) => s.name),
    ),
    planned,
    config: () => config,
    tokens: () => tokens,
    logger: silentLogger,
    metrics: new Registry(),
    readiness: () => ({ configLoaded: true, gitReachable: true, lastFetchAt: new Date(), reason: null }),
    status: (snapshot, service) => serviceStatus(snapshot, service),
    events: hub,
  });
  const servers: ServerType[] = [];
  return {
    app,
    config,
    configText: (dir) => configYaml(server.url(name), server.clientKeyFile, server.knownHostsFile, dir, auth),
    serve: async () => {
      const http: ServerType = await new Promise((resolve) => {
        const s = serve({ fetch: app.fetch, hostname: "127.0.0.1", port: 0 }, () => resolve(s));
      });
      servers.push(http);
      return `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
    },
    live,
    leader,
    cluster,
    clock,
    operations,
    planned,
    driver,
    events: hub,
    repo,
    remoteHead: () => git(["rev-parse", "main"], repo),
    fluxApplies: async () => {
      live.appliedSha = await git(["rev-parse", "main"], repo);
    },
    remoteFile: (path, rev = "main") => git(["show", `${rev}:${path}`], repo).then((t) => `${t}\n`),
    close: async () => {
      events.close();
      hub.close(); // open event streams would hold the HTTP servers' close forever
      for (const s of servers) await new Promise<void>((resolve) => s.close(() => resolve()));
      await driver.stop();
      await operations.idle();
      await credentials.dispose();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}
