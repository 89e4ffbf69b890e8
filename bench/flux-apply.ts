/**
 * SPEC §13 on the test control plane with the real Flux controllers (`bench/run.ts flux`): the
 * story world (kube-apiserver & co, kwok nodes w1/w2, the SSH remote, source- and
 * kustomize-controller, failover-api in-process), one Deployment app moved back and forth as
 * planned switchovers. Measures promote/demote call → Flux applied and → pod Ready on the target
 * node, split into our part (the call: plan, commit, push), Flux's part (fetch, apply) and
 * Kubernetes' part (rollout to a Ready pod); with the nudge (10-minute intervals) and without it
 * (the GitRepository at 1 minute, `flux bootstrap`'s default).
 */
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { startStory } from "../test/story/story-harness.js";
import { appFiles, backupNode, primaryNode, reverseSyncedNow } from "../test/story/story-fixtures.js";
import { medians, move, percentile, type MoveTiming } from "../test/story/story-moves.js";

const NUDGED_MOVES = 12;
const UNNUDGED_MOVES = 4;
const ns = "media";
const app = "sonarr";

function buildBinaries(): void {
  const script = join(import.meta.dirname, "..", "test", "cluster", "build.sh");
  const result = spawnSync("bash", [script], { stdio: ["ignore", "ignore", "inherit"] });
  if (result.status !== 0) throw new Error(`${script} failed (exit ${String(result.status)}): see above`);
}

const s = (v: number) => `${(v / 1000).toFixed(2)} s`;

function printTable(title: string, samples: MoveTiming[]): void {
  const keys = Object.keys(samples[0] ?? {}) as (keyof MoveTiming)[];
  console.log(`\n${title} (${samples.length} moves)`);
  console.log(`  ${"".padEnd(18)} ${"p50".padStart(9)} ${"min".padStart(9)} ${"max".padStart(9)}`);
  for (const k of keys) {
    const values = samples.map((t) => t[k]);
    console.log(
      `  ${k.padEnd(18)} ${s(percentile(values, 50)).padStart(9)} ${s(Math.min(...values)).padStart(9)} ${s(Math.max(...values)).padStart(9)}`,
    );
  }
}

export async function runFluxBench(): Promise<[string, string, string, boolean][]> {
  buildBinaries();
  const story = await startStory({
    namespace: ns,
    services: [{ name: app, namespace: ns, dir: `apps/${app}` }],
    repoFiles: appFiles(`apps/${app}`, app, "ghcr.io/home-operations/sonarr:4.0.15.2940", ns),
    kustomizations: [{ name: app, path: `apps/${app}`, targetNamespace: ns }],
  });
  try {
    let onBackup = false;
    const next = async (fluxTimeoutMs?: number): Promise<MoveTiming> => {
      if (onBackup) await reverseSyncedNow(story.cp, ns, `${app}-config-reverse`);
      const { timing } = await move(story, {
        service: app,
        action: onBackup ? "demote" : "promote",
        kustomization: app,
        targetNode: onBackup ? primaryNode : backupNode,
        // A planned switchover: w1 is up, so source-stopped must be forced on promote.
        query: onBackup ? "reason=bench" : "force=true&reason=bench",
        ...(fluxTimeoutMs === undefined ? {} : { fluxTimeoutMs }),
      });
      onBackup = !onBackup;
      return timing;
    };
    await next(); // warm-up: first SSH connections, first reconcile of each controller
    const nudged: MoveTiming[] = [];
    for (let i = 0; i < NUDGED_MOVES; i++) nudged.push(await next());
    printTable("Nudged (every Flux interval 10m)", nudged);

    await story.reconfigure({ reconcile: false });
    await story.cp.kubectl(
      "patch",
      "gitrepositories.source.toolkit.fluxcd.io",
      "flux-system",
      "-n",
      "flux-system",
      "--type=merge",
      "-p",
      JSON.stringify({ spec: { interval: "1m" } }),
    );
    const unnudged: MoveTiming[] = [];
    for (let i = 0; i < UNNUDGED_MOVES; i++) unnudged.push(await next(150_000));
    printTable("Not nudged (GitRepository interval 1m, Kustomization 10m)", unnudged);

    const m = medians(nudged);
    console.log(
      `\nNudged p50: call → applied ${s(m.callToApplied)} = ours ${s(m.callToResponse)} + Flux ${s(
        m.responseToFetched + m.fetchedToApplied,
      )}; applied → pod Ready (Kubernetes) ${s(m.appliedToReady)}; call → Ready ${s(m.callToReady)}`,
    );
    const u = medians(unnudged);
    console.log(`Not nudged p50: call → applied ${s(u.callToApplied)}, call → Ready ${s(u.callToReady)}`);
    return [
      ["Flux: move call → applied p50 (nudged)", s(m.callToApplied), "<= 3 s", m.callToApplied <= 3000],
      ["Flux: move call → pod Ready p50 (nudged)", s(m.callToReady), "reported", true],
    ];
  } finally {
    await story.stop();
  }
}
