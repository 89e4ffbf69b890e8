import type { ServiceSpec } from "../domain/service-spec.js";
import type { Progress, PushInfo } from "../operations/operation-types.js";
import type { ClusterView } from "./cluster-view.js";
import { revisionSha } from "../domain/flux-revision.js";

export interface ProgressTrackerOptions {
  view: ClusterView;
  /** The configured services (read on each push, so a config reload is seen). */
  services: () => readonly ServiceSpec[];
  now?: () => Date;
  /** failover_time_to_running_seconds: push → a pod Ready on the target node, once per push. */
  onRunning?: (service: string, seconds: number) => void;
}

interface Tracked {
  commit: string;
  pushedAt: Date;
  targetNode: string;
  files: readonly string[];
  namespace: string;
  workload: ServiceSpec["workload"];
  fluxAppliedAt: string | null;
  runningAt: string | null;
  runningNode: string | null;
  /** Pods already Ready on the target node at the push: they are not the result of it. */
  readyBefore: Set<string>;
}

/**
 * The last push per service and how far the cluster got with it: Flux applied the commit
 * (an owning Kustomization's lastAppliedRevision names it), then a pod of the service became
 * Ready on the target node. Each time is the first moment this process saw it: call observe()
 * on every cluster change (ClusterWatcher.onChange) so that moment is close to the event.
 * A later commit applied before we looked hides ours; the milestone then stays unknown.
 */
export class ProgressTracker {
  readonly #options: ProgressTrackerOptions;
  readonly #now: () => Date;
  readonly #tracked = new Map<string, Tracked>();

  constructor(options: ProgressTrackerOptions) {
    this.#options = options;
    this.#now = options.now ?? (() => new Date());
  }

  /** Records a push; plug into OperationObserver.pushed. */
  pushed(info: PushInfo): void {
    for (const name of info.services) {
      const spec = this.#options.services().find((s) => s.name === name);
      if (!spec) continue;
      // Evacuate reports one node, but each service moves to its own backup node.
      const targetNode =
        info.action === "demote"
          ? spec.primaryNode
          : info.action === "promote" || info.action === "evacuate"
            ? spec.backupNode
            : info.targetNode;
      this.#tracked.set(name, {
        commit: info.commit,
        pushedAt: info.at,
        targetNode,
        files: spec.files,
        namespace: spec.namespace,
        workload: spec.workload,
        fluxAppliedAt: null,
        runningAt: null,
        runningNode: null,
        readyBefore: new Set(
          this.#options.view
            .pods(spec.namespace, spec.workload.name)
            .filter((p) => p.node === targetNode && p.ready)
            .map((p) => p.name),
        ),
      });
    }
    this.observe();
  }

  /** Notes the milestones reached now. */
  observe(): void {
    const now = this.#now();
    for (const [service, t] of this.#tracked) {
      if (t.fluxAppliedAt === null) {
        const applied = this.#options.view
          .fluxOwners(t.files)
          .some((k) => k.lastAppliedRevision !== null && revisionSha(k.lastAppliedRevision) === t.commit);
        if (applied) t.fluxAppliedAt = now.toISOString();
      }
      if (t.runningAt === null) {
        const ready = this.#options.view
          .pods(t.namespace, t.workload.name)
          .find((p) => p.node === t.targetNode && p.ready && !p.terminating && !t.readyBefore.has(p.name));
        if (ready) {
          t.runningAt = now.toISOString();
          t.runningNode = t.targetNode;
          this.#options.onRunning?.(service, Math.max(0, (now.getTime() - t.pushedAt.getTime()) / 1000));
        }
      }
    }
  }

  /** Progress of the service's last push; null when none is known, or it is not `commit`. */
  progress(service: string, commit?: string): Progress | null {
    const t = this.#tracked.get(service);
    if (!t || (commit !== undefined && commit !== t.commit)) return null;
    return {
      pushedAt: t.pushedAt.toISOString(),
      fluxAppliedAt: t.fluxAppliedAt,
      runningAt: t.runningAt,
      runningNode: t.runningNode,
    };
  }
}
