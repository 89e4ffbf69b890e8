// VolSync's real controller (github.com/backube/volsync v0.14.0, built by components/volsync.sh)
// run out of cluster against a started ControlPlane. Its movers are Jobs; kwok runs their pods
// and completes them (its default pod-complete stage), so a sync ends as VolSync defines it:
// the mover Job succeeded → status.lastSyncTime, status.lastManualSync. No data is copied
// (kwok runs no containers); what the tests prove is the order of the steps around it.
import { spawn, type ChildProcess } from "node:child_process";
import { closeSync, existsSync, openSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parseAllDocuments } from "yaml";
import { freePort } from "../support/free-port.js";
import { defaultBinDir, goModuleDir, type ControlPlane } from "./control-plane.js";

export const VOLSYNC_VERSION = "v0.14.0";
const snapshotter = { module: "github.com/kubernetes-csi/external-snapshotter/client/v8", version: "v8.4.0" };

export interface VolSync {
  logPath: string;
  stop(): Promise<void>;
}

interface Rule {
  resources?: string[];
}

/**
 * Starts VolSync as its own ServiceAccount bound to VolSync's ClusterRole (read from the module,
 * never copied here) minus `pods/log`: without a kubelet, fetching a mover's log would make the
 * API server dial the fake node's address; refused, VolSync records no log and carries on.
 */
export async function startVolSync(cp: ControlPlane, binDir = defaultBinDir()): Promise<VolSync> {
  const bin = join(binDir, `volsync-${VOLSYNC_VERSION}`);
  if (!existsSync(bin))
    throw new Error(`${bin} not found: run test/cluster/build.sh (npm run test:story does)`);
  // VolSync's controllers own VolumeSnapshots: their CRDs must exist even though Direct copies take none.
  const crdDir = join(await goModuleDir(snapshotter.module, snapshotter.version), "config", "crd");
  const crds = ["volumesnapshots", "volumesnapshotcontents", "volumesnapshotclasses"];
  await cp.kubectl(
    "apply",
    "--server-side",
    ...crds.flatMap((c) => ["-f", join(crdDir, `snapshot.storage.k8s.io_${c}.yaml`)]),
  );
  await cp.kubectl(
    "wait",
    "--for=condition=Established",
    "--timeout=60s",
    ...crds.map((c) => `crd/${c}.snapshot.storage.k8s.io`),
  );

  const module = await goModuleDir("github.com/backube/volsync", VOLSYNC_VERSION);
  const [role] = parseAllDocuments(readFileSync(join(module, "config", "rbac", "role.yaml"), "utf8")).map(
    (d) => d.toJS() as { metadata: { name: string }; rules: Rule[] },
  );
  if (!role) throw new Error("VolSync's config/rbac/role.yaml has no ClusterRole");
  role.metadata.name = "volsync-manager";
  for (const rule of role.rules) rule.resources = rule.resources?.filter((r) => r !== "pods/log");
  const kubeconfig = await cp.createServiceAccountKubeconfig("volsync-system", "volsync");
  const binding = {
    apiVersion: "rbac.authorization.k8s.io/v1",
    kind: "ClusterRoleBinding",
    metadata: { name: "volsync-manager" },
    roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: "volsync-manager" },
    subjects: [{ kind: "ServiceAccount", name: "volsync", namespace: "volsync-system" }],
  };
  const rbacFile = join(cp.dir, "volsync-rbac.json");
  writeFileSync(rbacFile, JSON.stringify({ apiVersion: "v1", kind: "List", items: [role, binding] }));
  await cp.kubectl("apply", "-f", rbacFile);

  const [metricsPort, probePort] = [await freePort(), await freePort()];
  const logPath = join(cp.dir, "volsync.log");
  const fd = openSync(logPath, "a");
  const child: ChildProcess = spawn(
    bin,
    [
      `--kubeconfig=${kubeconfig}`,
      `--metrics-bind-address=127.0.0.1:${metricsPort}`,
      `--health-probe-bind-address=127.0.0.1:${probePort}`,
      "--leader-elect=false",
      "--zap-devel=false",
    ],
    {
      stdio: ["ignore", fd, fd],
      env: { PATH: process.env.PATH ?? "/usr/bin:/bin", VOLSYNC_NAMESPACE: "volsync-system" },
    },
  );
  closeSync(fd);
  let exited = false;
  const exit = new Promise<void>((resolve) => child.once("exit", () => ((exited = true), resolve())));
  const kill = () => child.kill("SIGKILL");
  process.once("exit", kill);
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (exited) throw new Error(`VolSync exited at start; last lines of ${logPath}:\n${tail(logPath)}`);
    const ok = await fetch(`http://127.0.0.1:${probePort}/readyz`).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) break;
    if (Date.now() > deadline) {
      kill();
      throw new Error(`VolSync not ready after 60 s; last lines of ${logPath}:\n${tail(logPath)}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  return {
    logPath,
    stop: async () => {
      process.off("exit", kill);
      if (!exited) {
        child.kill("SIGTERM");
        const timer = setTimeout(kill, 5000);
        await exit;
        clearTimeout(timer);
      }
    },
  };
}

function tail(path: string): string {
  try {
    return readFileSync(path, "utf8").trimEnd().split("\n").slice(-30).join("\n");
  } catch {
    return "(no log)";
  }
}
