import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { apply } from "./cluster-fixtures.js";
import { startControlPlane, type ControlPlane } from "./control-plane.js";
import { startVolSync, type VolSync } from "./volsync.js";

const ns = "volsync-probe";

async function status(cp: ControlPlane, name: string): Promise<Record<string, string | undefined>> {
  const out = await cp.kubectl("get", "replicationsources.volsync.backube", name, "-n", ns, "-o", "json");
  return (JSON.parse(out) as { status?: Record<string, string> }).status ?? {};
}

async function until<T>(
  what: string,
  probe: () => Promise<T>,
  ok: (v: T) => boolean,
  ms = 60_000,
): Promise<T> {
  const end = Date.now() + ms;
  let last: T | undefined;
  while (Date.now() < end) {
    last = await probe();
    if (ok(last)) return last;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`timed out waiting for ${what}; last: ${JSON.stringify(last)}`);
}

describe("VolSync's real controller on the test control plane", () => {
  let cp: ControlPlane;
  let volsync: VolSync;

  beforeAll(async () => {
    cp = await startControlPlane({ controllers: true, kwok: true });
    await cp.addNode("w1");
    volsync = await startVolSync(cp);
    await apply(cp, { apiVersion: "v1", kind: "Namespace", metadata: { name: ns } });
    await apply(
      cp,
      {
        apiVersion: "v1",
        kind: "PersistentVolume",
        metadata: { name: "data-w1" },
        spec: {
          capacity: { storage: "1Gi" },
          accessModes: ["ReadWriteOnce"],
          storageClassName: "",
          claimRef: { namespace: ns, name: "data" },
          local: { path: "/var/lib/volumes/data-w1" },
          nodeAffinity: {
            required: {
              nodeSelectorTerms: [
                { matchExpressions: [{ key: "kubernetes.io/hostname", operator: "In", values: ["w1"] }] },
              ],
            },
          },
        },
      },
      {
        apiVersion: "v1",
        kind: "PersistentVolumeClaim",
        metadata: { name: "data", namespace: ns },
        spec: {
          accessModes: ["ReadWriteOnce"],
          resources: { requests: { storage: "1Gi" } },
          storageClassName: "",
          volumeName: "data-w1",
        },
      },
    );
  }, 180_000);

  afterAll(async () => {
    await volsync?.stop();
    await cp?.stop();
  });

  it("answers a manual trigger with lastManualSync, and a paused one not at all", async () => {
    const source = (name: string, paused: boolean, manual: string) => ({
      apiVersion: "volsync.backube/v1alpha1",
      kind: "ReplicationSource",
      metadata: { name, namespace: ns },
      spec: {
        sourcePVC: "data",
        paused,
        trigger: { manual },
        rsyncTLS: { address: "volsync-rsync-tls-dst-data-backup.volsync-probe", copyMethod: "Direct" },
      },
    });
    await apply(cp, source("running", false, "first"), source("paused", true, "first"));
    const done = await until(
      "lastManualSync of the running source",
      () => status(cp, "running"),
      (s) => s.lastManualSync === "first",
    );
    expect(done.lastSyncTime).toEqual(expect.any(String));
    // A mover Job ran on w1 (where the volume is) and completed.
    const jobs = JSON.parse(await cp.kubectl("get", "jobs", "-n", ns, "-o", "json")) as { items: unknown[] };
    expect(jobs.items.length).toBeLessThanOrEqual(1);
    const paused = await status(cp, "paused");
    expect(paused.lastManualSync).toBeUndefined();
    expect(paused.lastSyncTime).toBeUndefined();
    // A new trigger value starts a new sync.
    await cp.kubectl(
      "patch",
      "replicationsources.volsync.backube",
      "running",
      "-n",
      ns,
      "--type=merge",
      "-p",
      '{"spec":{"trigger":{"manual":"second"}}}',
    );
    await until(
      "lastManualSync second",
      () => status(cp, "running"),
      (s) => s.lastManualSync === "second",
    );
  });
});
