// SPEC §5.1/§5.2 on the real control plane: planned moves that lose nothing. etcd,
// kube-apiserver, kube-controller-manager, kube-scheduler; kwok runs the nodes w1/w2 and their
// pods. VolSync's real controller (v0.14.0) answers the manual triggers: its mover Jobs run on
// kwok and complete. failover-api runs as real processes (`serve`) as a ServiceAccount with
// deploy/base's RBAC, leader-elected on a Lease. Flux's real source-, kustomize- and helm-controller apply the repository (plex's HelmRelease
// renders a chart kept in the repository).
import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { git } from "../support/test-git.js";
import { startVolSync, type VolSync } from "../cluster/volsync.js";
import { startServerProcess, type ServerProcess } from "./server-process.js";
import {
  backupNode,
  deploymentYaml,
  kustomizationYaml,
  listPods,
  primaryNode,
  pvcYaml,
  type ServiceConfig,
} from "./story-fixtures.js";
import { startStoryWorld, type StoryWorld } from "./story-harness.js";
import { waitFor } from "./wait-for.js";
import {
  firstEvent,
  lastEvent,
  recordWatches,
  type RecordedEvent,
  type WatchRecorder,
} from "./watch-recorder.js";

const ns = "media";
const rs = "replicationsources.volsync.backube";
const apps = ["sonarr", "lidarr", "tautulli", "radarr", "bazarr", "plex"];
/** lidarr starts failed over: it runs on its backup, and its failback is one of the moves. */
const onBackup = new Set(["lidarr"]);
// Yearly: no scheduled sync starts during the test; the first sync runs at once (never synced).
const schedule = (minute: number) => `"${minute} 0 1 1 *"`;

function volsyncYaml(app: string): string {
  const backup = onBackup.has(app);
  return `---
# Forward: pushes ${app}-config (primary, ${primaryNode}) to the standby on ${backupNode}.
apiVersion: volsync.backube/v1alpha1
kind: ReplicationSource
metadata:
  name: ${app}-config
spec:
  paused: ${backup}
  sourcePVC: ${app}-config
  trigger:
    schedule: ${schedule(0)}
  rsyncTLS:
    keySecret: ${app}-rsync-tls
    address: volsync-rsync-tls-dst-${app}-config-backup.${ns}.svc
    copyMethod: Direct
---
# Reverse: pushes ${app}-config-backup back to the primary once the app runs on the backup.
apiVersion: volsync.backube/v1alpha1
kind: ReplicationSource
metadata:
  name: ${app}-config-reverse
spec:
  paused: ${!backup}
  sourcePVC: ${app}-config-backup
  trigger:
    schedule: ${schedule(30)}
  rsyncTLS:
    keySecret: ${app}-rsync-tls
    address: volsync-rsync-tls-dst-${app}-config-restore.${ns}.svc
    copyMethod: Direct
`;
}

function helmReleaseYaml(): string {
  return `---
# plex, bjw-s app-template style: the replica count lives in the values.
apiVersion: helm.toolkit.fluxcd.io/v2
kind: HelmRelease
metadata:
  name: plex
spec:
  interval: 30m
  chart:
    spec:
      chart: ./charts/app-template
      sourceRef:
        kind: GitRepository
        name: flux-system
        namespace: flux-system
  values:
    controllers:
      plex:
        replicas: 1 # one writer on a node-local volume
    persistence:
      config:
        existingClaim: plex-config
`;
}

/**
 * A chart in the repository, read by the real helm-controller: app-template's two values this
 * test moves (the controller's replica count and the claim), rendered as one Deployment.
 */
function chartFiles(): Record<string, string> {
  const dir = "charts/app-template";
  return {
    [`${dir}/Chart.yaml`]:
      "apiVersion: v2\nname: app-template\ndescription: One app on one claim\nversion: 3.7.3\n",
    [`${dir}/values.yaml`]: 'controllers: {}\npersistence:\n  config:\n    existingClaim: ""\n',
    [`${dir}/templates/deployment.yaml`]: `apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ .Release.Name }}
  labels:
    app.kubernetes.io/name: {{ .Release.Name }}
spec:
  replicas: {{ (index .Values.controllers .Release.Name).replicas }}
  strategy:
    type: Recreate
  selector:
    matchLabels:
      app.kubernetes.io/name: {{ .Release.Name }}
  template:
    metadata:
      labels:
        app.kubernetes.io/name: {{ .Release.Name }}
    spec:
      tolerations:
        - key: node.kubernetes.io/unreachable
          operator: Exists
          effect: NoExecute
          tolerationSeconds: 5
        - key: node.kubernetes.io/not-ready
          operator: Exists
          effect: NoExecute
          tolerationSeconds: 5
      containers:
        - name: app
          image: ghcr.io/home-operations/{{ .Release.Name }}:1.0.0
      volumes:
        - name: config
          persistentVolumeClaim:
            claimName: {{ required "persistence.config.existingClaim is required" .Values.persistence.config.existingClaim }}
`,
  };
}

function repoFiles(): Record<string, string> {
  const files: Record<string, string> = {
    ...chartFiles(),
    "apps/media/kustomization.yaml": kustomizationYaml(
      apps.map((a) => `./${a}`),
      ns,
    ),
  };
  for (const app of apps) {
    const main = app === "plex" ? "helmrelease.yaml" : "deployment.yaml";
    files[`apps/media/${app}/kustomization.yaml`] = kustomizationYaml([
      `./${main}`,
      "./pvc.yaml",
      "./volsync.yaml",
    ]);
    files[`apps/media/${app}/pvc.yaml`] = pvcYaml(app);
    files[`apps/media/${app}/volsync.yaml`] = volsyncYaml(app);
    if (app === "plex") files[`apps/media/${app}/${main}`] = helmReleaseYaml();
    else {
      const deployment = deploymentYaml(app, `ghcr.io/home-operations/${app}:1.0.0`);
      // tautulli declares no replica count (Kubernetes' default 1): the quiesce inserts the key.
      files[`apps/media/${app}/${main}`] =
        app === "tautulli"
          ? deployment.replace("  replicas: 1\n", "")
          : onBackup.has(app)
            ? deployment.replace(`claimName: ${app}-config #`, `claimName: ${app}-config-backup #`)
            : deployment;
    }
  }
  return files;
}

function services(): ServiceConfig[] {
  return apps.map((app) => {
    const dir = `apps/media/${app}`;
    const main = app === "plex" ? "helmrelease.yaml" : "deployment.yaml";
    return {
      name: app,
      namespace: ns,
      dir,
      config: {
        files: [`${dir}/${main}`, `${dir}/volsync.yaml`],
        replication: [
          { kind: "ReplicationSource", name: `${app}-config`, direction: "forward" },
          { kind: "ReplicationSource", name: `${app}-config-reverse`, direction: "reverse" },
        ],
        ...(app === "plex"
          ? {
              workload: { kind: "HelmRelease", name: "plex" },
              quiesce: [
                {
                  file: `${dir}/helmrelease.yaml`,
                  select: { kind: "HelmRelease", name: "plex" },
                  path: "spec.values.controllers.plex.replicas",
                  running: "1",
                  stopped: "0",
                },
              ],
            }
          : {}),
        ...(app === "radarr" ? { finalSyncTimeout: "20s" } : {}),
      },
    };
  });
}

interface OperationBody {
  id: string;
  state: string;
  step: string;
  error: string | null;
  steps: {
    name: string;
    state: string;
    startedAt: string | null;
    finishedAt: string | null;
    commit: string | null;
    detail: string;
  }[];
  detail?: string;
  code?: string;
  operation?: string;
}

async function call(
  base: string,
  method: string,
  path: string,
): Promise<{ status: number; body: OperationBody; location: string | null }> {
  const response = await fetch(`${base}${path}`, { method });
  return {
    status: response.status,
    body: (await response.json()) as OperationBody,
    location: response.headers.get("location"),
  };
}

const measured: string[] = [];
const seconds = (from: string | number, to: string | number) =>
  ((Date.parse(String(to)) || Number(to)) - (Date.parse(String(from)) || Number(from))) / 1000;

describe("story: planned moves with a final sync, on the real control plane with VolSync", () => {
  let world: StoryWorld;
  let volsync: VolSync;
  let server: ServerProcess;
  let watches: WatchRecorder;
  let initial: string;
  let replicas = 0;

  const startReplica = async () => {
    const started = await startServerProcess({
      configPath: world.configPath,
      kubeconfig: world.kubeconfig,
      name: `failover-api-${++replicas}`,
      namespace: "failover-system",
    });
    return started;
  };
  const leaseHolder = async () =>
    (
      await world.cp
        .kubectl(
          "get",
          "lease",
          "failover-api",
          "-n",
          "failover-system",
          "-o",
          "jsonpath={.spec.holderIdentity}",
        )
        .catch(() => "")
    ).trim();
  const until = (id: string, ok: (op: OperationBody) => boolean, ms: number) =>
    waitFor(
      `operation ${id}`,
      async () => (await call(server.url, "GET", `/api/operations/${id}`)).body,
      ok,
      ms,
      250,
    );
  const readyOn = async (app: string, node: string) =>
    waitFor(
      `${app} Ready on ${node}`,
      () => listPods(world.cp, ns, app),
      (pods) => pods.some((p) => p.node === node && p.ready && !p.terminating),
      120_000,
    );
  const rsStatus = async (name: string) =>
    (
      JSON.parse(await world.cp.kubectl("get", rs, name, "-n", ns, "-o", "json")) as {
        status?: Record<string, string>;
      }
    ).status ?? {};
  const file = (path: string, rev = "main") => git(["show", `${rev}:${path}`], world.repo);
  const stepCommits = async (id: string) =>
    (
      await git(
        [
          "log",
          "--format=%H %(trailers:key=Failover-Step,valueonly=true,separator=)",
          `--grep=Failover-Operation: ${id}`,
          "main",
        ],
        world.repo,
      )
    )
      .split("\n")
      .filter(Boolean)
      .map((l) => l.split(" "))
      .reverse();
  const commitTime = async (sha: string) =>
    (await git(["log", "-1", "--format=%cI", sha], world.repo)).trim();
  const events = (kind: string, name?: (n: string) => boolean) => (e: RecordedEvent) =>
    e.kind === kind && (name === undefined || name(e.name));
  const spec = (e: RecordedEvent) => e.object.spec as { trigger?: { manual?: string } } | undefined;
  const status = (e: RecordedEvent) => e.object.status as { lastManualSync?: string } | undefined;
  const claimOf = (e: RecordedEvent) =>
    (
      (
        e.object.spec as {
          template?: { spec?: { volumes?: { persistentVolumeClaim?: { claimName?: string } }[] } };
        }
      ).template?.spec?.volumes ?? []
    )
      .map((v) => v.persistentVolumeClaim?.claimName)
      .find((c) => c !== undefined);

  beforeAll(async () => {
    world = await startStoryWorld({
      namespace: ns,
      services: services(),
      repoFiles: repoFiles(),
      kustomizations: [{ name: "media", path: "apps/media" }],
      seedForwardSync: false,
    });
    initial = await world.head();
    for (const app of apps) {
      await world.cp.kubectl(
        "create",
        "secret",
        "generic",
        `${app}-rsync-tls`,
        "-n",
        ns,
        `--from-literal=psk.txt=volsync:${"ab".repeat(32)}`,
      );
    }
    volsync = await startVolSync(world.cp);
    watches = await recordWatches(world.cp.kubeconfigPath, [
      { kind: "Pod", path: `/api/v1/namespaces/${ns}/pods` },
      {
        kind: "ReplicationSource",
        path: `/apis/volsync.backube/v1alpha1/namespaces/${ns}/replicationsources`,
      },
      { kind: "Deployment", path: `/apis/apps/v1/namespaces/${ns}/deployments` },
    ]);
    server = await startReplica();
    await waitFor(
      "the server to hold the leader Lease",
      leaseHolder,
      (h) => h.startsWith(server.name),
      60_000,
    );
    for (const app of apps) await readyOn(app, onBackup.has(app) ? backupNode : primaryNode);
    // VolSync's first sync of each running source (it syncs at once when it has never synced).
    for (const app of apps) {
      const source = onBackup.has(app) ? `${app}-config-reverse` : `${app}-config`;
      await waitFor(
        `${source}'s first sync`,
        () => rsStatus(source),
        (s) => s.lastSyncTime !== undefined && s.lastSyncStartTime === undefined,
        180_000,
      );
    }
    // VolSync honours `paused`: lidarr's forward source, paused while it runs on the backup, never synced.
    const paused = await rsStatus("lidarr-config");
    if (paused.lastSyncTime !== undefined || paused.lastManualSync !== undefined)
      throw new Error(`a paused ReplicationSource synced: ${JSON.stringify(paused)}`);
  }, 600_000);

  afterAll(async () => {
    watches?.stop();
    if (server && process.env.FAILOVER_API_STORY_LOG === "1") console.log(server.log.join("\n"));
    await server?.stop();
    await volsync?.stop();
    await world?.stop();
    if (measured.length > 0) console.log(measured.join("\n"));
  });

  // The scenarios run at once, as moves of different services would; the last one kills the
  // server while the others are mid-way, and the next process carries every one of them on.
  let announce: () => void = () => undefined;
  let expected = 5;
  const othersStarted = new Promise<void>((resolve) => {
    announce = () => {
      if (--expected === 0) resolve();
    };
  });
  // The abort of test 4 goes through the process that took over from the killed one (test 5).
  let replaced: () => void = () => undefined;
  const serverReplaced = new Promise<void>((resolve) => (replaced = resolve));
  const post = async (path: string) => {
    const res = await call(server.url, "POST", path);
    return res;
  };

  it.concurrent(
    "1 + 6. sonarr: final-sync promote of a running app on a Ready primary (a second move → 409), Ready on w2",
    async ({ expect }) => {
      const started = Date.now();
      const res = await post("/api/failover/sonarr/promote?final-sync=true&reason=maintenance%20on%20w1");
      expect(res.status, JSON.stringify(res.body)).toBe(202);
      const id = res.body.id;
      expect(res.location).toBe(`/api/operations/${id}`);
      const second = await post("/api/failover/sonarr/promote?final-sync=true");
      expect(second.status).toBe(409);
      expect(second.body).toMatchObject({ code: "OPERATION_CONFLICT", operation: id });
      announce();

      const op = await until(id, (o) => o.state !== "running", 420_000);
      expect(op.state, JSON.stringify(op)).toBe("succeeded");
      await readyOn("sonarr", backupNode);
      const commits = await stepCommits(id);
      expect(commits.map((c) => c[1])).toEqual(["quiesce", "final-sync", "switch"]);
      const [quiesce, finalSync, switched] = commits.map((c) => c[0] ?? "");

      // API-server order: the last pod was gone before the trigger reached the ReplicationSource …
      const podGone = lastEvent(
        watches.events,
        (e) => events("Pod", (n) => n.startsWith("sonarr-"))(e) && e.type === "DELETED",
      );
      const triggered = firstEvent(
        watches.events,
        (e) =>
          events("ReplicationSource", (n) => n === "sonarr-config")(e) && spec(e)?.trigger?.manual === id,
      );
      const answered = firstEvent(
        watches.events,
        (e) =>
          events("ReplicationSource", (n) => n === "sonarr-config")(e) && status(e)?.lastManualSync === id,
      );
      const switchedOn = firstEvent(
        watches.events,
        (e) => events("Deployment", (n) => n === "sonarr")(e) && claimOf(e) === "sonarr-config-backup",
      );
      expect(podGone && triggered && answered && switchedOn).toBeTruthy();
      expect(podGone!.resourceVersion).toBeLessThan(triggered!.resourceVersion);
      // … and VolSync answered before the switch reached the Deployment.
      expect(answered!.resourceVersion).toBeLessThan(switchedOn!.resourceVersion);
      // The same order in commit and status times (seconds).
      const synced = await rsStatus("sonarr-config");
      expect(synced.lastManualSync).toBe(id);
      expect(Date.parse(await commitTime(switched!))).toBeGreaterThanOrEqual(
        Date.parse(synced.lastSyncTime!),
      );

      // The switch put the replica count and trigger back: only the ordinary promote's edits remain.
      expect(await file("apps/media/sonarr/deployment.yaml")).toBe(
        (await file("apps/media/sonarr/deployment.yaml", initial)).replace(
          "claimName: sonarr-config #",
          "claimName: sonarr-config-backup #",
        ),
      );
      expect(await file("apps/media/sonarr/volsync.yaml")).not.toContain("manual:");
      const qAt = await commitTime(quiesce!);
      const fAt = await commitTime(finalSync!);
      const sAt = await commitTime(switched!);
      const ready = op.steps.find((s) => s.name === "switch")?.finishedAt ?? "";
      measured.push(
        `[planned] sonarr promote: quiesce ${seconds(qAt, fAt)} s, final sync ${seconds(fAt, synced.lastSyncTime!)} s ` +
          `(trigger commit → lastManualSync), switch → Ready on w2 ${seconds(sAt, ready)} s, request → succeeded ${((Date.now() - started) / 1000).toFixed(1)} s`,
      );
    },
    900_000,
  );

  it.concurrent(
    "2. lidarr failback: a final-sync demote needs no force, and the reverse sync comes after the quiesce",
    async ({ expect }) => {
      const before = {
        deployment: await file("apps/media/lidarr/deployment.yaml"),
        volsync: await file("apps/media/lidarr/volsync.yaml"),
      };
      const back = await post("/api/failover/lidarr/demote?final-sync=true");
      announce();
      expect(back.status, JSON.stringify(back.body)).toBe(202);
      const backId = back.body.id;
      const done = await until(backId, (o) => o.state !== "running", 420_000);
      expect(done.state, JSON.stringify(done)).toBe("succeeded");
      await readyOn("lidarr", primaryNode);
      const trailers = await git(
        ["log", `--grep=Failover-Operation: ${backId}`, "--format=%(trailers)", "main"],
        world.repo,
      );
      expect(trailers).toContain("Failover-Step: switch");
      expect(trailers).not.toContain("Failover-Forced");
      const backPodGone = lastEvent(
        watches.events,
        (e) => events("Pod", (n) => n.startsWith("lidarr-"))(e) && e.type === "DELETED",
      );
      const reverseTriggered = firstEvent(
        watches.events,
        (e) =>
          events("ReplicationSource", (n) => n === "lidarr-config-reverse")(e) &&
          spec(e)?.trigger?.manual === backId,
      );
      const reverseAnswered = firstEvent(
        watches.events,
        (e) =>
          events("ReplicationSource", (n) => n === "lidarr-config-reverse")(e) &&
          status(e)?.lastManualSync === backId,
      );
      expect(backPodGone && reverseTriggered && reverseAnswered).toBeTruthy();
      expect(backPodGone!.resourceVersion).toBeLessThan(reverseTriggered!.resourceVersion);
      expect(reverseTriggered!.resourceVersion).toBeLessThan(reverseAnswered!.resourceVersion);
      // Exactly an ordinary demote's edits: the replica count and trigger are as they were.
      expect(await file("apps/media/lidarr/deployment.yaml")).toBe(
        before.deployment.replace("claimName: lidarr-config-backup #", "claimName: lidarr-config #"),
      );
      expect(await file("apps/media/lidarr/volsync.yaml")).toBe(
        before.volsync
          .replace("paused: true", "paused: FALSE")
          .replace("paused: false", "paused: true")
          .replace("paused: FALSE", "paused: false"),
      );
      const backCommits = await stepCommits(backId);
      const times = await Promise.all(backCommits.map((c) => commitTime(c[0] ?? "")));
      const reverse = await rsStatus("lidarr-config-reverse");
      measured.push(
        `[planned] lidarr failback: quiesce ${seconds(times[0]!, times[1]!)} s, final sync ${seconds(times[1]!, reverse.lastSyncTime!)} s, ` +
          `switch → Ready on w1 ${seconds(times[2]!, done.steps.find((s) => s.name === "switch")?.finishedAt ?? "")} s`,
      );
    },
    900_000,
  );

  it.concurrent(
    "3. radarr: a final sync that never completes → timeout → rollback, files as before, Ready on w1",
    async ({ expect }) => {
      // VolSync cannot run the mover without its key: the manual sync is never answered.
      await world.cp.kubectl("delete", "secret", "radarr-rsync-tls", "-n", ns);
      const before = await file("apps/media/radarr/volsync.yaml");
      const deployment = await file("apps/media/radarr/deployment.yaml");
      const res = await post("/api/failover/radarr/promote?final-sync=true");
      announce();
      expect(res.status, JSON.stringify(res.body)).toBe(202);
      const op = await until(res.body.id, (o) => o.state !== "running", 420_000);
      expect(op.state, JSON.stringify(op)).toBe("failed");
      expect(op.error).toContain("final sync did not complete within 20s");
      expect((await stepCommits(res.body.id)).map((c) => c[1])).toEqual([
        "quiesce",
        "final-sync",
        "rollback",
      ]);
      expect(await file("apps/media/radarr/volsync.yaml")).toBe(before);
      expect(await file("apps/media/radarr/deployment.yaml")).toBe(deployment);
      await readyOn("radarr", primaryNode);
    },
    900_000,
  );

  it.concurrent(
    "4. bazarr: abort mid-way → rollback commit, files as before, Ready on w1, aborted",
    async ({ expect }) => {
      await world.cp.kubectl("delete", "secret", "bazarr-rsync-tls", "-n", ns);
      const before = await file("apps/media/bazarr/volsync.yaml");
      const deployment = await file("apps/media/bazarr/deployment.yaml");
      const res = await post("/api/failover/bazarr/promote?final-sync=true");
      announce();
      expect(res.status, JSON.stringify(res.body)).toBe(202);
      const id = res.body.id;
      await until(id, (o) => o.step === "final-sync", 300_000);
      await serverReplaced;
      const abort = await post(`/api/operations/${id}/abort?reason=window%20closed`);
      expect(abort.status, JSON.stringify(abort.body)).toBe(200);
      const op = await until(id, (o) => o.state !== "running", 300_000);
      expect(op).toMatchObject({ state: "aborted", error: "aborted by anonymous: window closed" });
      expect(await file("apps/media/bazarr/volsync.yaml")).toBe(before);
      expect(await file("apps/media/bazarr/deployment.yaml")).toBe(deployment);
      await readyOn("bazarr", primaryNode);
      expect((await post(`/api/operations/${id}/abort`)).status).toBe(409);
    },
    900_000,
  );

  it.concurrent(
    "7. plex, HelmRelease-style via `quiesce`: the values' replica count goes to 0 and back in the switch",
    async ({ expect }) => {
      const res = await post("/api/failover/plex/promote?final-sync=true");
      announce();
      expect(res.status, JSON.stringify(res.body)).toBe(202);
      expect(await file("apps/media/plex/helmrelease.yaml")).toContain("replicas: 0 # one writer");
      const op = await until(res.body.id, (o) => o.state !== "running", 420_000);
      expect(op.state, JSON.stringify(op)).toBe("succeeded");
      await readyOn("plex", backupNode);
      expect(await file("apps/media/plex/helmrelease.yaml")).toBe(
        (await file("apps/media/plex/helmrelease.yaml", initial)).replace(
          "existingClaim: plex-config",
          "existingClaim: plex-config-backup",
        ),
      );
    },
    900_000,
  );

  it.concurrent(
    "5. tautulli: the server killed after the quiesce commit; the next process takes the Lease and finishes every move",
    async ({ expect }) => {
      await othersStarted;
      const res = await post("/api/failover/tautulli/promote?final-sync=true");
      expect(res.status, JSON.stringify(res.body)).toBe(202);
      const id = res.body.id;
      await server.kill();
      const killedAt = Date.now();
      expect((await stepCommits(id)).map((c) => c[1])).toEqual(["quiesce"]);
      // The quiesce inserted the replica count Kubernetes defaulted.
      expect(await file("apps/media/tautulli/deployment.yaml")).toContain(
        "spec:\n  replicas: 0\n  revisionHistoryLimit: 3",
      );
      server = await startReplica();
      await waitFor(
        "the new server to take the Lease",
        leaseHolder,
        (h) => h.startsWith(server.name),
        60_000,
      );
      const tookOver = Date.now();
      replaced();
      const op = await until(id, (o) => o.state !== "running", 420_000);
      expect(op.state, JSON.stringify(op)).toBe("succeeded");
      await readyOn("tautulli", backupNode);
      // Exactly one commit per step: nobody repeated a step.
      expect((await stepCommits(id)).map((c) => c[1])).toEqual(["quiesce", "final-sync", "switch"]);
      expect(await file("apps/media/tautulli/deployment.yaml")).toBe(
        (await file("apps/media/tautulli/deployment.yaml", initial)).replace(
          "claimName: tautulli-config #",
          "claimName: tautulli-config-backup #",
        ),
      );
      measured.push(
        `[planned] tautulli: server killed after the quiesce commit; the next process held the Lease ${((tookOver - killedAt) / 1000).toFixed(1)} s later`,
      );
    },
    900_000,
  );

  it("VolSync really ran: its log shows the mover Jobs it completed", () => {
    expect(readFileSync(volsync.logPath, "utf8")).toContain('"msg":"job completed"');
  });
});
