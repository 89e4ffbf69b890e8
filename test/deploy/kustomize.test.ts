import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { parseAllDocuments, parse as parseYaml } from "yaml";
import { parseConfig } from "../../src/config/parse-config.js";

const repoRoot = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const kubectl = process.env["KUBECTL"] ?? "kubectl";

type Labels = Record<string, string>;

interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Labels };
  [key: string]: unknown;
}

interface LabelSelector {
  matchLabels: Labels;
}

interface Probe {
  httpGet: { path: string; port: number | string };
}

interface VolumeMount {
  name: string;
  mountPath: string;
  readOnly?: boolean;
  subPath?: string;
}

interface Volume {
  name: string;
  emptyDir?: Record<string, unknown>;
  configMap?: { name: string };
  secret?: { secretName: string; defaultMode?: number };
}

interface Container {
  image: string;
  args?: string[];
  env?: { name: string; value?: string }[];
  ports?: { name?: string; containerPort: number }[];
  livenessProbe: Probe;
  readinessProbe: Probe;
  resources: { requests?: Record<string, string>; limits?: Record<string, string> };
  securityContext: {
    readOnlyRootFilesystem?: boolean;
    allowPrivilegeEscalation?: boolean;
    privileged?: boolean;
    capabilities?: { drop?: string[]; add?: string[] };
  };
  volumeMounts: VolumeMount[];
}

interface PodSpec {
  serviceAccountName?: string;
  automountServiceAccountToken?: boolean;
  hostNetwork?: boolean;
  securityContext: Record<string, unknown>;
  topologySpreadConstraints?: {
    topologyKey: string;
    whenUnsatisfiable: string;
    labelSelector: LabelSelector;
  }[];
  affinity?: {
    podAntiAffinity?: {
      requiredDuringSchedulingIgnoredDuringExecution?: {
        topologyKey: string;
        labelSelector: LabelSelector;
      }[];
    };
  };
  containers: Container[];
  volumes: Volume[];
}

interface Deployment extends K8sObject {
  spec: {
    replicas: number;
    selector: LabelSelector;
    template: { metadata: { labels: Labels }; spec: PodSpec };
  };
}

interface PolicyRule {
  apiGroups?: string[];
  resources?: string[];
  verbs: string[];
  resourceNames?: string[];
  nonResourceURLs?: string[];
}

interface Subject {
  kind: string;
  name: string;
  namespace?: string;
}

interface Binding extends K8sObject {
  roleRef: { kind: string; name: string };
  subjects: Subject[];
}

interface NetworkPolicyRule {
  ports?: { protocol?: string; port: number | string }[];
}

interface NetworkPolicy extends K8sObject {
  spec: {
    podSelector: LabelSelector;
    policyTypes: string[];
    ingress: NetworkPolicyRule[];
    egress: NetworkPolicyRule[];
  };
}

interface Service extends K8sObject {
  spec: { selector: Labels; ports: { name?: string; port: number; targetPort: number | string }[] };
}

/** Cluster-scoped kinds that may appear in the manifests; everything else is namespaced. */
const clusterScoped = new Set(["Namespace", "ClusterRole", "ClusterRoleBinding"]);

/** SPEC section 9: the complete set of (apiGroup, resource, verb) the server may hold. */
const read = ["get", "list", "watch"];
const allowedGrants = new Set<string>([
  ...read.map((v) => grant("", "nodes", v)),
  ...read.map((v) => grant("", "pods", v)),
  ...read.map((v) => grant("volsync.backube", "replicationsources", v)),
  ...read.map((v) => grant("volsync.backube", "replicationdestinations", v)),
  ...[...read, "patch"].map((v) => grant("source.toolkit.fluxcd.io", "gitrepositories", v)),
  ...[...read, "patch"].map((v) => grant("kustomize.toolkit.fluxcd.io", "kustomizations", v)),
  ...[...read, "create", "update", "patch"].map((v) => grant("coordination.k8s.io", "leases", v)),
  grant("events.k8s.io", "events", "create"),
]);
const writeVerbs = ["create", "update", "delete", "deletecollection", "escalate", "bind", "impersonate"];

function grant(group: string, resource: string, verb: string): string {
  return `${group}/${resource}:${verb}`;
}

function kustomize(dir: string): string {
  try {
    execFileSync(kubectl, ["version", "--client"], { stdio: "pipe" });
  } catch {
    throw new Error(
      `kubectl not found (tried "${kubectl}"): these tests need it to build deploy/ with ` +
        "`kubectl kustomize`. Install kubectl (https://kubernetes.io/docs/tasks/tools/) " +
        "or point KUBECTL at it.",
    );
  }
  return execFileSync(kubectl, ["kustomize", join(repoRoot, dir)], { encoding: "utf8", stdio: "pipe" });
}

function parseObjects(text: string): K8sObject[] {
  return parseAllDocuments(text)
    .map((doc) => {
      expect(doc.errors).toEqual([]);
      return doc.toJS() as K8sObject | null;
    })
    .filter((o): o is K8sObject => o !== null);
}

function one<T extends K8sObject = K8sObject>(objects: K8sObject[], kind: string, name?: string): T {
  const found = objects.filter((o) => o.kind === kind && (name === undefined || o.metadata.name === name));
  expect(found, `exactly one ${kind}${name ? `/${name}` : ""}`).toHaveLength(1);
  return found[0] as T;
}

function all(objects: K8sObject[], kind: string): K8sObject[] {
  return objects.filter((o) => o.kind === kind);
}

function deployment(objects: K8sObject[]): Deployment {
  return one<Deployment>(objects, "Deployment", "failover-api");
}

function podLabels(objects: K8sObject[]): Labels {
  return deployment(objects).spec.template.metadata.labels;
}

function podSpec(objects: K8sObject[]): PodSpec {
  return deployment(objects).spec.template.spec;
}

function container(objects: K8sObject[]): Container {
  const containers = podSpec(objects).containers;
  expect(containers).toHaveLength(1);
  return containers[0]!;
}

function mountAt(objects: K8sObject[], path: string): { mount?: VolumeMount; volume?: Volume } {
  const mount = container(objects).volumeMounts.find((m) => m.mountPath.replace(/\/$/, "") === path);
  const volume = podSpec(objects).volumes.find((v) => v.name === mount?.name);
  return { mount, volume };
}

function selects(selector: Labels, labels: Labels): boolean {
  return Object.entries(selector).every(([k, v]) => labels[k] === v);
}

function configText(objects: K8sObject[]): string {
  const cm = one<K8sObject & { data?: Record<string, string> }>(objects, "ConfigMap", "failover-api-config");
  const text = cm.data?.["config.yaml"];
  expect(typeof text).toBe("string");
  return text!;
}

const builds = new Map<string, K8sObject[]>();

/** Builds lazily, so a missing kubectl fails every test with the install hint. */
function build(dir: string): K8sObject[] {
  let objects = builds.get(dir);
  if (objects === undefined) {
    objects = parseObjects(kustomize(dir));
    builds.set(dir, objects);
  }
  return objects;
}

const base = (): K8sObject[] => build("deploy");
const overlay = (): K8sObject[] => build("deploy/overlays/homelab");

describe("deploy base (kubectl kustomize deploy)", () => {
  it("sets no namespace on namespaced objects and contains no Secret", () => {
    for (const o of base()) {
      if (!clusterScoped.has(o.kind))
        expect(o.metadata.namespace, `${o.kind}/${o.metadata.name}`).toBeUndefined();
    }
    expect(all(base(), "Secret")).toEqual([]);
    expect(all(base(), "Namespace")).toEqual([]);
  });

  it("runs at least 2 replicas spread across nodes", () => {
    expect(deployment(base()).spec.replicas).toBeGreaterThanOrEqual(2);
    const spec = podSpec(base());
    const labels = podLabels(base());
    const spread = (spec.topologySpreadConstraints ?? []).filter(
      (c) =>
        c.topologyKey === "kubernetes.io/hostname" &&
        c.whenUnsatisfiable === "DoNotSchedule" &&
        selects(c.labelSelector.matchLabels, labels),
    );
    const antiAffinity = (
      spec.affinity?.podAntiAffinity?.requiredDuringSchedulingIgnoredDuringExecution ?? []
    ).filter(
      (t) => t.topologyKey === "kubernetes.io/hostname" && selects(t.labelSelector.matchLabels, labels),
    );
    expect(spread.length + antiAffinity.length).toBeGreaterThan(0);
  });

  it("has a PodDisruptionBudget selecting the pods", () => {
    const pdb = one<K8sObject & { spec: { selector: LabelSelector; minAvailable?: number } }>(
      base(),
      "PodDisruptionBudget",
    );
    expect(selects(pdb.spec.selector.matchLabels, podLabels(base()))).toBe(true);
    expect(pdb.spec.minAvailable).toBe(1);
  });

  it("probes /healthz for liveness and /readyz for readiness on 8080", () => {
    const c = container(base());
    expect(c.livenessProbe.httpGet).toMatchObject({ path: "/healthz", port: 8080 });
    expect(c.readinessProbe.httpGet).toMatchObject({ path: "/readyz", port: 8080 });
    expect(c.ports).toContainEqual(expect.objectContaining({ containerPort: 8080, name: "http" }));
  });

  it("has a restricted security context", () => {
    const spec = podSpec(base());
    expect(spec.securityContext).toMatchObject({
      runAsNonRoot: true,
      runAsUser: 65532,
      runAsGroup: 65532,
      seccompProfile: { type: "RuntimeDefault" },
    });
    const c = container(base());
    expect(c.securityContext).toMatchObject({
      readOnlyRootFilesystem: true,
      allowPrivilegeEscalation: false,
      capabilities: { drop: ["ALL"] },
    });
    expect(c.securityContext.capabilities?.add).toBeUndefined();
    expect(c.securityContext.privileged ?? false).toBe(false);
    expect(spec.hostNetwork ?? false).toBe(false);
    expect(spec.serviceAccountName).toBe("failover-api");
    expect(spec.automountServiceAccountToken).toBe(true);
  });

  it("sets resource requests and a memory limit", () => {
    const { requests, limits } = container(base()).resources;
    expect(requests?.["cpu"]).toBeDefined();
    expect(requests?.["memory"]).toBeDefined();
    expect(limits?.["memory"]).toBeDefined();
  });

  it("writes only to emptyDirs at the data dir and /tmp; mounts config and secrets read-only", () => {
    for (const path of ["/var/lib/failover-api", "/tmp"]) {
      expect(mountAt(base(), path).volume?.emptyDir, path).toBeDefined();
    }
    expect(mountAt(base(), "/etc/failover-api").volume?.configMap?.name).toBe("failover-api-config");
    const gitKey = mountAt(base(), "/etc/failover-api/git").volume?.secret;
    expect(gitKey?.secretName).toBe("failover-api-git");
    expect(gitKey?.defaultMode).toBe(0o400);
    const tokens = mountAt(base(), "/etc/failover-api/auth").volume?.secret;
    expect(tokens?.secretName).toBe("failover-api-tokens");
    for (const path of ["/etc/failover-api", "/etc/failover-api/git", "/etc/failover-api/auth"]) {
      const { mount } = mountAt(base(), path);
      expect(mount?.readOnly, path).toBe(true);
      expect(mount?.subPath, `${path}: no subPath, so updates reach the pod`).toBeUndefined();
    }
    const writable = container(base()).volumeMounts.filter((m) => m.readOnly !== true);
    expect(new Set(writable.map((m) => m.mountPath))).toEqual(new Set(["/var/lib/failover-api", "/tmp"]));
    expect(container(base()).env).toContainEqual({
      name: "FAILOVER_API_CONFIG",
      value: "/etc/failover-api/config.yaml",
    });
  });

  it("ships a config.yaml the application accepts", () => {
    const config = parseConfig(configText(base()), "deploy/base/configmap.yaml");
    expect(config.git.url).toBe("ssh://git@github.com/acme/homelab.git");
    expect(config.git.sshKeyFile).toBe("/etc/failover-api/git/identity");
    expect(config.git.knownHostsFile).toBe("/etc/failover-api/git/known_hosts");
    expect(config.git.dataDir).toBe("/var/lib/failover-api");
    expect(config.auth).toMatchObject({ mode: "token", tokensFile: "/etc/failover-api/auth/tokens.yaml" });
    expect(config.services.map((s) => s.name)).toContain("sonarr");
  });

  it("grants only the RBAC of SPEC section 9", () => {
    const roles = [...all(base(), "ClusterRole"), ...all(base(), "Role")] as (K8sObject & {
      rules: PolicyRule[];
    })[];
    expect(roles.length).toBeGreaterThan(0);
    const granted = new Set<string>();
    for (const role of roles) {
      const where = `${role.kind}/${role.metadata.name}`;
      for (const rule of role.rules) {
        expect(rule.nonResourceURLs, where).toBeUndefined();
        const groups = rule.apiGroups ?? [];
        const resources = rule.resources ?? [];
        for (const x of [...groups, ...resources, ...rule.verbs])
          expect(x, `${where}: wildcard`).not.toBe("*");
        for (const group of groups) {
          for (const resource of resources) {
            expect(resource, where).not.toBe("secrets");
            expect(resource.includes("/"), `${where}: subresource ${resource}`).toBe(false);
            // Leases only through a namespaced Role, never cluster-wide.
            if (resource === "leases") expect(role.kind, where).toBe("Role");
            for (const verb of rule.verbs) {
              granted.add(grant(group, resource, verb));
              // Writes only on leases, plus creating Events (automation decisions).
              if (writeVerbs.includes(verb) && !(resource === "events" && verb === "create"))
                expect(resource, `${where}: ${verb} only on leases`).toBe("leases");
            }
          }
        }
      }
    }
    expect([...granted].filter((g) => !allowedGrants.has(g))).toEqual([]);
    // And everything the server needs is there.
    expect([...allowedGrants].filter((g) => !granted.has(g))).toEqual([]);
  });

  it("binds the roles to the failover-api ServiceAccount", () => {
    one(base(), "ServiceAccount", "failover-api");
    const sa = expect.objectContaining({ kind: "ServiceAccount", name: "failover-api" });
    const crb = one<Binding>(base(), "ClusterRoleBinding", "failover-api");
    expect(crb.roleRef).toMatchObject({ kind: "ClusterRole", name: "failover-api" });
    expect(crb.subjects).toEqual([sa]);
    const rb = one<Binding>(base(), "RoleBinding");
    expect(rb.roleRef).toMatchObject({ kind: "Role", name: one(base(), "Role").metadata.name });
    expect(rb.subjects).toEqual([sa]);
  });

  it("allows ingress only to TCP 8080 and egress only to DNS, the API server and the Git host", () => {
    const np = one<NetworkPolicy>(base(), "NetworkPolicy", "failover-api");
    expect(selects(np.spec.podSelector.matchLabels, podLabels(base()))).toBe(true);
    expect(np.spec.policyTypes).toEqual(expect.arrayContaining(["Ingress", "Egress"]));
    const ports = (rules: NetworkPolicyRule[]): Set<string> =>
      new Set(
        rules.flatMap((r) => {
          expect(r.ports?.length, "every rule names its ports").toBeGreaterThan(0);
          return (r.ports ?? []).map((p) => `${p.protocol ?? "TCP"}/${p.port}`);
        }),
      );
    expect(ports(np.spec.ingress)).toEqual(new Set(["TCP/8080"]));
    expect(ports(np.spec.egress)).toEqual(new Set(["UDP/53", "TCP/53", "TCP/443", "TCP/6443", "TCP/22"]));
  });

  it("marks the image line for Flux image automation in the raw manifest", () => {
    const raw = readFileSync(join(repoRoot, "deploy/base/deployment.yaml"), "utf8");
    expect(raw).toMatch(
      /^\s*image: ghcr\.io\/failover-api\/failover-api:\S+ # \{"\$imagepolicy": "flux-system:failover-api"\}$/m,
    );
  });
});

describe("homelab overlay (kubectl kustomize deploy/overlays/homelab)", () => {
  it("puts every namespaced object in operations and includes the Namespace", () => {
    for (const o of overlay()) {
      if (!clusterScoped.has(o.kind))
        expect(o.metadata.namespace, `${o.kind}/${o.metadata.name}`).toBe("operations");
    }
    one(overlay(), "Namespace", "operations");
    const crb = one<Binding>(overlay(), "ClusterRoleBinding", "failover-api");
    expect(crb.subjects.map((s) => s.namespace)).toEqual(["operations"]);
    const rb = one<Binding>(overlay(), "RoleBinding");
    for (const s of rb.subjects) expect([undefined, "operations"]).toContain(s.namespace);
  });

  it("exposes Service failover-api on port 80 → 8080", () => {
    const svc = one<Service>(overlay(), "Service", "failover-api");
    expect(svc.spec.ports).toEqual([expect.objectContaining({ name: "http", port: 80, targetPort: 8080 })]);
    expect(selects(svc.spec.selector, podLabels(overlay()))).toBe(true);
  });

  it("labels the pods app=failover-api (the seed's `kubectl get pods -l app=failover-api`)", () => {
    expect(podLabels(overlay())["app"]).toBe("failover-api");
    expect(deployment(overlay()).spec.selector.matchLabels).toEqual({ app: "failover-api" });
  });

  it("mounts the config at /etc/failover-api/ and passes it to the server", () => {
    expect(mountAt(overlay(), "/etc/failover-api").volume?.configMap?.name).toBe("failover-api-config");
    const c = container(overlay());
    expect(c.args).toEqual(expect.arrayContaining(["serve", "--config", "/etc/failover-api/config.yaml"]));
    expect(c.image).toMatch(/^ghcr\.io\/failover-api\/failover-api:/);
  });

  it("carries the homelab config, which the application accepts", () => {
    const text = configText(overlay());
    expect(text).not.toBe(configText(base()));
    const config = parseConfig(text, "deploy/overlays/homelab/config-patch.yaml");
    expect(config.services.length).toBeGreaterThan(0);
    expect(config.auth.mode).toBe("token");
  });

  it("includes the monitoring component", () => {
    const sm = one<K8sObject & { spec: { endpoints: unknown[] } }>(
      overlay(),
      "ServiceMonitor",
      "failover-api",
    );
    expect(sm.spec.endpoints).toContainEqual(expect.objectContaining({ port: "http", path: "/metrics" }));
    const rule = one<K8sObject & { spec: { groups: { rules: { expr: string }[] }[] } }>(
      overlay(),
      "PrometheusRule",
      "failover-api",
    );
    const exprs = rule.spec.groups.flatMap((g) => g.rules.map((r) => r.expr));
    expect(exprs.some((e) => e.includes('failover_operations_total{result="error"}'))).toBe(true);
    expect(exprs.some((e) => e.includes("failover_replication_age_seconds"))).toBe(true);
    expect(exprs.some((e) => e.includes('failover_config_reloads_total{result="error"}'))).toBe(true);
  });

  it("marks the image tag for Flux image automation in the raw overlay", () => {
    const raw = readFileSync(join(repoRoot, "deploy/overlays/homelab/kustomization.yaml"), "utf8");
    expect(raw).toMatch(/newTag: \S+ # \{"\$imagepolicy": "flux-system:failover-api:tag"\}/);
    const kustomization = parseYaml(raw) as { namespace?: string };
    expect(kustomization.namespace).toBe("operations");
  });
});
