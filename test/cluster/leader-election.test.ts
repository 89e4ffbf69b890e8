// Leader election on a real kube-apiserver: one leader among candidates, hand-over on stop,
// take-over from a holder that stopped renewing, and no leadership once renewals stall.
import { CoordinationV1Api, KubeConfig, V1MicroTime } from "@kubernetes/client-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LeaderElection, type LeaderElectionOptions } from "../../src/cluster/leader-election.js";
import { silentLogger } from "../../src/log/json-logger.js";
import { startControlPlane, type ControlPlane } from "./control-plane.js";

let cp: ControlPlane;
let kubeConfig: KubeConfig;
const namespace = "default";
const started: LeaderElection[] = [];

beforeAll(async () => {
  cp = await startControlPlane({ crds: false });
  kubeConfig = new KubeConfig();
  kubeConfig.loadFromFile(cp.kubeconfigPath);
});

afterAll(async () => {
  await Promise.all(started.map((e) => e.stop()));
  await cp.stop();
});

function candidate(
  name: string,
  identity: string,
  extra: Partial<LeaderElectionOptions> = {},
): LeaderElection {
  const election = new LeaderElection({
    kubeConfig,
    namespace,
    name,
    identity,
    leaseDurationSeconds: 3,
    renewDeadlineSeconds: 2,
    retryPeriodSeconds: 0.3,
    logger: silentLogger,
    ...extra,
  });
  started.push(election);
  return election;
}

async function until(what: string, condition: () => boolean, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function leaseHolder(name: string): Promise<string | undefined> {
  const lease = await kubeConfig.makeApiClient(CoordinationV1Api).readNamespacedLease({ name, namespace });
  return lease.spec?.holderIdentity;
}

describe("LeaderElection", () => {
  it("elects exactly one of three candidates, and hands over when the leader stops", async () => {
    const all = ["a", "b", "c"].map((id) => candidate("three", id));
    const changes: string[] = [];
    all.forEach((e) => e.onChange((leading) => changes.push(`${e.identity}:${String(leading)}`)));
    for (const e of all) e.start();
    await until("one candidate leads", () => all.some((e) => e.isLeader));
    // Several retry periods later there is still exactly one, and the Lease names it.
    await new Promise((r) => setTimeout(r, 1500));
    const leaders = all.filter((e) => e.isLeader);
    expect(leaders).toHaveLength(1);
    const first = leaders[0]!;
    expect(await leaseHolder("three")).toBe(first.identity);
    for (const e of all) expect(e.holder).toBe(first.identity);

    await first.stop();
    expect(first.isLeader).toBe(false);
    // Given up, not left to expire: once stop() resolved, the Lease no longer names it.
    expect(await leaseHolder("three")).not.toBe(first.identity);
    const rest = all.filter((e) => e !== first);
    await until("a standby leads", () => rest.some((e) => e.isLeader));
    expect(rest.filter((e) => e.isLeader)).toHaveLength(1);
    expect(changes).toContain(`${first.identity}:true`);
    expect(changes).toContain(`${first.identity}:false`);
  });

  it("takes over from a holder that stopped renewing only after the lease duration", async () => {
    const api = kubeConfig.makeApiClient(CoordinationV1Api);
    const now = new V1MicroTime();
    await api.createNamespacedLease({
      namespace,
      body: {
        metadata: { name: "orphan", namespace },
        spec: {
          holderIdentity: "crashed-replica",
          leaseDurationSeconds: 3,
          acquireTime: now,
          renewTime: now,
          leaseTransitions: 4,
        },
      },
    });
    const standby = candidate("orphan", "standby");
    const startedAt = Date.now();
    standby.start();
    await new Promise((r) => setTimeout(r, 1500));
    expect(standby.isLeader).toBe(false);
    expect(standby.holder).toBe("crashed-replica");
    await until("the standby leads", () => standby.isLeader);
    // Judged by its own clock from when it first saw the record: at least the lease duration.
    expect(Date.now() - startedAt).toBeGreaterThanOrEqual(3000);
    const lease = await api.readNamespacedLease({ name: "orphan", namespace });
    expect(lease.spec?.holderIdentity).toBe("standby");
    expect(lease.spec?.leaseTransitions).toBe(5);
  });

  it("is not the leader the moment its last renewal is older than the renew deadline", async () => {
    let offset = 0;
    const leader = candidate("stall", "stalled", { now: () => Date.now() + offset });
    leader.start();
    await until("it leads", () => leader.isLeader);
    // A stalled event loop or a partition looks like this: time passes without a renewal.
    offset = 2500;
    expect(leader.isLeader).toBe(false);
  });
});
