import type { ServiceSpec } from "../domain/service-spec.js";
import type { Progress, PushInfo } from "../operations/operation-types.js";
import type { ClusterView } from "./cluster-view.js";
import { revisionSha } from "../domain/flux-revision.js";

/** Whether commit `ancestor` is contained in `descendant`; undefined when not known (yet). */
export type AncestryCheck = (ancestor: string, descendant: string) => Promise<boolean | undefined>;

export interface ProgressTrackerOptions {
  view: ClusterView;
  /** The configured services (read on each push, so a config reload is seen). */
  services: () => readonly ServiceSpec[];
  /**
   * Asks the working clone (`git merge-base --is-ancestor`). Flux applies only the newest of
   * several commits pushed within one reconciliation, so an applied revision that is a later
   * commit still carries ours. Without it, only a revision naming our commit counts.
   */
  isAncestor?: AncestryCheck;
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
  /** Per applied sha: when first seen, and whether it contains our commit. */
  revisions: Map<string, Revision>;
}

interface Revision {
  seenAt: Date;
  contains: boolean | "asking" | undefined;
  /** Epoch ms before which an unknown answer is not asked again. */
  askAfter: number;
}

/**
 * The last push per service and how far the cluster got with it: Flux applied the commit
 * (every owning Kustomization's lastAppliedRevision is it or a later commit containing it),
 * then a pod of the service became Ready on the target node. Each time is the first moment this
 * process saw it: call observe() on every cluster change (ClusterWatcher.onChange) and after each
 * fetch, so that moment is close to the event.
 */
export class ProgressTracker {
  readonly #options: ProgressTrackerOptions;
  readonly #now: () => Date;
  readonly #tracked = new Map<string, Tracked>();
  /** Ancestry questions in flight, by `<ours> <applied>`: an evacuation's services share one. */
  readonly #asking = new Map<string, Promise<boolean | undefined>>();

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
        revisions: new Map(),
      });
    }
    this.observe();
  }

  /** Notes the milestones reached now. */
  observe(): void {
    const now = this.#now();
    for (const [service, t] of this.#tracked) {
      if (t.fluxAppliedAt === null) this.#observeFlux(t, now);
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

  /**
   * Applied once every Kustomization applying the files reports our commit or one containing
   * it; the time is when the last of them was first seen with such a revision.
   */
  #observeFlux(t: Tracked, now: Date): void {
    const owners = this.#options.view.fluxOwners(t.files);
    let complete = owners.length > 0;
    let latest = new Date(0);
    for (const owner of owners) {
      if (owner.lastAppliedRevision === null) {
        complete = false;
        continue;
      }
      const sha = revisionSha(owner.lastAppliedRevision);
      let seen = t.revisions.get(sha);
      if (!seen) {
        seen = { seenAt: now, contains: sha === t.commit ? true : undefined, askAfter: 0 };
        t.revisions.set(sha, seen);
      }
      if (seen.contains === undefined) this.#ask(t, sha, seen, now);
      if (seen.contains !== true) complete = false;
      else if (seen.seenAt > latest) latest = seen.seenAt;
    }
    if (complete) t.fluxAppliedAt = latest.toISOString();
  }

  #ask(t: Tracked, sha: string, seen: Revision, now: Date): void {
    const isAncestor = this.#options.isAncestor;
    if (!isAncestor) {
      seen.contains = false;
      return;
    }
    if (now.getTime() < seen.askAfter) return;
    seen.contains = "asking";
    const answered = (answer: boolean | undefined): void => {
      seen.contains = answer;
      // Not known yet (the clone has not fetched that commit): ask again after the next fetch,
      // at most once a second, not on every pod update in between.
      if (answer === undefined) seen.askAfter = this.#now().getTime() + 1_000;
      if (answer === true) this.observe();
    };
    const key = `${t.commit} ${sha}`;
    let question = this.#asking.get(key);
    if (!question) {
      question = isAncestor(t.commit, sha).catch(() => undefined);
      this.#asking.set(key, question);
      void question.finally(() => this.#asking.delete(key));
    }
    void question.then(answered);
  }
}
