// ProgressTracker without a control plane: Flux "applied" means every owning Kustomization
// applied our commit or a later one containing it (real Flux applies only the newest of several
// commits), decided by the working clone's ancestry answer.
import { describe, expect, it } from "vitest";
import type { ClusterView } from "../../src/cluster/cluster-view.js";
import type { KustomizationRecord } from "../../src/cluster/flux-records.js";
import { ProgressTracker, type AncestryCheck } from "../../src/cluster/progress-tracker.js";
import { serviceSpec } from "../support/service-spec.js";

const ours = "1".repeat(40);
const later = "2".repeat(40);
const older = "0".repeat(40);
const unfetched = "3".repeat(40);

function kustomization(name: string, path: string, sha: string | null): KustomizationRecord {
  return {
    namespace: "flux-system",
    name,
    path,
    suspended: false,
    source: { kind: "GitRepository", namespace: "flux-system", name: "flux-system" },
    lastAppliedRevision: sha === null ? null : `main@sha1:${sha}`,
  };
}

function world() {
  let owners: KustomizationRecord[] = [kustomization("apps", "apps", older)];
  const view = {
    fluxOwners: () => owners,
    pods: () => [],
  } as unknown as ClusterView;
  // Ancestry as in the clone: older ← ours ← later; `unfetched` is unknown until "fetched".
  let fetched = false;
  const asked: [string, string][] = [];
  const isAncestor: AncestryCheck = (ancestor, descendant) => {
    asked.push([ancestor, descendant]);
    const order = [older, ours, later, ...(fetched ? [unfetched] : [])];
    const a = order.indexOf(ancestor);
    const d = order.indexOf(descendant);
    return Promise.resolve(a < 0 || d < 0 ? undefined : a <= d);
  };
  let clock = new Date("2026-11-30T10:00:00Z");
  const tracker = new ProgressTracker({
    view,
    services: () => [serviceSpec({ files: ["apps/sonarr/deployment.yaml", "apps/sonarr/volsync.yaml"] })],
    isAncestor,
    now: () => clock,
  });
  tracker.pushed({
    commit: ours,
    files: ["apps/sonarr/deployment.yaml"],
    services: ["sonarr"],
    at: clock,
    targetNode: "w2",
    action: "promote",
  });
  return {
    tracker,
    asked,
    setOwners: (next: KustomizationRecord[]) => (owners = next),
    tick: (ms: number) => (clock = new Date(clock.getTime() + ms)),
    fetch: () => (fetched = true),
    applied: () => tracker.progress("sonarr", ours)?.fluxAppliedAt ?? null,
  };
}

const settle = () => new Promise((resolve) => setTimeout(resolve, 0));

describe("ProgressTracker: Flux applied", () => {
  it("counts our commit named exactly, at the moment it was first seen", () => {
    const w = world();
    expect(w.applied()).toBeNull();
    w.tick(1_500);
    w.setOwners([kustomization("apps", "apps", ours)]);
    w.tracker.observe();
    expect(w.applied()).toBe("2026-11-30T10:00:01.500Z");
    w.tick(1_000);
    w.tracker.observe();
    expect(w.applied()).toBe("2026-11-30T10:00:01.500Z");
  });

  it("counts a later commit that contains ours (Flux applied only the newest), not an older one", async () => {
    const w = world();
    await settle();
    expect(w.applied()).toBeNull(); // `older` does not contain ours
    w.tick(2_000);
    w.setOwners([kustomization("apps", "apps", later)]);
    w.tracker.observe();
    await settle();
    expect(w.applied()).toBe("2026-11-30T10:00:02.000Z");
    expect(w.asked).toEqual([
      [ours, older],
      [ours, later],
    ]);
  });

  it("waits for every owning Kustomization (a parent applying ks.yaml and the app's own)", async () => {
    const w = world();
    w.tick(1_000);
    w.setOwners([kustomization("apps", "apps", ours), kustomization("sonarr", "apps/sonarr", older)]);
    w.tracker.observe();
    await settle();
    expect(w.applied()).toBeNull();
    w.tick(1_000);
    w.setOwners([kustomization("apps", "apps", ours), kustomization("sonarr", "apps/sonarr", later)]);
    w.tracker.observe();
    await settle();
    expect(w.applied()).toBe("2026-11-30T10:00:02.000Z");
  });

  it("asks again after the clone fetched a commit it did not know, keeping the first-seen time", async () => {
    const w = world();
    w.tick(1_000);
    w.setOwners([kustomization("apps", "apps", unfetched)]);
    w.tracker.observe();
    await settle();
    expect(w.applied()).toBeNull();
    // Pod churn in between does not run git again and again.
    w.tick(200);
    w.tracker.observe();
    await settle();
    expect(w.asked.filter(([, d]) => d === unfetched)).toHaveLength(1);
    w.fetch();
    w.tick(5_000);
    w.tracker.observe(); // what the server does after each fetch
    await settle();
    expect(w.applied()).toBe("2026-11-30T10:00:01.000Z");
  });

  it("asks the clone once for all services of one evacuation", async () => {
    const asked: string[] = [];
    const tracker = new ProgressTracker({
      view: {
        fluxOwners: () => [kustomization("apps", "apps", later)],
        pods: () => [],
      } as unknown as ClusterView,
      services: () => ["a", "b", "c"].map((name) => serviceSpec({ name, files: [`apps/${name}.yaml`] })),
      isAncestor: (ancestor, descendant) => {
        asked.push(`${ancestor} ${descendant}`);
        return Promise.resolve(true);
      },
    });
    tracker.pushed({
      commit: ours,
      files: ["apps/a.yaml", "apps/b.yaml", "apps/c.yaml"],
      services: ["a", "b", "c"],
      at: new Date(),
      targetNode: "w1",
      action: "evacuate",
    });
    await settle();
    expect(asked).toEqual([`${ours} ${later}`]);
    for (const name of ["a", "b", "c"]) expect(tracker.progress(name)?.fluxAppliedAt).not.toBeNull();
  });

  it("without an ancestry check, only the exact commit counts", async () => {
    const tracker = new ProgressTracker({
      view: {
        fluxOwners: () => [kustomization("apps", "apps", later)],
        pods: () => [],
      } as unknown as ClusterView,
      services: () => [serviceSpec({ files: ["apps/x.yaml"] })],
    });
    tracker.pushed({
      commit: ours,
      files: ["apps/x.yaml"],
      services: ["sonarr"],
      at: new Date(),
      targetNode: "w2",
      action: "promote",
    });
    await settle();
    expect(tracker.progress("sonarr")?.fluxAppliedAt).toBeNull();
  });
});
