import { describe, expect, it } from "vitest";
import { readRole } from "../../src/domain/read-role.js";
import { scanService } from "../../src/manifests/scan-service.js";
import { serviceSpec } from "../support/service-spec.js";
import { switchFiles } from "../support/switch.js";

const deployment = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: sonarr
spec:
  strategy:
    type: Recreate
  template:
    spec:
      containers:
        - name: app
          image: ghcr.io/home-operations/sonarr:4.0
      volumes:
        - name: config
          persistentVolumeClaim:
            claimName: sonarr-config # primary on w1
        - name: media
          nfs: { server: nas, path: /media }
`;

describe("scanService: pod template volumes", () => {
  it("promotes by rewriting only the claim scalar and keeps the comment", () => {
    const spec = serviceSpec();
    const { after, diff, plan } = switchFiles(spec, { "app.yaml": deployment }, "backup");
    expect(plan.from).toBe("primary");
    expect(after["app.yaml"]).toBe(
      deployment.replace("claimName: sonarr-config #", "claimName: sonarr-config-backup #"),
    );
    expect(diff).toBe(
      [
        "--- a/app.yaml",
        "+++ b/app.yaml",
        "@@ -13,6 +13,6 @@",
        "       volumes:",
        "         - name: config",
        "           persistentVolumeClaim:",
        "-            claimName: sonarr-config # primary on w1",
        "+            claimName: sonarr-config-backup # primary on w1",
        "         - name: media",
        "           nfs: { server: nas, path: /media }",
        "",
      ].join("\n"),
    );
  });

  it("keeps double and single quotes and flow style", () => {
    const text = deployment
      .replace("claimName: sonarr-config # primary on w1", 'claimName: "sonarr-config"')
      .replace("nfs: { server: nas, path: /media }", "persistentVolumeClaim: {claimName: 'sonarr-cache'}");
    const spec = serviceSpec({
      claims: [
        { primary: "sonarr-config", backup: "sonarr-config-backup" },
        { primary: "sonarr-cache", backup: "sonarr-cache-backup" },
      ],
    });
    const { after } = switchFiles(spec, { "app.yaml": text }, "backup");
    expect(after["app.yaml"]).toContain('claimName: "sonarr-config-backup"');
    expect(after["app.yaml"]).toContain("persistentVolumeClaim: {claimName: 'sonarr-cache-backup'}");
  });

  it("finds claims in CronJob, Pod, StatefulSet, DaemonSet and Job templates", () => {
    const docs = [
      ["CronJob", "spec:\n  jobTemplate:\n    spec:\n      template:\n        spec:\n"],
      ["Pod", "spec:\n"],
      ["StatefulSet", "spec:\n  template:\n    spec:\n"],
    ] as const;
    for (const [kind, prefix] of docs) {
      const indent = " ".repeat(prefix.split("\n").length * 2 - 2);
      const text = `kind: ${kind}\nmetadata:\n  name: x\n${prefix}${indent}volumes:\n${indent}  - name: c\n${indent}    persistentVolumeClaim:\n${indent}      claimName: sonarr-config\n`;
      const { after, analysis } = switchFiles(serviceSpec(), { "app.yaml": text }, "backup");
      expect(analysis.refusals, kind).toEqual([]);
      expect(after["app.yaml"], kind).toBe(text.replace("sonarr-config", "sonarr-config-backup"));
    }
  });

  it("preserves CRLF line endings and a missing final newline", () => {
    const crlf = deployment.replace(/\n/g, "\r\n").replace(/\r\n$/, "");
    const { after, diff } = switchFiles(serviceSpec(), { "app.yaml": crlf }, "backup");
    const out = after["app.yaml"] ?? "";
    expect(out).toBe(crlf.replace("sonarr-config #", "sonarr-config-backup #"));
    expect(out.split("\r\n").length).toBe(crlf.split("\r\n").length);
    expect(out.endsWith("/media }")).toBe(true);
    expect(diff).not.toContain("\r");
  });

  it("marks a missing final newline in the diff when the last line changes", () => {
    const text =
      "kind: Pod\nmetadata:\n  name: x\nspec:\n  volumes:\n    - persistentVolumeClaim:\n        claimName: sonarr-config";
    const { diff, after } = switchFiles(serviceSpec(), { "app.yaml": text }, "backup");
    expect(after["app.yaml"]?.endsWith("claimName: sonarr-config-backup")).toBe(true);
    expect(diff).toContain(
      "-        claimName: sonarr-config\n\\ No newline at end of file\n+        claimName: sonarr-config-backup\n\\ No newline at end of file\n",
    );
  });
});

describe("scanService: anchors", () => {
  it("rewrites an anchored claim once when every use is a claim reference", () => {
    const text = `kind: Deployment
metadata: {name: bazarr}
spec:
  template:
    spec:
      volumes:
        - persistentVolumeClaim:
            claimName: &claim sonarr-config
        - persistentVolumeClaim:
            claimName: *claim
`;
    const { after, analysis } = switchFiles(serviceSpec(), { "app.yaml": text }, "backup");
    expect(analysis.refusals).toEqual([]);
    expect(after["app.yaml"]).toBe(text.replace("&claim sonarr-config", "&claim sonarr-config-backup"));
  });

  it("refuses an anchor also used for a non-claim value, naming file, line and both places", () => {
    const text = `kind: Deployment
metadata:
  name: bazarr
  labels:
    app.kubernetes.io/instance: *claim
spec:
  template:
    spec:
      volumes:
        - persistentVolumeClaim:
            claimName: &claim sonarr-config
`;
    // An alias before its anchor is a YAML error; put the label after the volume instead.
    const ordered = text
      .replace("  labels:\n    app.kubernetes.io/instance: *claim\n", "")
      .concat("      nodeName: *claim\n");
    const analysis = scanService(serviceSpec(), new Map([["app.yaml", ordered]]));
    expect(analysis.refusals).toEqual([
      "app.yaml:9 Deployment/bazarr spec.template.spec.volumes[0].persistentVolumeClaim.claimName: the value is anchor &claim, which is also used at spec.template.spec.nodeName (not a claim reference); rewriting it would change that too",
    ]);
    expect(readRole(serviceSpec(), analysis).role).toBe("unknown");
  });
});

describe("scanService: HelmRelease and Flux Kustomization", () => {
  it("rewrites existingClaim at any depth of spec.values and hostname pins in values", () => {
    const text = `apiVersion: helm.toolkit.fluxcd.io/v2
kind: HelmRelease
metadata:
  name: plex
spec:
  values:
    defaultPodOptions:
      nodeSelector:
        kubernetes.io/hostname: w1
    persistence:
      config:
        existingClaim: plex-config
      cache:
        existingClaim: plex-cache # cache
    server:
      deep:
        persistence: {existingClaim: plex-other}
`;
    const spec = serviceSpec({
      name: "plex",
      files: ["hr.yaml"],
      claims: [
        { primary: "plex-config", backup: "plex-config-backup" },
        { primary: "plex-cache", backup: "plex-cache-backup" },
        { primary: "plex-other", backup: "plex-other-backup" },
      ],
    });
    const { after, plan } = switchFiles(spec, { "hr.yaml": text }, "backup");
    expect(plan.splices.map((s) => s.reference.kind)).toEqual(["node-pin", "claim", "claim", "claim"]);
    expect(after["hr.yaml"]).toBe(
      text
        .replace("hostname: w1", "hostname: w2")
        .replace("existingClaim: plex-config", "existingClaim: plex-config-backup")
        .replace("plex-cache #", "plex-cache-backup #")
        .replace("{existingClaim: plex-other}", "{existingClaim: plex-other-backup}"),
    );
  });

  it("rewrites a postBuild.substitute value equal to the claim, not other values", () => {
    const text = `apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata:
  name: &app sonarr
spec:
  postBuild:
    substitute:
      APP: *app
      VOLSYNC_CLAIM: sonarr-config
      VOLSYNC_CAPACITY: 5Gi
`;
    const { after } = switchFiles(serviceSpec({ files: ["ks.yaml"] }), { "ks.yaml": text }, "backup");
    expect(after["ks.yaml"]).toBe(
      text.replace("VOLSYNC_CLAIM: sonarr-config", "VOLSYNC_CLAIM: sonarr-config-backup"),
    );
  });
});

describe("scanService: node pins", () => {
  it("flips nodeSelector and nodeAffinity hostname values together with the claim", () => {
    const text = `kind: Deployment
metadata: {name: sonarr}
spec:
  template:
    spec:
      nodeSelector:
        kubernetes.io/hostname: w1
      affinity:
        nodeAffinity:
          requiredDuringSchedulingIgnoredDuringExecution:
            nodeSelectorTerms:
              - matchExpressions:
                  - key: kubernetes.io/hostname
                    operator: In
                    values: [w1]
      volumes:
        - persistentVolumeClaim: {claimName: sonarr-config}
`;
    const { after } = switchFiles(serviceSpec(), { "app.yaml": text }, "backup");
    expect(after["app.yaml"]).toBe(
      text
        .replace("hostname: w1", "hostname: w2")
        .replace("values: [w1]", "values: [w2]")
        .replace("{claimName: sonarr-config}", "{claimName: sonarr-config-backup}"),
    );
  });
});

describe("scanService: replication objects", () => {
  const rd = `apiVersion: volsync.backube/v1alpha1
kind: ReplicationDestination
metadata:
  name: sonarr-config-backup
spec:
  trigger:
    schedule: "0 * * * *"
  rsyncTLS:
    destinationPVC: sonarr-config-backup
`;
  const rs = `---
apiVersion: volsync.backube/v1alpha1
kind: ReplicationSource
metadata:
  name: sonarr-config-reverse
spec:
  paused: true
  sourcePVC: sonarr-config-backup
`;
  const replication = [
    { kind: "ReplicationDestination" as const, name: "sonarr-config-backup", direction: "forward" as const },
    { kind: "ReplicationSource" as const, name: "sonarr-config-reverse", direction: "reverse" as const },
  ];

  it("inserts spec.paused when absent and flips an existing one", () => {
    const files = { "app.yaml": deployment, "volsync.yaml": rd + rs };
    const spec = serviceSpec({ files: ["app.yaml", "volsync.yaml"], replication });
    const { after, diff } = switchFiles(spec, files, "backup");
    expect(after["volsync.yaml"]).toBe(
      rd.replace("spec:\n  trigger:", "spec:\n  paused: true\n  trigger:") +
        rs.replace("paused: true", "paused: false"),
    );
    expect(diff).toContain("+  paused: true\n");
    expect(diff).toContain("-  paused: true\n+  paused: false\n");
  });

  it("inserts with CRLF when the file uses CRLF", () => {
    const crlf = (deployment + "---\n" + rd).replace(/\n/g, "\r\n");
    const spec = serviceSpec({ replication: replication.slice(0, 1) });
    const { after } = switchFiles(spec, { "app.yaml": crlf }, "backup");
    expect(after["app.yaml"]).toContain("spec:\r\n  paused: true\r\n  trigger:");
  });

  it("reports a missing replication object naming it and the files", () => {
    const spec = serviceSpec({ replication });
    const analysis = scanService(spec, new Map([["app.yaml", deployment]]));
    expect(analysis.refusals).toEqual([
      "replication[0]: ReplicationDestination/sonarr-config-backup not found in app.yaml",
      "replication[1]: ReplicationSource/sonarr-config-reverse not found in app.yaml",
    ]);
  });

  it("notes objects labelled ssa: IfNotPresent", () => {
    const labelled = rd.replace(
      "  name: sonarr-config-backup\n",
      "  name: sonarr-config-backup\n  labels:\n    kustomize.toolkit.fluxcd.io/ssa: IfNotPresent\n",
    );
    const spec = serviceSpec({ files: ["app.yaml", "rd.yaml"], replication: replication.slice(0, 1) });
    const analysis = scanService(
      spec,
      new Map([
        ["app.yaml", deployment],
        ["rd.yaml", labelled],
      ]),
    );
    expect(analysis.ssaIfNotPresent).toEqual(["rd.yaml: ReplicationDestination/sonarr-config-backup"]);
  });
});

describe("scanService: refusals", () => {
  it("refuses a claim that only appears in volumeClaimTemplates", () => {
    const text = `kind: StatefulSet
metadata:
  name: postgres
spec:
  volumeClaimTemplates:
    - metadata:
        name: data
      spec: {accessModes: [ReadWriteOnce]}
`;
    const spec = serviceSpec({
      name: "postgres",
      claims: [{ primary: "data-postgres-0", backup: "data-postgres-0-backup" }],
    });
    const analysis = scanService(spec, new Map([["app.yaml", text]]));
    expect(analysis.refusals).toEqual([
      'app.yaml:7 StatefulSet/postgres spec.volumeClaimTemplates[0]: claims[0] "data-postgres-0" appears only in volumeClaimTemplates, which are immutable on a StatefulSet; reference it from the pod template\'s volumes or a HelmRelease existingClaim instead',
    ]);
  });

  it("refuses a missing file and an unreferenced claim", () => {
    const spec = serviceSpec({
      files: ["app.yaml", "gone.yaml"],
      claims: [{ primary: "other", backup: "other-b" }],
    });
    const analysis = scanService(spec, new Map([["app.yaml", deployment]]));
    expect(analysis.refusals).toEqual(["gone.yaml: file not found in the repository"]);
    const unreferenced = scanService(
      serviceSpec({ claims: [{ primary: "other", backup: "other-b" }] }),
      new Map([["app.yaml", deployment]]),
    );
    expect(unreferenced.refusals).toEqual([
      'claims[0]: neither "other" nor "other-b" is referenced in app.yaml',
    ]);
  });

  it("refuses a file that is not valid YAML, naming the line", () => {
    const analysis = scanService(serviceSpec(), new Map([["app.yaml", "kind: Pod\nspec:\n  - a\n b: [\n"]]));
    expect(analysis.refusals[0]).toMatch(/^app\.yaml:\d+: YAML error: /);
  });
});

describe("explicit edits", () => {
  const edit = {
    file: "app.yaml",
    select: { kind: "Deployment", name: "sonarr" },
    path: ["spec", "template", "spec", "containers", 0, "env", 0, "value"],
    pathText: "spec.template.spec.containers[0].env[0].value",
    primary: "w1",
    backup: "w2",
  };
  const text = deployment.replace(
    "          image: ghcr.io/home-operations/sonarr:4.0\n",
    '          image: ghcr.io/home-operations/sonarr:4.0\n          env:\n            - name: PRIMARY_NODE\n              value: "w1"\n',
  );

  it("rewrites the scalar at the path, keeping its quotes", () => {
    const { after } = switchFiles(serviceSpec({ edits: [edit] }), { "app.yaml": text }, "backup");
    expect(after["app.yaml"]).toBe(
      text.replace('value: "w1"', 'value: "w2"').replace("sonarr-config #", "sonarr-config-backup #"),
    );
  });

  it("refuses a path that does not exist and a value that matches neither side", () => {
    const missing = { ...edit, path: ["spec", "nope"], pathText: "spec.nope" };
    const wrong = { ...edit, primary: "a", backup: "b" };
    const analysis = scanService(serviceSpec({ edits: [missing, wrong] }), new Map([["app.yaml", text]]));
    expect(analysis.refusals).toEqual([
      "app.yaml: edits[0]: Deployment/sonarr spec.nope: path not found",
      'app.yaml: edits[1]: Deployment/sonarr spec.template.spec.containers[0].env[0].value: value "w1" is neither the primary value "a" nor the backup value "b"',
    ]);
  });

  it("refuses an edit whose selected object is not in the file", () => {
    const other = { ...edit, select: { kind: "Deployment", name: "radarr" } };
    const analysis = scanService(serviceSpec({ edits: [other] }), new Map([["app.yaml", text]]));
    expect(analysis.refusals).toEqual(["app.yaml: edits[0]: no Deployment/radarr in this file"]);
  });
});

describe("readRole", () => {
  const two = serviceSpec({
    claims: [
      { primary: "sonarr-config", backup: "sonarr-config-backup" },
      { primary: "sonarr-cache", backup: "sonarr-cache-backup" },
    ],
  });
  const volumes = (a: string, b: string) =>
    `kind: Pod\nmetadata: {name: sonarr}\nspec:\n  nodeSelector: {kubernetes.io/hostname: w1}\n  volumes:\n    - persistentVolumeClaim: {claimName: ${a}}\n    - persistentVolumeClaim: {claimName: ${b}}\n`;
  const role = (text: string) => readRole(two, scanService(two, new Map([["app.yaml", text]])));

  it("reads primary, backup, mixed and unknown", () => {
    expect(role(volumes("sonarr-config", "sonarr-cache")).role).toBe("primary");
    const backup = role(volumes("sonarr-config-backup", "sonarr-cache-backup"));
    expect(backup.role).toBe("backup");
    expect(backup.problems).toEqual([
      'app.yaml:4 Pod/sonarr spec.nodeSelector["kubernetes.io/hostname"]: node pin reads "w1" but the service is on backup (expected "w2"); the next switch rewrites it',
    ]);
    const mixed = role(volumes("sonarr-config-backup", "sonarr-cache"));
    expect(mixed.role).toBe("mixed");
    expect(mixed.activeClaims).toEqual(["sonarr-config-backup", "sonarr-cache"]);
    expect(mixed.problems[0]).toContain("references disagree");
    const unknown = role(volumes("sonarr-config", "something-else"));
    expect(unknown.role).toBe("unknown");
    expect(unknown.problems).toEqual([
      'claims[1]: neither "sonarr-cache" nor "sonarr-cache-backup" is referenced in app.yaml',
    ]);
  });
});
