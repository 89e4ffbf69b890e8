import { execFileSync } from "node:child_process";
import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseAllDocuments, stringify } from "yaml";
import { startControlPlane, type ControlPlane } from "./control-plane.js";

const root = join(import.meta.dirname, "../..");
const kubectl = process.env.FAILOVER_API_KUBECTL ?? "kubectl";

function build(path: string): Record<string, unknown>[] {
  const text = execFileSync(kubectl, ["kustomize", join(root, path)], { encoding: "utf8" });
  return parseAllDocuments(text).map((d) => d.toJS() as Record<string, unknown>);
}

/**
 * The deploy/ manifests are accepted by a real kube-apiserver (server-side dry run: admission,
 * schema and RBAC validation), not only by kustomize. The Prometheus Operator kinds of the
 * optional monitoring component are left out: their CRDs are not installed in the test cluster.
 */
describe("deploy/ against a real API server", () => {
  let cp: ControlPlane;
  let dir: string;
  beforeAll(async () => {
    cp = await startControlPlane();
    dir = await mkdtemp(join(tmpdir(), "deploy-dry-run-"));
  });
  afterAll(async () => cp?.stop());

  async function dryRun(objects: Record<string, unknown>[], namespace?: string): Promise<string> {
    const file = join(dir, `objects-${Date.now()}.yaml`);
    await writeFile(file, objects.map((o) => stringify(o)).join("---\n"));
    return cp.kubectl("apply", "--dry-run=server", ...(namespace ? ["-n", namespace] : []), "-f", file);
  }

  it("accepts the namespace-agnostic base", async () => {
    const objects = build("deploy");
    const out = await dryRun(objects, "default");
    expect(out).toContain("deployment.apps/failover-api created (server dry run)");
    expect(out).toContain("clusterrole.rbac.authorization.k8s.io/failover-api created (server dry run)");
    expect(out.split("\n").filter((l) => l.endsWith("(server dry run)"))).toHaveLength(objects.length);
  });

  it("accepts the homelab overlay (namespace operations)", async () => {
    const all = build("deploy/overlays/homelab");
    const monitoring = all.filter((o) => String(o.apiVersion).startsWith("monitoring.coreos.com/"));
    expect(monitoring.map((o) => o.kind).sort()).toEqual(["PrometheusRule", "ServiceMonitor"]);
    await cp.kubectl("create", "namespace", "operations");
    const objects = all.filter((o) => !monitoring.includes(o) && o.kind !== "Namespace");
    const out = await dryRun(objects);
    expect(out).toContain("service/failover-api created (server dry run)");
    expect(out.split("\n").filter((l) => l.endsWith("(server dry run)"))).toHaveLength(objects.length);
  });
});
