// One promote or demote through the API, followed to the end: Flux fetched and applied the
// commit (the observer's watch times), then a pod of the service Ready on the target node
// (failover-api's own progress.runningAt, from its pod watch). Returns the split timings.
import type { Story } from "./story-harness.js";
import { api, type OperationBody, type StatusBody } from "./story-fixtures.js";
import { waitFor } from "./wait-for.js";

export interface MoveTiming {
  /** The HTTP call until its answer: plan, commit, push (ours). */
  callToResponse: number;
  /** Answer → source-controller has the commit as its artifact (nudge + SSH fetch). */
  responseToFetched: number;
  /** Artifact → kustomize-controller reported it applied (build + server-side apply). */
  fetchedToApplied: number;
  callToApplied: number;
  /** Applied → a pod Ready on the target node (Kubernetes: rollout, scheduler, kwok). */
  appliedToReady: number;
  callToReady: number;
}

export interface MoveOptions {
  service: string;
  action: "promote" | "demote";
  /** The Kustomization applying the workload's manifests. */
  kustomization: string;
  targetNode: string;
  /** Extra query, e.g. `force=true&reason=planned`. */
  query?: string;
  /** When the move's result is visible later than the Kustomization apply (a HelmRelease). */
  afterApplied?: () => Promise<unknown>;
  /** How long Flux may take to fetch and to apply (default 60 s each). */
  fluxTimeoutMs?: number;
}

export async function move(
  story: Story,
  o: MoveOptions,
): Promise<{ body: OperationBody; timing: MoveTiming }> {
  const t0 = Date.now();
  const r = await api(story.server.url, "POST", `/api/failover/${o.service}/${o.action}?${o.query ?? ""}`);
  const tResponse = Date.now();
  if (r.status !== 200 || !r.body.commit) {
    throw new Error(`${o.action} ${o.service} answered ${r.status}: ${JSON.stringify(r.body)}`);
  }
  const commit = r.body.commit;
  const { observer } = story.flux;
  const fluxTimeout = o.fluxTimeoutMs ?? 60_000;
  const fetched = await observer.waitFor("GitRepository", "flux-system", commit, fluxTimeout);
  const applied = await observer.waitFor("Kustomization", o.kustomization, commit, fluxTimeout);
  await o.afterApplied?.();
  const status = await waitFor(
    `${o.service}: failover-api to see a pod Ready on ${o.targetNode} after ${commit.slice(0, 8)}`,
    async () => (await api<StatusBody>(story.server.url, "GET", `/api/failover/${o.service}/status`)).body,
    (s) => s.lastOperation?.commit === commit && s.lastOperation.progress?.runningNode === o.targetNode,
    120_000,
    100,
  );
  const ready = Date.parse(status.lastOperation?.progress?.runningAt ?? "");
  return {
    body: r.body,
    timing: {
      callToResponse: tResponse - t0,
      responseToFetched: fetched.at - tResponse,
      fetchedToApplied: applied.at - fetched.at,
      callToApplied: applied.at - t0,
      appliedToReady: ready - applied.at,
      callToReady: ready - t0,
    },
  };
}

export function percentile(samples: readonly number[], p: number): number {
  const sorted = [...samples].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank] ?? Number.NaN;
}

/** p50 of each field over the samples. */
export function medians(samples: readonly MoveTiming[]): MoveTiming {
  const keys = Object.keys(samples[0] ?? {}) as (keyof MoveTiming)[];
  return Object.fromEntries(
    keys.map((k) => [
      k,
      percentile(
        samples.map((s) => s[k]),
        50,
      ),
    ]),
  ) as unknown as MoveTiming;
}
