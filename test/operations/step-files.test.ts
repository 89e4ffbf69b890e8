import { describe, expect, it } from "vitest";
import { planQuiesce, planRestore } from "../../src/domain/planned-move-plan.js";
import { scanPlannedMove } from "../../src/manifests/scan-planned-move.js";
import { quiesceFiles, rollbackFiles, switchFilesOf, triggerFiles } from "../../src/operations/step-files.js";
import { plannedMoveProblem } from "../../src/operations/planned-move-problem.js";
import { serviceSpec } from "../support/service-spec.js";

const id = "3f1c9a2e-8b7d-4c1e-9f00-2a6b5c4d3e21";

const deployment = (replicas: string | null) => `apiVersion: apps/v1
kind: Deployment
metadata:
  name: sonarr
spec:
${replicas === null ? "" : `  replicas: ${replicas}\n`}  strategy:
    type: Recreate
  template:
    spec:
      volumes:
        - name: config
          persistentVolumeClaim:
            claimName: sonarr-config # primary on w1
`;

const volsync = (trigger: string) => `---
apiVersion: volsync.backube/v1alpha1
kind: ReplicationSource
metadata:
  name: sonarr-config
spec:
  paused: false
  sourcePVC: sonarr-config
${trigger}  rsyncTLS:
    address: volsync-rsync-tls-dst-sonarr-config-backup
    copyMethod: Direct
---
apiVersion: volsync.backube/v1alpha1
kind: ReplicationSource
metadata:
  name: sonarr-config-reverse
spec:
  paused: true
  sourcePVC: sonarr-config-backup
  trigger:
    schedule: "45 * * * *"
  rsyncTLS:
    address: volsync-rsync-tls-dst-sonarr-config-reverse
    copyMethod: Direct
---
apiVersion: volsync.backube/v1alpha1
kind: ReplicationDestination
metadata:
  name: sonarr-config-backup
spec:
  paused: false
  trigger:
    schedule: "15 * * * *"
  restic:
    repository: sonarr-volsync-secret
    destinationPVC: sonarr-config-backup
    copyMethod: Direct
`;

const spec = serviceSpec({
  files: ["app.yaml", "volsync.yaml"],
  replication: [
    { kind: "ReplicationSource", name: "sonarr-config", direction: "forward" },
    { kind: "ReplicationDestination", name: "sonarr-config-backup", direction: "forward" },
    { kind: "ReplicationSource", name: "sonarr-config-reverse", direction: "reverse" },
  ],
});

function files(replicas: string | null, trigger: string): Map<string, string> {
  return new Map([
    ["app.yaml", deployment(replicas)],
    ["volsync.yaml", volsync(trigger)],
  ]);
}

function merge(base: Map<string, string>, changed: Map<string, string>): Map<string, string> {
  return new Map([...base, ...changed]);
}

/** quiesce → final sync (sources, then destinations) → switch, or → rollback. */
function walk(start: Map<string, string>) {
  const quiesced = merge(start, quiesceFiles(start, [spec], id).changed);
  const sourced = merge(quiesced, triggerFiles(quiesced, [spec], id, "forward", "sources").changed);
  const synced = merge(sourced, triggerFiles(sourced, [spec], id, "forward", "destinations").changed);
  return { quiesced, sourced, synced };
}

const cases: { name: string; replicas: string | null; trigger: string }[] = [
  {
    name: "replicas present, trigger with a schedule",
    replicas: "1",
    trigger: '  trigger:\n    schedule: "0 * * * *"\n',
  },
  { name: "replicas absent, no trigger at all", replicas: null, trigger: "" },
  {
    name: "a quoted replica count, a manual trigger already there",
    replicas: '"2"',
    trigger: "  trigger:\n    manual: restore-once\n",
  },
];

describe("planned move steps over in-memory files", () => {
  for (const c of cases) {
    it(`${c.name}: each step writes only its values; rollback and switch restore them byte for byte`, () => {
      const start = files(c.replicas, c.trigger);
      const { quiesced, sourced, synced } = walk(start);
      expect(quiesced.get("app.yaml")).toContain(c.replicas === '"2"' ? 'replicas: "0"' : "replicas: 0\n");
      expect(quiesced.get("volsync.yaml")).toBe(start.get("volsync.yaml"));
      expect(sourced.get("app.yaml")).toBe(quiesced.get("app.yaml"));
      // The forward source gets the trigger; the reverse one and the restic destination not yet.
      const forward = scanPlannedMove(spec, sourced, id).triggers;
      expect(forward.map((t) => [t.name, t.value === id])).toEqual([
        ["sonarr-config", true],
        ["sonarr-config-backup", false],
        ["sonarr-config-reverse", false],
      ]);
      // The restic destination restores from a repository: it runs second.
      expect(scanPlannedMove(spec, synced, id).triggers.map((t) => t.value === id)).toEqual([
        true,
        true,
        false,
      ]);

      const rolledBack = merge(synced, rollbackFiles(synced, [spec], start, id).changed);
      expect(rolledBack.get("app.yaml")).toBe(start.get("app.yaml"));
      expect(rolledBack.get("volsync.yaml")).toBe(start.get("volsync.yaml"));

      const switched = merge(synced, switchFilesOf(synced, [spec], start, id, "backup").changed);
      expect(switched.get("app.yaml")).toBe(
        start.get("app.yaml")?.replace("claimName: sonarr-config #", "claimName: sonarr-config-backup #"),
      );
      const expectedVolsync = start
        .get("volsync.yaml")
        ?.split("---")
        .map((doc) =>
          doc.includes("sonarr-config-reverse")
            ? doc.replace("paused: true", "paused: false")
            : doc.replace("paused: false", "paused: true"),
        )
        .join("---");
      expect(switched.get("volsync.yaml")).toBe(expectedVolsync);
    });
  }

  it("planning a step again on its own result finds nothing to do", () => {
    const start = files("1", "");
    const { quiesced, synced } = walk(start);
    expect(quiesceFiles(quiesced, [spec], id).changed.size).toBe(0);
    expect(triggerFiles(synced, [spec], id, "forward", "sources").changed.size).toBe(0);
    const back = merge(synced, rollbackFiles(synced, [spec], start, id).changed);
    expect(rollbackFiles(back, [spec], start, id).changed.size).toBe(0);
  });

  it("keeps a change someone else pushed in between: theirs stays, ours is put back", () => {
    const start = files(null, '  trigger:\n    schedule: "0 * * * *"\n');
    const { synced } = walk(start);
    // Someone edits the schedule and the image after the final sync was triggered.
    const foreign = new Map(synced);
    foreign.set(
      "volsync.yaml",
      synced.get("volsync.yaml")!.replace('schedule: "0 * * * *"', 'schedule: "30 * * * *"'),
    );
    foreign.set("app.yaml", synced.get("app.yaml")!.replace("type: Recreate", "type: Recreate # keep"));
    const back = merge(foreign, rollbackFiles(foreign, [spec], start, id).changed);
    expect(back.get("volsync.yaml")).toBe(
      start.get("volsync.yaml")!.replace('schedule: "0 * * * *"', 'schedule: "30 * * * *"'),
    );
    expect(back.get("app.yaml")).toBe(
      start.get("app.yaml")!.replace("type: Recreate", "type: Recreate # keep"),
    );
  });

  it("leaves a replica count someone else changed after the quiesce", () => {
    const start = files("1", "");
    const { quiesced } = walk(start);
    const scaled = new Map(quiesced);
    scaled.set("app.yaml", quiesced.get("app.yaml")!.replace("replicas: 0", "replicas: 3"));
    const plan = planRestore(scanPlannedMove(spec, scaled, id), scanPlannedMove(spec, start, id));
    expect(plan.edits).toEqual([]);
  });

  it("keeps CRLF line endings when it inserts and removes keys", () => {
    const crlf = new Map([...files(null, "")].map(([f, t]) => [f, t.replace(/\n/g, "\r\n")]));
    const { quiesced, synced } = walk(crlf);
    expect(quiesced.get("app.yaml")).toContain("  replicas: 0\r\n  strategy:");
    expect(synced.get("volsync.yaml")).toContain(`  trigger:\r\n    manual: ${id}\r\n  paused: false`);
    const back = merge(synced, rollbackFiles(synced, [spec], crlf, id).changed);
    expect(back).toEqual(crlf);
  });

  it("uses `quiesce` edits for a HelmRelease, typed like the value they replace", () => {
    const helm = `apiVersion: helm.toolkit.fluxcd.io/v2
kind: HelmRelease
metadata:
  name: plex
spec:
  values:
    controllers:
      plex:
        replicas: 1 # one writer
    persistence:
      config:
        existingClaim: plex-config
`;
    const plex = serviceSpec({
      name: "plex",
      workload: { kind: "HelmRelease", name: "plex" },
      files: ["helmrelease.yaml"],
      claims: [{ primary: "plex-config", backup: "plex-config-backup" }],
      quiesce: [
        {
          file: "helmrelease.yaml",
          select: { kind: "HelmRelease", name: "plex" },
          path: ["spec", "values", "controllers", "plex", "replicas"],
          pathText: "spec.values.controllers.plex.replicas",
          running: "1",
          stopped: "0",
        },
      ],
    });
    const start = new Map([["helmrelease.yaml", helm]]);
    const analysis = scanPlannedMove(plex, start, id);
    expect(analysis.refusals).toEqual([]);
    const quiesced = merge(start, quiesceFiles(start, [plex], id).changed);
    expect(quiesced.get("helmrelease.yaml")).toBe(helm.replace("replicas: 1 #", "replicas: 0 #"));
    expect(planQuiesce(scanPlannedMove(plex, quiesced, id))).toEqual([]);
    const back = merge(quiesced, rollbackFiles(quiesced, [plex], start, id).changed);
    expect(back.get("helmrelease.yaml")).toBe(helm);
  });

  it("refuses clearly: no way to quiesce, no ReplicationSource for the direction", () => {
    const cron = serviceSpec({ workload: { kind: "CronJob", name: "sonarr" }, files: ["app.yaml"] });
    expect(plannedMoveProblem(cron, files("1", ""), "promote")).toContain("add {kind: ReplicationSource");
    const withSource = { ...cron, replication: spec.replication };
    expect(plannedMoveProblem(withSource, files("1", ""), "promote")).toContain("no way to quiesce sonarr");
    expect(plannedMoveProblem(withSource, files("1", ""), "promote")).toContain("`quiesce`");
    const onlyForward = serviceSpec({ files: spec.files, replication: [spec.replication[0]!] });
    expect(plannedMoveProblem(onlyForward, files("1", ""), "demote")).toContain(
      "needs a reverse ReplicationSource (backup → primary)",
    );
    expect(plannedMoveProblem(spec, files("1", ""), "promote")).toBeNull();
  });
});
