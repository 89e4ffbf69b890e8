// The real Flux controllers on the test control plane: built versions agree everywhere, they
// listen on loopback only, fetch the SSH remote with the deploy key, apply server-side, and a
// reconcile request makes them act at once despite a 10-minute interval.
import { readFileSync } from "node:fs";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startSshGitServer, type SshGitServer } from "../support/ssh-git-server.js";
import { git } from "../support/test-git.js";
import { CRD_SOURCES, startControlPlane, type ControlPlane } from "./control-plane.js";
import { fluxVersion, listeningAddresses } from "./flux-controllers.js";
import { startFlux, type Flux } from "./flux-gitops.js";

const here = import.meta.dirname;

function configMap(name: string, value: string): string {
  return `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\ndata:\n  value: "${value}"\n`;
}

describe("Flux controllers built from source, against the test control plane", () => {
  let cp: ControlPlane;
  let ssh: SshGitServer;
  let flux: Flux;
  let work: string;

  beforeAll(async () => {
    cp = await startControlPlane();
    ssh = await startSshGitServer();
    await ssh.createBareRepo("gitops", {
      "apps/kustomization.yaml": "resources:\n  - ./settings.yaml\n",
      "apps/settings.yaml": configMap("settings", "one"),
    });
    await cp.kubectl("create", "namespace", "demo");
    flux = await startFlux(cp, {
      repository: {
        url: ssh.url("gitops"),
        sshKeyFile: ssh.clientKeyFile,
        knownHostsFile: ssh.knownHostsFile,
      },
      kustomizations: [{ name: "apps", path: "apps", targetNamespace: "demo" }],
    });
    work = join(cp.dir, "writer");
    await git(["clone", "--quiet", ssh.repoPath("gitops"), work]);
  }, 240_000);

  afterAll(async () => {
    await flux?.stop();
    await ssh?.stop();
    await cp?.stop();
  });

  it("builds the versions the CRDs come from (flux.sh, modules/flux/go.mod, CRD_SOURCES agree)", () => {
    const script = readFileSync(join(here, "components", "flux.sh"), "utf8");
    const goMod = readFileSync(join(here, "modules", "flux", "go.mod"), "utf8");
    for (const [name, variable] of [
      ["source-controller", "FLUX_SOURCE_CONTROLLER_VERSION"],
      ["kustomize-controller", "FLUX_KUSTOMIZE_CONTROLLER_VERSION"],
      ["helm-controller", "FLUX_HELM_CONTROLLER_VERSION"],
    ] as const) {
      const version = fluxVersion(name);
      expect(CRD_SOURCES.some((s) => s.module.endsWith(`/${name}`) && s.version === version)).toBe(true);
      expect(script).toContain(`${variable}=${version}\n`);
      expect(goMod).toMatch(new RegExp(`github\\.com/fluxcd/${name} ${version}\\n`));
      expect(goMod).toMatch(new RegExp(`github\\.com/fluxcd/${name}/api ${version}( // indirect)?\\n`));
    }
  });

  it("listens on 127.0.0.1 only: metrics, health probes and the artifact server", async () => {
    expect(flux.controllers.processes.map((p) => p.name)).toEqual([
      "source-controller",
      "kustomize-controller",
      "helm-controller",
    ]);
    for (const p of flux.controllers.processes) {
      const addresses = await listeningAddresses(p.pid!);
      const expected = [p.metricsAddress, p.healthAddress];
      if (p.name === "source-controller")
        expected.push(flux.controllers.artifactServer!.slice("http://".length));
      expect(addresses, p.name).toEqual(expected.sort());
    }
  });

  it("fetched over SSH with the deploy key and applied the first commit server-side", async () => {
    const head = await git(["rev-parse", "main"], ssh.repoPath("gitops"));
    const ks = JSON.parse(
      await cp.kubectl(
        "get",
        "kustomizations.kustomize.toolkit.fluxcd.io",
        "apps",
        "-n",
        "flux-system",
        "-o",
        "json",
      ),
    ) as { status: { lastAppliedRevision: string } };
    expect(ks.status.lastAppliedRevision).toBe(`main@sha1:${head}`);
    const cm = JSON.parse(
      await cp.kubectl("get", "configmap", "settings", "-n", "demo", "--show-managed-fields", "-o", "json"),
    ) as {
      data: { value: string };
      metadata: { managedFields: { manager: string; operation: string }[]; labels: Record<string, string> };
    };
    expect(cm.data.value).toBe("one");
    expect(cm.metadata.managedFields).toContainEqual(
      expect.objectContaining({ manager: "kustomize-controller", operation: "Apply" }),
    );
    expect(cm.metadata.labels["kustomize.toolkit.fluxcd.io/name"]).toBe("apps");
  });

  it("with a 10m interval, a push is applied only after a reconcile request", async () => {
    await writeFile(join(work, "apps", "settings.yaml"), configMap("settings", "two"));
    await git(["commit", "--quiet", "-am", "two"], work);
    await git(["push", "--quiet", "origin", "HEAD:main"], work);
    const sha = await git(["rev-parse", "HEAD"], work);
    const pushedAt = Date.now();
    await expect(flux.observer.waitFor("Kustomization", "apps", sha, 5_000)).rejects.toThrow(/timed out/);
    const requestedAt = Date.now();
    await flux.requestReconcile("GitRepository");
    const fetched = await flux.observer.waitFor("GitRepository", "flux-system", sha, 60_000);
    const applied = await flux.observer.waitFor("Kustomization", "apps", sha, 60_000);
    expect(fetched.at).toBeGreaterThan(requestedAt);
    expect(
      await cp.kubectl("get", "configmap", "settings", "-n", "demo", "-o", "jsonpath={.data.value}"),
    ).toBe("two");
    console.log(
      `[flux] push → reconcile request ${requestedAt - pushedAt} ms (held), request → fetched ` +
        `${fetched.at - requestedAt} ms, fetched → applied ${applied.at - fetched.at} ms`,
    );
  });
});
