// `doctor` against a real kube-apiserver: the Flux objects it needs, and the RBAC the server
// needs checked with SelfSubjectAccessReviews, as the deploy/base ServiceAccount and as one
// without any binding.
import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { AppConfig } from "../../src/config/app-config.js";
import { loadConfig } from "../../src/config/load-config.js";
import { clusterChecks, neededPermissions } from "../../src/doctor/cluster-checks.js";
import type { DoctorCheck } from "../../src/doctor/doctor-check.js";
import { runDoctor } from "../../src/doctor/run-doctor.js";
import { generatedConfigText, generatedHomelabFiles } from "../support/generated-homelab.js";
import { startSshGitServer, type SshGitServer } from "../support/ssh-git-server.js";
import { apply, applyRbac, namespace } from "./cluster-fixtures.js";
import { startControlPlane, type ControlPlane } from "./control-plane.js";

function kustomization(name: string, path: string) {
  return {
    apiVersion: "kustomize.toolkit.fluxcd.io/v1",
    kind: "Kustomization",
    metadata: { name, namespace: "flux-system" },
    spec: { interval: "10m", prune: true, path, sourceRef: { kind: "GitRepository", name: "flux-system" } },
  };
}

function byName(checks: DoctorCheck[]): Record<string, DoctorCheck> {
  return Object.fromEntries(checks.map((c) => [c.name, c]));
}

describe("doctor with a cluster", () => {
  let cp: ControlPlane;
  let ssh: SshGitServer;
  let dir: string;
  let rbacKubeconfig: string;
  let bareKubeconfig: string;

  const writeConfig = async (
    name: string,
    options: { services?: number; gitRepository?: string } = {},
  ): Promise<string> => {
    const text = generatedConfigText({
      services: options.services ?? 2,
      url: ssh.url("homelab"),
      sshKeyFile: ssh.clientKeyFile,
      knownHostsFile: ssh.knownHostsFile,
      dataDir: join(dir, `data-${name}`),
    }).replace(
      "cluster:\n  enabled: false\n",
      "cluster:\n  enabled: true\n  flux:\n    gitRepository: { namespace: flux-system, name: " +
        `${options.gitRepository ?? "flux-system"} }\n`,
    );
    const path = join(dir, `${name}.yaml`);
    await writeFile(path, text);
    return path;
  };
  const config = async (name: string, options: { services?: number; gitRepository?: string } = {}) =>
    loadConfig(await writeConfig(name, options));

  beforeAll(async () => {
    [cp, ssh] = await Promise.all([startControlPlane(), startSshGitServer()]);
    await ssh.createBareRepo("homelab", generatedHomelabFiles(3));
    dir = await mkdtemp(join(tmpdir(), "doctor-cluster-"));
    rbacKubeconfig = await applyRbac(cp, "failover-system");
    bareKubeconfig = await cp.createServiceAccountKubeconfig("failover-system", "no-bindings");
    await namespace(cp, "apps");
    await namespace(cp, "flux-system");
    await apply(
      cp,
      {
        apiVersion: "source.toolkit.fluxcd.io/v1",
        kind: "GitRepository",
        metadata: { namespace: "flux-system", name: "flux-system" },
        spec: { interval: "1m", url: ssh.url("homelab"), ref: { branch: "main" } },
      },
      kustomization("svc-00", "./apps/svc-00"),
      kustomization("svc-01", "./apps/svc-01"),
    );
  });

  afterAll(async () => {
    await Promise.all([cp?.stop(), ssh?.stop()]);
  });

  it("passes everything as the deploy/base ServiceAccount, end to end through runDoctor", async () => {
    const checks = await runDoctor(await writeConfig("ok"), undefined, {
      env: { KUBECONFIG: rbacKubeconfig, POD_NAMESPACE: "failover-system" },
    });
    for (const c of checks) expect(c.status, `${c.name}: ${c.detail}`).toBe("pass");
    const named = byName(checks);
    expect(named.cluster?.detail).toBe(`kubeconfig: ${cp.server}`);
    expect(named["remote-writable"]?.status).toBe("pass");
    expect(named["flux-git-repository"]?.detail).toBe("GitRepository flux-system/flux-system exists");
    expect(named["flux-kustomizations"]?.detail).toBe(
      "2 Kustomizations built from GitRepository flux-system/flux-system",
    );
    expect(named["flux/svc-00"]?.detail).toBe("applied by Kustomization flux-system/svc-00");
    const rbac = checks.filter((c) => c.name.startsWith("rbac/"));
    expect(rbac.map((c) => c.name).sort()).toEqual(
      [
        "rbac/list nodes",
        "rbac/watch nodes",
        "rbac/list pods (apps)",
        "rbac/watch pods (apps)",
        "rbac/list replicationsources.volsync.backube",
        "rbac/watch replicationsources.volsync.backube",
        "rbac/list replicationdestinations.volsync.backube",
        "rbac/watch replicationdestinations.volsync.backube",
        "rbac/list gitrepositories.source.toolkit.fluxcd.io (flux-system)",
        "rbac/watch gitrepositories.source.toolkit.fluxcd.io (flux-system)",
        "rbac/patch gitrepositories.source.toolkit.fluxcd.io (flux-system)",
        "rbac/list kustomizations.kustomize.toolkit.fluxcd.io",
        "rbac/watch kustomizations.kustomize.toolkit.fluxcd.io",
        "rbac/patch kustomizations.kustomize.toolkit.fluxcd.io",
        "rbac/get leases.coordination.k8s.io (failover-system)",
        "rbac/create leases.coordination.k8s.io (failover-system)",
        "rbac/update leases.coordination.k8s.io (failover-system)",
        "rbac/create events.events.k8s.io (default)",
        "rbac/create events.events.k8s.io (apps)",
      ].sort(),
    );
    expect(named["rbac/watch pods (apps)"]?.detail).toBe("may watch pods in namespace apps");
    expect(named["rbac/update leases.coordination.k8s.io (failover-system)"]?.detail).toBe(
      "may update leases.coordination.k8s.io in namespace failover-system",
    );
    expect(named.automation).toEqual({
      name: "automation",
      status: "pass",
      detail: "off (automation.enabled: false): nothing acts on its own",
    });
  });

  it("fails each RBAC check for a ServiceAccount without bindings, naming the missing permission", async () => {
    const cfg: AppConfig = await config("bare");
    const checks = await clusterChecks(cfg, { env: { KUBECONFIG: bareKubeconfig } });
    const named = byName(checks);
    expect(named.cluster?.status).toBe("pass");
    const rbac = checks.filter((c) => c.name.startsWith("rbac/"));
    expect(rbac).toHaveLength(neededPermissions(cfg).length);
    for (const c of rbac) expect(c.status, `${c.name}: ${c.detail}`).toBe("fail");
    expect(named["rbac/list nodes"]?.detail).toContain("missing permission: list nodes cluster-wide");
    expect(named["rbac/patch kustomizations.kustomize.toolkit.fluxcd.io"]?.detail).toContain(
      "missing permission: patch kustomizations.kustomize.toolkit.fluxcd.io cluster-wide (needed for the Flux reconcile nudge)",
    );
    expect(named["rbac/watch pods (apps)"]?.detail).toContain(
      "missing permission: watch pods in namespace apps",
    );
    expect(named["rbac/create events.events.k8s.io (default)"]?.detail).toContain(
      "missing permission: create events.events.k8s.io in namespace default (needed for automation decisions recorded as Events)",
    );
    expect(named["rbac/create leases.coordination.k8s.io (default)"]?.status).toBe("fail");
    // Without read access the Flux objects cannot be checked either: a failure, not a pass.
    expect(named["flux-git-repository"]).toMatchObject({
      status: "fail",
      detail: expect.stringContaining("HTTP 403"),
    });
    expect(named["flux-kustomizations"]).toMatchObject({
      status: "fail",
      detail: expect.stringContaining("HTTP 403"),
    });
  });

  it("fails a missing GitRepository and a service no Kustomization applies", async () => {
    const missing = byName(
      await clusterChecks(await config("missing", { gitRepository: "missing" }), {
        env: { KUBECONFIG: rbacKubeconfig },
      }),
    );
    expect(missing["flux-git-repository"]).toMatchObject({
      status: "fail",
      detail: expect.stringContaining("GitRepository flux-system/missing not found"),
    });
    expect(missing["flux-kustomizations"]).toMatchObject({
      status: "fail",
      detail: expect.stringContaining("no Kustomization has sourceRef GitRepository flux-system/missing"),
    });
    expect(missing["flux/svc-00"]?.status).toBe("fail");

    const unowned = byName(
      await clusterChecks(await config("unowned", { services: 3 }), { env: { KUBECONFIG: rbacKubeconfig } }),
    );
    expect(unowned["flux/svc-01"]?.status).toBe("pass");
    expect(unowned["flux/svc-02"]).toMatchObject({
      status: "fail",
      detail: expect.stringContaining("apps/svc-02/deployment.yaml"),
    });
  });

  it("skips without a cluster, and fails when the config demands one that is not there", async () => {
    const cfg = await config("ok2");
    expect(
      await clusterChecks({ ...cfg, cluster: { ...cfg.cluster, enabled: "auto" } }, { env: {} }),
    ).toEqual([
      { name: "cluster", status: "skip", detail: expect.stringContaining("KUBECONFIG is not set") },
    ]);
    expect(await clusterChecks(cfg, { env: {} })).toEqual([
      { name: "cluster", status: "fail", detail: expect.stringContaining("cluster.enabled is true") },
    ]);
  });
});
