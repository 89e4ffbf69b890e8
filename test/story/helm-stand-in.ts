// A STAND-IN FOR FLUX'S helm-controller, for one app-template-style HelmRelease, not Helm itself.
//
// helm-controller renders a chart with the HelmRelease's values and applies the result. No chart
// repository exists on this machine (tests reach loopback only), so this stand-in "renders" the
// one thing the planned-move test needs, the way bjw-s' app-template would: a Deployment named
// after the release with `spec.values.controllers.<name>.replicas` replicas and the claim of
// `spec.values.persistence.config.existingClaim`. It polls the HelmRelease and applies the
// Deployment with kubectl whenever the values change.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { sleep } from "./wait-for.js";

interface HelmReleaseJson {
  spec?: {
    values?: {
      controllers?: Record<string, { replicas?: number }>;
      persistence?: { config?: { existingClaim?: string } };
    };
  };
}

export interface HelmStandIn {
  stop(): Promise<void>;
}

export function startHelmStandIn(o: {
  kubectl: (...args: string[]) => Promise<string>;
  namespace: string;
  name: string;
  intervalMs?: number;
}): HelmStandIn {
  const dir = mkdtempSync(join(tmpdir(), "helm-stand-in-"));
  let stopped = false;
  let last = "";
  const once = async () => {
    const out = await o.kubectl(
      "get",
      "helmreleases.helm.toolkit.fluxcd.io",
      o.name,
      "-n",
      o.namespace,
      "-o",
      "json",
    );
    const values = (JSON.parse(out) as HelmReleaseJson).spec?.values;
    const replicas = values?.controllers?.[o.name]?.replicas ?? 1;
    const claim = values?.persistence?.config?.existingClaim;
    if (claim === undefined) return;
    const deployment = {
      apiVersion: "apps/v1",
      kind: "Deployment",
      metadata: { name: o.name, namespace: o.namespace, labels: { "app.kubernetes.io/name": o.name } },
      spec: {
        replicas,
        strategy: { type: "Recreate" },
        selector: { matchLabels: { "app.kubernetes.io/name": o.name } },
        template: {
          metadata: { labels: { "app.kubernetes.io/name": o.name } },
          spec: {
            tolerations: ["unreachable", "not-ready"].map((t) => ({
              key: `node.kubernetes.io/${t}`,
              operator: "Exists",
              effect: "NoExecute",
              tolerationSeconds: 5,
            })),
            containers: [{ name: "app", image: `ghcr.io/home-operations/${o.name}:1.0.0` }],
            volumes: [{ name: "config", persistentVolumeClaim: { claimName: claim } }],
          },
        },
      },
    };
    const text = JSON.stringify(deployment);
    if (text === last) return;
    const file = join(dir, "deployment.json");
    writeFileSync(file, text);
    await o.kubectl(
      "apply",
      "--server-side",
      "--field-manager=helm-stand-in",
      "--force-conflicts",
      "-f",
      file,
    );
    last = text;
  };
  const loop = (async () => {
    while (!stopped) {
      await once().catch(() => undefined);
      await sleep(o.intervalMs ?? 300);
    }
  })();
  return {
    stop: async () => {
      stopped = true;
      await loop;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
