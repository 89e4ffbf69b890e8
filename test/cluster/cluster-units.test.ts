// Pure parts of the cluster integration, no control plane: kube-config decision, Flux
// ownership and revisions, pod matching, and the preflight rules without a cluster.
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { clusterAccess, serviceAccountTokenPath } from "../../src/cluster/kube-config.js";
import { fluxOwnersOf } from "../../src/cluster/flux-owners.js";
import { normalisePath, type KustomizationRecord } from "../../src/cluster/flux-records.js";
import { revisionSha } from "../../src/domain/flux-revision.js";
import { podBelongsTo } from "../../src/cluster/pod-matching.js";
import {
  serverIdentity,
  serverNamespace,
  serviceAccountNamespacePath,
} from "../../src/cluster/server-identity.js";
import type { LiveView } from "../../src/domain/live-state.js";
import { preflight } from "../../src/domain/preflight.js";
import type { ServiceSpec } from "../../src/domain/service-spec.js";
import { serviceSpec } from "../support/service-spec.js";

const flux = { reconcile: true, gitRepository: { namespace: "flux-system", name: "flux-system" } };

describe("clusterAccess", () => {
  const exists = (files: string[]) => (p: string) => files.includes(p);

  it("is off when disabled, even in a pod", () => {
    const access = clusterAccess(
      { enabled: false, flux },
      { env: { KUBERNETES_SERVICE_HOST: "10.0.0.1" }, exists: () => true },
    );
    expect(access).toEqual({ enabled: false, reason: "cluster.enabled is false" });
  });

  it("auto: off without a pod or KUBECONFIG; true: an error", () => {
    expect(clusterAccess({ enabled: "auto", flux }, { env: {}, exists: () => false }).enabled).toBe(false);
    // The token alone (no KUBERNETES_SERVICE_HOST) is not a pod's environment.
    expect(
      clusterAccess({ enabled: "auto", flux }, { env: {}, exists: exists([serviceAccountTokenPath]) })
        .enabled,
    ).toBe(false);
    expect(() => clusterAccess({ enabled: true, flux }, { env: {}, exists: () => false })).toThrow(
      /cluster.enabled is true but there is no cluster/,
    );
    expect(() =>
      clusterAccess({ enabled: true, flux }, { env: { KUBECONFIG: "/nope" }, exists: () => false }),
    ).toThrow(/no KUBECONFIG file exists/);
  });

  it("in a pod: in-cluster config", () => {
    const access = clusterAccess(
      { enabled: "auto", flux },
      {
        env: { KUBERNETES_SERVICE_HOST: "10.0.0.1", KUBERNETES_SERVICE_PORT: "443" },
        exists: exists([serviceAccountTokenPath]),
      },
    );
    expect(access).toMatchObject({ enabled: true, source: "in-cluster" });
  });

  it("KUBECONFIG: loads the file", () => {
    const file = join(mkdtempSync(join(tmpdir(), "kc-")), "config");
    writeFileSync(
      file,
      [
        "apiVersion: v1",
        "kind: Config",
        "clusters: [{name: c, cluster: {server: 'https://127.0.0.1:6443'}}]",
        "users: [{name: u, user: {token: t}}]",
        "contexts: [{name: x, context: {cluster: c, user: u}}]",
        "current-context: x",
      ].join("\n"),
    );
    const access = clusterAccess({ enabled: true, flux }, { env: { KUBECONFIG: file } });
    expect(access).toMatchObject({ enabled: true, source: "kubeconfig", server: "https://127.0.0.1:6443" });
  });
});

function ks(name: string, path: string, source = "flux-system"): KustomizationRecord {
  return {
    namespace: "flux-system",
    name,
    path: normalisePath(path),
    suspended: false,
    source: { kind: "GitRepository", namespace: "flux-system", name: source },
    lastAppliedRevision: null,
  };
}

describe("Flux ownership and revisions", () => {
  const repo = { namespace: "flux-system", name: "flux-system" };
  const all = [
    ks("cluster", "./"),
    ks("apps", "./kubernetes/apps/"),
    ks("sonarr", "./kubernetes/apps/media/sonarr/app"),
    ks("sonarr-other", "kubernetes/apps/media/sonarr/app", "other"),
    ks("sonarr-prefix-trap", "./kubernetes/apps/media/son"),
  ];

  it("normalises spec.path", () => {
    expect(["./a/b/", "a/b", "/a/b", "./a//b", "././a/b"].map(normalisePath)).toEqual(Array(5).fill("a/b"));
    expect(["", ".", "./", "/"].map(normalisePath)).toEqual(["", "", "", ""]);
  });

  it("picks the deepest directory of the configured GitRepository per file", () => {
    const owners = (files: string[]) => fluxOwnersOf(all, repo, files).map((k) => k.name);
    expect(owners(["kubernetes/apps/media/sonarr/app/helmrelease.yaml"])).toEqual(["sonarr"]);
    expect(owners(["kubernetes/apps/media/sonarr/ks.yaml"])).toEqual(["apps"]);
    expect(owners(["README.md", "kubernetes/apps/media/sonarr/app/x.yaml"])).toEqual(["cluster", "sonarr"]);
    expect(fluxOwnersOf([ks("only-other", "./", "other")], repo, ["a.yaml"])).toEqual([]);
  });

  it("reads the sha of RFC-0005 and older revisions", () => {
    expect(revisionSha("main@sha1:abc123")).toBe("abc123");
    expect(revisionSha("refs/heads/main@sha1:abc123")).toBe("abc123");
    expect(revisionSha("main/abc123")).toBe("abc123");
  });

  it("matches pods by prefix, or exactly for a bare Pod", () => {
    expect(podBelongsTo({ kind: "Deployment", name: "plex" }, "plex-5d8c7b9f6-abcde")).toBe(true);
    expect(podBelongsTo({ kind: "Deployment", name: "plex" }, "plexy-5d8c7b9f6-abcde")).toBe(false);
    expect(podBelongsTo({ kind: "StatefulSet", name: "pg" }, "pg-0")).toBe(true);
    expect(podBelongsTo({ kind: "Pod", name: "pg" }, "pg")).toBe(true);
    expect(podBelongsTo({ kind: "Pod", name: "pg" }, "pg-0")).toBe(false);
  });
});

describe("preflight cluster checks", () => {
  const spec: ServiceSpec = serviceSpec({
    replication: [
      { kind: "ReplicationSource", name: "fwd", direction: "forward" },
      { kind: "ReplicationSource", name: "rev", direction: "reverse" },
    ],
  });
  const run = (action: "promote" | "demote", live: LiveView | null) =>
    preflight({
      spec,
      action,
      plan: {
        service: spec.name,
        from: "primary",
        to: "backup",
        node: "w2",
        splices: [],
        refusals: [],
        problems: [],
      },
      analysis: { service: spec.name, references: [], refusals: [], ssaIfNotPresent: [] },
      live,
      now: new Date("2030-01-01T12:00:00Z"),
      lastPromoteAt: new Date("2030-01-01T10:00:00Z"),
    }).map((c) => [c.name, c.status]);

  it("skip without a cluster", () => {
    expect(run("promote", null)).toEqual([
      ["config", "pass"],
      ["backup-fresh", "skip"],
      ["target-node-ready", "skip"],
      ["source-stopped", "skip"],
      ["reverse-synced", "pass"],
      // The ssa: IfNotPresent part needs no cluster; the Kustomization part is not checked.
      ["flux-applies", "pass"],
    ]);
    expect(run("demote", null)).toContainEqual(["reverse-synced", "skip"]);
  });

  it("an unreadable lastSyncTime is not fresh, nor after the promote", () => {
    const live: LiveView = {
      node: () => ({ ready: true, since: null }),
      pods: () => [],
      replication: () => ({ paused: false, lastSyncTime: "yesterday" }),
      fluxOwners: () => [{ namespace: "flux-system", name: "apps", suspended: false }],
    };
    expect(run("promote", live)).toContainEqual(["backup-fresh", "fail"]);
    expect(run("demote", live)).toContainEqual(["reverse-synced", "fail"]);
  });
});

describe("serverNamespace and serverIdentity", () => {
  it("takes the namespace from the downward API, then the service account, then the env, else default", () => {
    const sa = (p: string) => (p === serviceAccountNamespacePath ? "operations\n" : undefined);
    expect(serverNamespace({ env: { POD_NAMESPACE: "ops" }, read: sa })).toBe("ops");
    expect(serverNamespace({ env: {}, read: sa })).toBe("operations");
    expect(serverNamespace({ env: { FAILOVER_API_NAMESPACE: "dev" }, read: () => undefined })).toBe("dev");
    expect(serverNamespace({ env: {}, read: () => undefined })).toBe("default");
  });

  it("names the process after its pod, unique per start", () => {
    const a = serverIdentity({ env: { POD_NAME: "failover-api-7d9f-abcde" } });
    const b = serverIdentity({ env: { POD_NAME: "failover-api-7d9f-abcde" } });
    expect(a).toMatch(/^failover-api-7d9f-abcde_[0-9a-f]{8}$/);
    expect(a).not.toBe(b);
  });
});
