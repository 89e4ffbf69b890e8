// Apps in the styles homelab repositories use, each applied by its own Flux Kustomization
// (`<dir>/ks.yaml`, listed by a root Kustomization): the claim in the Kustomization's
// `postBuild.substitute`, the claim in a HelmRelease's values (a small chart in the same
// repository), and a plain Deployment whose ReplicationDestination Flux creates only once
// (`kustomize.toolkit.fluxcd.io/ssa: IfNotPresent`).
import {
  deploymentYaml,
  kustomizationYaml,
  pvcYaml,
  terminationGracePeriodSeconds,
  volsyncYaml,
  type ServiceConfig,
} from "./story-fixtures.js";

/** Repository path of the chart every HelmRelease app uses (sourceRef: the GitRepository). */
export const chartPath = "charts/app";

function ksYaml(name: string, dir: string, namespace: string, substitute?: Record<string, string>): string {
  const post = substitute
    ? [
        "  postBuild:",
        "    substitute:",
        "      APP: *app",
        ...Object.entries(substitute).map(([k, v]) => `      ${k}: ${v}`),
      ]
    : [];
  return [
    "---",
    "apiVersion: kustomize.toolkit.fluxcd.io/v1",
    "kind: Kustomization",
    "metadata:",
    `  name: &app ${name}`,
    "  namespace: flux-system",
    "spec:",
    "  interval: 10m",
    `  path: ./${dir}/app`,
    ...post,
    "  prune: true",
    "  sourceRef:",
    "    kind: GitRepository",
    "    name: flux-system",
    `  targetNamespace: ${namespace}`,
    "  timeout: 2m",
    "  wait: false",
    "",
  ].join("\n");
}

/** `postBuild.substitute` style: ks.yaml says `VOLSYNC_CLAIM: <name>-config`, the Deployment `"${VOLSYNC_CLAIM}"`. */
export function substituteApp(dir: string, name: string, namespace: string) {
  const files = {
    [`${dir}/ks.yaml`]: ksYaml(name, dir, namespace, {
      VOLSYNC_CLAIM: `${name}-config # the claim Flux substitutes into the Deployment`,
    }),
    [`${dir}/app/kustomization.yaml`]: kustomizationYaml([
      "./deployment.yaml",
      "./pvc.yaml",
      "./volsync.yaml",
    ]),
    [`${dir}/app/deployment.yaml`]: deploymentYaml(
      name,
      `ghcr.io/example/${name}:1.0.0`,
      '"${VOLSYNC_CLAIM}"',
    ),
    [`${dir}/app/pvc.yaml`]: pvcYaml(name),
    [`${dir}/app/volsync.yaml`]: volsyncYaml(name),
  };
  const service: ServiceConfig = {
    name,
    namespace,
    dir,
    config: { files: [`${dir}/ks.yaml`, `${dir}/app/volsync.yaml`] },
  };
  return { files, service, kustomization: name };
}

/** HelmRelease style: `spec.values.persistence.existingClaim`, chart from this repository. */
export function helmReleaseApp(dir: string, name: string, namespace: string) {
  const files = {
    [`${dir}/ks.yaml`]: ksYaml(name, dir, namespace),
    [`${dir}/app/kustomization.yaml`]: kustomizationYaml([
      "./helmrelease.yaml",
      "./pvc.yaml",
      "./volsync.yaml",
    ]),
    [`${dir}/app/helmrelease.yaml`]: `---
apiVersion: helm.toolkit.fluxcd.io/v2
kind: HelmRelease
metadata:
  name: ${name}
spec:
  interval: 10m
  chart:
    spec:
      chart: ./${chartPath}
      sourceRef:
        kind: GitRepository
        name: flux-system
        namespace: flux-system
  install:
    remediation:
      retries: 3
  upgrade:
    cleanupOnFail: true
    remediation:
      retries: 3
  values:
    image: ghcr.io/example/${name}:1.0.0
    persistence:
      existingClaim: ${name}-config # primary on w1
`,
    [`${dir}/app/pvc.yaml`]: pvcYaml(name),
    [`${dir}/app/volsync.yaml`]: volsyncYaml(name),
  };
  const service: ServiceConfig = {
    name,
    namespace,
    dir,
    config: {
      workload: { kind: "HelmRelease", name },
      files: [`${dir}/app/helmrelease.yaml`, `${dir}/app/volsync.yaml`],
    },
  };
  return { files, service, kustomization: name };
}

/** A plain Deployment whose forward ReplicationDestination is `ssa: IfNotPresent` in Git. */
export function ifNotPresentApp(dir: string, name: string, namespace: string) {
  const files = {
    [`${dir}/ks.yaml`]: ksYaml(name, dir, namespace),
    [`${dir}/app/kustomization.yaml`]: kustomizationYaml([
      "./deployment.yaml",
      "./pvc.yaml",
      "./volsync.yaml",
    ]),
    [`${dir}/app/deployment.yaml`]: deploymentYaml(name, `ghcr.io/example/${name}:1.0.0`),
    [`${dir}/app/pvc.yaml`]: pvcYaml(name),
    [`${dir}/app/volsync.yaml`]: volsyncYaml(name, { ifNotPresent: true }),
  };
  const service: ServiceConfig = {
    name,
    namespace,
    dir,
    config: { files: [`${dir}/app/deployment.yaml`, `${dir}/app/volsync.yaml`] },
  };
  return { files, service, kustomization: name };
}

/** The chart: one Deployment named after the release (Recreate, the claim from the values). */
export function chartFiles(): Record<string, string> {
  return {
    [`${chartPath}/Chart.yaml`]:
      "apiVersion: v2\nname: app\ndescription: One app on one claim\nversion: 0.1.0\n",
    [`${chartPath}/values.yaml`]: 'image: ghcr.io/example/app:1.0.0\npersistence:\n  existingClaim: ""\n',
    [`${chartPath}/templates/deployment.yaml`]: `apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ .Release.Name }}
  labels:
    app.kubernetes.io/name: {{ .Release.Name }}
spec:
  replicas: 1
  strategy:
    type: Recreate
  selector:
    matchLabels:
      app.kubernetes.io/name: {{ .Release.Name }}
  template:
    metadata:
      labels:
        app.kubernetes.io/name: {{ .Release.Name }}
    spec:
      terminationGracePeriodSeconds: ${terminationGracePeriodSeconds}
      containers:
        - name: app
          image: {{ .Values.image }}
          volumeMounts:
            - name: config
              mountPath: /config
      volumes:
        - name: config
          persistentVolumeClaim:
            claimName: {{ required "persistence.existingClaim is required" .Values.persistence.existingClaim }}
`,
  };
}
