// Helpers for the automation tests on the real control plane: the configuration, the server's
// decisions (GET /api/automation), the Events it wrote, the metrics, and the commits it made.
import { writeFile } from "node:fs/promises";
import { stringify } from "yaml";
import { generatedServiceFile } from "../support/generated-homelab.js";
import { git } from "../support/test-git.js";
import { apply, patchStatus, rfc3339 } from "./cluster-fixtures.js";
import type { ControlPlane } from "./control-plane.js";

export interface AutomationService {
  name: string;
  primaryNode: string;
  backupNode: string;
}

export interface AutomationConfigOptions {
  url: string;
  sshKeyFile: string;
  knownHostsFile: string;
  dataDir: string;
  services: AutomationService[];
  automation: Record<string, unknown>;
  auth?: Record<string, unknown>;
}

/** failover-api's configuration for the generated services (namespace `apps`), cluster on. */
export async function writeAutomationConfig(path: string, o: AutomationConfigOptions): Promise<void> {
  await writeFile(
    path,
    stringify({
      git: {
        url: o.url,
        branch: "main",
        sshKeyFile: o.sshKeyFile,
        knownHostsFile: o.knownHostsFile,
        dataDir: o.dataDir,
        // The guard rails read history from Git: fetch often so the tests need not wait.
        fetchInterval: "2s",
      },
      cluster: { enabled: true },
      auth: o.auth ?? { mode: "none" },
      defaults: { maxReplicationAge: "2h" },
      services: o.services.map((s) => ({
        name: s.name,
        namespace: "apps",
        primaryNode: s.primaryNode,
        backupNode: s.backupNode,
        files: [generatedServiceFile(s.name)],
        claims: [{ primary: `${s.name}-config`, backup: `${s.name}-config-backup` }],
        replication: [
          { kind: "ReplicationDestination", name: `${s.name}-config-backup`, direction: "forward" },
          { kind: "ReplicationSource", name: `${s.name}-config-reverse`, direction: "reverse" },
        ],
      })),
      automation: o.automation,
    }),
  );
}

/** The Flux and VolSync objects the preflight checks look for, per service. */
export async function applyServiceObjects(cp: ControlPlane, gitUrl: string, names: string[]): Promise<void> {
  await apply(
    cp,
    {
      apiVersion: "source.toolkit.fluxcd.io/v1",
      kind: "GitRepository",
      metadata: { namespace: "flux-system", name: "flux-system" },
      spec: { interval: "1m", url: gitUrl, ref: { branch: "main" } },
    },
    ...names.flatMap((name) => [
      {
        apiVersion: "kustomize.toolkit.fluxcd.io/v1",
        kind: "Kustomization",
        metadata: { name, namespace: "flux-system" },
        spec: {
          interval: "10m",
          prune: true,
          path: `./apps/${name}`,
          sourceRef: { kind: "GitRepository", name: "flux-system" },
        },
      },
      volsync("ReplicationDestination", `${name}-config-backup`),
      volsync("ReplicationSource", `${name}-config-reverse`),
    ]),
  );
}

function volsync(kind: string, name: string) {
  return {
    apiVersion: "volsync.backube/v1alpha1",
    kind,
    metadata: { name, namespace: "apps" },
    spec: { trigger: { schedule: "15 * * * *" } },
  };
}

/** The forward replication of `service` last synced at `at` (VolSync would report it). */
export async function backupSyncedAt(cp: ControlPlane, service: string, at: Date): Promise<void> {
  await patchStatus(cp, "replicationdestination", `${service}-config-backup`, "apps", {
    lastSyncTime: rfc3339(at),
  });
}

export interface Decision {
  at: string;
  trigger: string;
  node?: string;
  service?: string;
  decision: string;
  reason: string;
  detail: string;
  operation: {
    id: string | null;
    action: string;
    services: string[];
    commit: string | null;
    error: string | null;
  } | null;
}

export interface AutomationBody {
  enabled: boolean;
  dryRun: boolean;
  leader: boolean;
  holder: string | null;
  decisions: Decision[];
}

export async function automationOf(baseUrl: string): Promise<AutomationBody> {
  const response = await fetch(`${baseUrl}/api/automation`);
  if (response.status !== 200)
    throw new Error(`GET /api/automation: ${response.status} ${await response.text()}`);
  return (await response.json()) as AutomationBody;
}

export interface EventView {
  regarding: { kind: string; name: string; namespace?: string };
  reason: string;
  type: string;
  action: string;
  note: string;
  reportingController: string;
}

/** The events.k8s.io Events about `name` in `namespace` (a Node's are in `default`). */
export async function eventsAbout(cp: ControlPlane, namespace: string, name: string): Promise<EventView[]> {
  const out = await cp.kubectl("get", "events.events.k8s.io", "-n", namespace, "-o", "json");
  const items = (JSON.parse(out) as { items: EventView[] }).items;
  return items.filter((e) => e.regarding.name === name);
}

/** The value of one series of the Prometheus text, or 0 when absent. */
export async function metricValue(baseUrl: string, series: string): Promise<number> {
  const text = await (await fetch(`${baseUrl}/metrics`)).text();
  const line = text.split("\n").find((l) => l.startsWith(`${series} `));
  return line === undefined ? 0 : Number(line.slice(series.length + 1));
}

export interface CommitView {
  sha: string;
  subject: string;
  actor: string;
  services: string[];
  time: Date;
}

/** The branch's failover commits, newest first. */
export async function failoverCommits(repo: string): Promise<CommitView[]> {
  const out = await git(
    [
      "log",
      "main",
      "--format=%H%x00%s%x00%ct%x00%(trailers:key=Failover-Actor,valueonly,separator=)%x00%(trailers:key=Failover-Service,valueonly,separator=%x2C)%x1e",
    ],
    repo,
  );
  return out
    .split("\x1e")
    .map((r) => r.replace(/^\n/, ""))
    .filter((r) => r.includes("\x00"))
    .map((r) => {
      const [sha = "", subject = "", time = "0", actor = "", services = ""] = r.split("\x00");
      return {
        sha,
        subject,
        actor: actor.trim(),
        services: services.trim() === "" ? [] : services.trim().split(","),
        time: new Date(Number(time) * 1000),
      };
    })
    .filter((c) => c.actor !== "");
}
