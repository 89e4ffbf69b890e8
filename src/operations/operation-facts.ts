import type { LiveFacts, ReplicationFact, TreeFacts } from "../domain/fold-operation.js";
import { revisionSha } from "../domain/flux-revision.js";
import type { LiveView } from "../domain/live-state.js";
import type { StepCommit } from "../domain/operation-detail.js";
import { directionOf, finalSyncTargets } from "../domain/planned-move-plan.js";
import type { ServiceSpec } from "../domain/service-spec.js";
import type { TriggerSlot } from "../domain/slot.js";
import { scanPlannedMove } from "../manifests/scan-planned-move.js";
import type { Files } from "./step-files.js";

/** Kinds that keep pods running (a Job or CronJob runs to completion, so there is nothing to wait for). */
const longRunning = new Set(["Deployment", "StatefulSet", "DaemonSet", "Pod", "HelmRelease"]);

/** An operation as Git records it, with the tree before its first commit. */
export interface OperationContext {
  id: string;
  /** Oldest first. */
  commits: StepCommit[];
  specs: ServiceSpec[];
  /** The configured files as they were before the operation's first commit. */
  base: Files;
}

export function moveAction(ctx: OperationContext): "promote" | "demote" {
  return ctx.commits[0]?.action === "demote" ? "demote" : "promote";
}

function label(spec: ServiceSpec, t: { replicationKind: string; name: string }): string {
  return `${spec.namespace}/${t.replicationKind}/${t.name}`;
}

function targetsOf(ctx: OperationContext, files: Files) {
  const direction = directionOf(moveAction(ctx));
  return ctx.specs.flatMap((spec) => {
    const analysis = scanPlannedMove(spec, files, ctx.id);
    const of = (stage: "sources" | "destinations") =>
      finalSyncTargets(analysis, direction, stage).map((t: TriggerSlot) => ({
        spec,
        slot: t,
        label: label(spec, t),
      }));
    return [
      ...of("sources").map((t) => ({ ...t, stage: "sources" as const })),
      ...of("destinations").map((t) => ({ ...t, stage: "destinations" as const })),
    ];
  });
}

/** What the tree in hand says about the operation. */
export function treeFacts(ctx: OperationContext, files: Files): TreeFacts {
  const targets = targetsOf(ctx, files);
  const sources = targets.filter((t) => t.stage === "sources");
  const destinations = targets.filter((t) => t.stage === "destinations");
  const promote = moveAction(ctx) === "promote";
  return {
    sources: sources.map((t) => t.label),
    destinations: destinations.map((t) => t.label),
    sourcesTriggered: sources.every((t) => t.slot.value === ctx.id),
    destinationsTriggered: destinations.every((t) => t.slot.value === ctx.id),
    expectsPods: ctx.specs.some(
      (spec) =>
        longRunning.has(spec.workload.kind) &&
        scanPlannedMove(spec, ctx.base, ctx.id).quiesce.some((s) => s.value !== s.target),
    ),
    placement: ctx.specs.map((spec) => ({
      service: spec.name,
      target: promote ? spec.backupNode : spec.primaryNode,
      origin: promote ? spec.primaryNode : spec.backupNode,
    })),
  };
}

/**
 * What the cluster shows for the operation. `appliedSince` holds the quiesce commit and every
 * commit after it (Flux having applied any of them means it applied the quiesce).
 */
export function liveFacts(
  ctx: OperationContext,
  files: Files,
  live: LiveView,
  appliedSince: ReadonlySet<string> | null,
): LiveFacts {
  const pods = ctx.specs.flatMap((spec) =>
    live.pods(spec.namespace, spec.workload.name).map((p) => ({
      service: spec.name,
      name: p.name,
      node: p.node,
      phase: p.phase,
      ready: p.ready,
      terminating: p.terminating,
      readySince: p.readySince ?? null,
    })),
  );
  const owners = live.fluxOwners([...new Set(ctx.specs.flatMap((s) => s.files))]);
  const quiesceApplied =
    owners.length === 0 || appliedSince === null
      ? null
      : owners.every(
          (o) => o.lastAppliedRevision != null && appliedSince.has(revisionSha(o.lastAppliedRevision)),
        );
  const objects: Record<string, ReplicationFact | undefined> = {};
  for (const t of targetsOf(ctx, files)) {
    const seen = live.replication(t.spec.namespace, t.slot.replicationKind, t.slot.name);
    objects[t.label] = seen && {
      lastManualSync: seen.lastManualSync ?? null,
      lastSyncTime: seen.lastSyncTime,
      syncing: seen.syncing === true,
    };
  }
  return { pods, quiesceApplied, objects };
}
