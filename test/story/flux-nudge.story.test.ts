// The reconcile nudge against real Flux, whose GitRepository and Kustomization poll only every
// 10 minutes: with it, a promote is applied seconds after the call; without it, nothing is
// applied until Flux is asked (or its interval comes round). Two promotes pushed without a nudge
// are applied as ONE revision, the newer commit; progress.fluxAppliedAt must still be filled for
// the older one, because the applied revision contains it.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startStory, type Story } from "./story-harness.js";
import {
  api,
  appFiles,
  backupNode,
  kustomizationYaml,
  primaryNode,
  reverseSyncedNow,
  type StatusBody,
} from "./story-fixtures.js";
import { medians, move, type MoveTiming } from "./story-moves.js";
import { sleep, waitFor } from "./wait-for.js";

const ns = "media";
const apps = ["radarr", "lidarr"] as const;
const planned = "force=true&reason=planned%20switchover";
/** How long the test watches Flux do nothing after an un-nudged push. */
const holdMs = 15_000;

describe("story: the reconcile nudge, and two commits applied as one revision", () => {
  let story: Story;
  const nudged: MoveTiming[] = [];
  const applied = () => story.flux.observer.history("Kustomization", "apps").map((h) => h.revision);
  const status = async (app: string) =>
    (await api<StatusBody>(story.server.url, "GET", `/api/failover/${app}/status`)).body;

  beforeAll(async () => {
    const files: Record<string, string> = {
      "apps/kustomization.yaml": kustomizationYaml(
        apps.map((a) => `./${a}`),
        ns,
      ),
    };
    for (const app of apps)
      Object.assign(files, appFiles(`apps/${app}`, app, `ghcr.io/example/${app}:1.0.0`));
    story = await startStory({
      namespace: ns,
      services: apps.map((name) => ({ name, namespace: ns, dir: `apps/${name}` })),
      repoFiles: files,
      kustomizations: [{ name: "apps", path: "apps", targetNamespace: ns }],
    });
  }, 300_000);

  afterAll(async () => {
    if (nudged.length > 0)
      console.log(`[story] nudged moves, p50 of ${nudged.length} (ms): ${JSON.stringify(medians(nudged))}`);
    await story?.stop();
  });

  it("nudged: each promote and demote is applied seconds after the call, despite 10-minute intervals", async () => {
    for (const app of apps) {
      const promoted = await move(story, {
        service: app,
        action: "promote",
        kustomization: "apps",
        targetNode: backupNode,
        query: planned,
      });
      nudged.push(promoted.timing);
      await reverseSyncedNow(story.cp, ns, `${app}-config-reverse`);
      const demoted = await move(story, {
        service: app,
        action: "demote",
        kustomization: "apps",
        targetNode: primaryNode,
      });
      nudged.push(demoted.timing);
    }
    for (const t of nudged) console.log(`[story] nudged move (ms): ${JSON.stringify(t)}`);
    // Applied well inside the 10-minute interval: only the nudge explains it.
    expect(Math.max(...nudged.map((t) => t.callToApplied))).toBeLessThan(60_000);
  });

  it("without the nudge, two promotes wait for Flux, which applies only the newer; both count as applied", async () => {
    await story.reconfigure({ reconcile: false });
    const before = applied();
    const commits: string[] = [];
    const t0 = Date.now();
    for (const app of apps) {
      const r = await api(story.server.url, "POST", `/api/failover/${app}/promote?${planned}`);
      expect(r.status, JSON.stringify(r.body)).toBe(200);
      commits.push(r.body.commit!);
    }
    const [first, second] = commits as [string, string];
    expect(await story.contains(first, second)).toBe(true);
    const pushed = Date.now();
    await sleep(holdMs);
    // Nothing nudged Flux, and its interval is 10 minutes: nothing was applied.
    expect(applied()).toEqual(before);
    expect((await status(apps[0])).lastOperation?.progress?.fluxAppliedAt).toBeNull();

    // What `flux reconcile source git flux-system` does: Flux fetches the branch head.
    const requested = Date.now();
    await story.flux.requestReconcile("GitRepository");
    const seen = await story.flux.observer.waitFor("Kustomization", "apps", second, 60_000);
    expect(applied()).not.toContain(`main@sha1:${first}`); // the older commit never named
    for (const app of apps) {
      const s = await waitFor(
        `${app}: progress.fluxAppliedAt and Running on w2`,
        () => status(app),
        (v) =>
          v.lastOperation?.progress?.fluxAppliedAt != null &&
          v.lastOperation.progress.runningNode === backupNode,
        60_000,
      );
      expect(s.lastOperation?.commit).toBe(commits[apps.indexOf(app)]);
    }
    console.log(
      `[story] un-nudged: pushed ${pushed - t0} ms after the first call; not applied ${holdMs} ms later; ` +
        `applied ${seen.at - requested} ms after a manual reconcile request (interval 10m)`,
    );
    await story.reconfigure({ reconcile: true });
  });
});
