import type { AppConfig } from "../config/app-config.js";
import { FailoverError, isFailoverError } from "../domain/failover-error.js";
import type { Logger } from "../log/logger.js";
import { plannedMoveFilesOf } from "../manifests/scan-planned-move.js";
import { unifiedDiff } from "../manifests/unified-diff.js";
import type { PushInfo } from "./operation-types.js";
import {
  advanceSnapshot,
  analyse,
  readSnapshot,
  type RepoSnapshot,
  type ServiceState,
} from "./repo-snapshot.js";
import type { Repository } from "./repository.js";
import { SerialQueue } from "./serial-queue.js";
import { operationDeadline } from "./operation-deadline.js";

export interface SessionObserver {
  pushAttempt?(result: "pushed" | "rejected" | "error"): void;
  snapshotRefreshed?(snapshot: RepoSnapshot): void;
  /** A fetch or push just succeeded, and its snapshot is published: the remote is usable. */
  remoteReached?(snapshot: RepoSnapshot): void;
  /** A fetch (periodic or at the start of an operation) failed: the remote is not usable now. */
  syncFailed?(error: unknown): void;
  pushed?(info: PushInfo): void;
}

export interface RepoSessionDeps {
  repo: Repository;
  config: () => AppConfig;
  logger: Logger;
  observer: SessionObserver;
  now: () => Date;
  sleep: (ms: number) => Promise<void>;
  random: () => number;
}

/** What one attempt of a step plans against the tree in hand. */
export interface StepPlan<R> {
  /** New contents of the files that change; empty when the tree already says what the step wants. */
  changed: ReadonlyMap<string, string>;
  /** The commit message; null: commit nothing (a dry-run, or nothing to record). */
  message: string | null;
  /**
   * Services already analysed on the planned tree (the safety check did so): the snapshot after
   * the push takes them as they are instead of analysing them again.
   */
  analysed?: ReadonlyMap<string, ServiceState>;
  /** Record the step with a commit even when no file changes. */
  allowEmpty?: boolean;
  /** What the push is about (the Flux nudge and progress tracking). */
  pushed?: { services: string[]; targetNode: string; action: string };
  build: (outcome: { commit: string | null; diff: string; files: string[] }) => R;
}

export interface StepOptions {
  requestId: string;
  action: string;
  services: string[];
  /** Plan from the last fetched tree without fetching (dry-run). */
  fromSnapshot?: boolean;
}

/**
 * The working clone for one process: one Git operation at a time (a serial queue), the last
 * analysed snapshot, and the plan → commit → push loop every write goes through. On a rejected
 * push it fetches, resets and plans again from the new tree, so a step whose work someone else
 * already did plans nothing the second time. Never forces a push.
 */
export class RepoSession {
  readonly #deps: RepoSessionDeps;
  readonly #queue = new SerialQueue();
  #snapshot: RepoSnapshot | undefined;
  /** The working clone's HEAD and tree are exactly `#snapshot.revision`, untouched since. */
  #clean = false;
  /**
   * Until then (epoch ms) writes fetch before planning: a push was refused lately, so others are
   * writing to the branch and a plan from the snapshot in hand would likely be refused too. A
   * fetch that finds the branch where we last saw it ends it.
   */
  #fetchFirstUntil = 0;

  constructor(deps: RepoSessionDeps) {
    this.#deps = deps;
  }

  get repo(): Repository {
    return this.#deps.repo;
  }

  get snapshot(): RepoSnapshot | undefined {
    return this.#snapshot;
  }

  get busy(): boolean {
    return this.#queue.pending > 0;
  }

  idle(): Promise<void> {
    return this.#queue.idle();
  }

  /** Fetches and re-reads the repository. Queued behind any running write. */
  refresh(): Promise<RepoSnapshot> {
    return this.#queue.run(() => this.#sync());
  }

  /** Runs `work` with the repository to itself (reads that must not interleave with a write). */
  exclusive<T>(work: () => Promise<T>): Promise<T> {
    return this.#queue.run(work);
  }

  /** Re-analyses the current snapshot under a new configuration, without touching Git. */
  async reconfigure(): Promise<void> {
    await this.#queue.run(async () => {
      const config = this.#deps.config();
      const previous = this.#snapshot;
      if (!previous) return;
      const missing = config.services.some((s) => plannedMoveFilesOf(s).some((f) => !previous.files.has(f)));
      if (missing) await this.#sync();
      else
        this.#publish({
          ...previous,
          config,
          services: analyse(config, previous.files, previous.readErrors),
        });
    });
  }

  /**
   * The shared plan → commit → push loop. The first attempt plans from the snapshot in hand when
   * the working clone is still exactly that snapshot's commit, and pushes at once: the push is
   * accepted only while the remote branch is still that commit (the compare-and-swap), so one
   * round trip decides. A rejected push means the snapshot was behind: fetch, reset and plan
   * again from the new tree (`attempt` counts the pushes refused so far), which sees, and
   * respects, what the other writer did. `provisional`: planned from the snapshot in hand; an
   * outcome that commits nothing is planned again on a fetched tree. See docs/architecture.md,
   * "One round trip per write".
   */
  step<R>(
    options: StepOptions,
    plan: (snapshot: RepoSnapshot, attempt: number, provisional: boolean) => StepPlan<R>,
  ): Promise<R> {
    const log = this.#deps.logger.child({
      requestId: options.requestId,
      action: options.action,
      services: options.services,
    });
    // A dry-run plans from the last fetched snapshot, which is immutable: it needs neither Git nor
    // the queue, so it never waits behind a write. A real step runs in the queue, under a deadline.
    const cached = options.fromSnapshot === true ? this.#snapshot : undefined;
    const deadline = cached
      ? undefined
      : operationDeadline(this.#deps.config().git.operationTimeoutSeconds, this.#deps.repo.remote);
    const signal = deadline?.signal;
    const work = async (): Promise<R> => {
      try {
        const retries = this.#deps.config().git.pushRetries;
        // Rejections of plans made from a fetched tree: those are what pushRetries bounds (a
        // rejection of the snapshot in hand only says it was behind).
        let contended = 0;
        let attempt = 0;
        let mayHold = cached === undefined;
        for (;;) {
          // Only a plan that pushes may be decided from the snapshot in hand: the push checks it.
          // Any other outcome (nothing to do, a refusal) is decided again on a fetched tree, as an
          // answer that writes nothing is checked by no one.
          const held = mayHold ? this.#held() : undefined;
          mayHold = false;
          const snapshot = cached ?? held ?? (await this.#sync(signal));
          let planned: StepPlan<R>;
          try {
            planned = plan(snapshot, attempt, held !== undefined);
          } catch (error) {
            if (held !== undefined) continue;
            throw error;
          }
          const files = [...planned.changed.keys()].sort();
          const diff = files
            .map((f) => unifiedDiff(f, snapshot.files.get(f) ?? "", planned.changed.get(f) ?? ""))
            .join("");
          const empty = planned.changed.size === 0;
          if (cached || planned.message === null || (empty && planned.allowEmpty !== true)) {
            if (held !== undefined) continue;
            return planned.build({ commit: null, diff, files });
          }
          // From here until the next snapshot is published, the tree is not the snapshot's.
          this.#clean = false;
          const sha = await this.#deps.repo.commit(planned.changed, planned.message, {
            allowEmpty: planned.allowEmpty === true,
          });
          const outcome = await this.#deps.repo
            .push({ signal, expected: snapshot.revision })
            .catch(async (error: unknown) => {
              this.#deps.observer.pushAttempt?.("error");
              await this.#deps.repo.resetToRemote().catch(() => undefined);
              throw error;
            });
          this.#deps.observer.pushAttempt?.(outcome);
          if (outcome === "pushed") {
            if (planned.pushed) {
              this.#deps.observer.pushed?.({
                commit: sha,
                files,
                services: planned.pushed.services,
                at: this.#deps.now(),
                targetNode: planned.pushed.targetNode,
                action: planned.pushed.action,
              });
            }
            // The remote is now exactly HEAD, which is the planned tree: the next snapshot is the
            // one in hand plus these files and this commit, without a fetch or re-reading.
            await this.#afterPush(snapshot, planned, sha)
              .then((next) => {
                this.#publish(next);
                this.#clean = true;
                this.#deps.observer.remoteReached?.(next);
              })
              .catch((error: unknown) => log.warn("Refresh after push failed", { error }));
            return planned.build({ commit: sha, diff, files });
          }
          // The next attempt's fetch resets the tree to the new branch; so does the next
          // operation's if this one ends here (the tree is not clean).
          this.#fetchFirstUntil =
            this.#deps.now().getTime() + this.#deps.config().git.fetchIntervalSeconds * 1000;
          attempt++;
          if (held !== undefined) {
            log.info("Push rejected: the snapshot in hand was behind; planning again from a fetched tree", {
              revision: snapshot.revision,
            });
            continue;
          }
          if (contended++ >= retries) {
            await this.#deps.repo.resetToRemote().catch(() => undefined);
            throw new FailoverError(
              "GIT_PUSH_REJECTED",
              `push to ${this.#deps.repo.remote} still rejected after ${retries + 1} attempts: the branch keeps moving`,
              { retryable: true },
            );
          }
          const delay = Math.min(2000, 50 * 2 ** (contended - 1)) * (0.5 + this.#deps.random());
          log.info("Push rejected; planning again from the new tree", {
            attempt: attempt - 1,
            delayMs: Math.round(delay),
          });
          await this.#deps.sleep(delay);
        }
      } catch (error) {
        if (isFailoverError(error) && error.code.startsWith("GIT_")) {
          log.error("Git operation failed", {
            code: error.code,
            reason: error.message,
            retryable: error.retryable,
          });
        }
        throw error;
      }
    };
    if (cached) return work();
    // The deadline covers the wait in the queue too: a step that never started ends with it.
    return this.#queue.run(work, signal).finally(() => deadline?.clear());
  }

  /**
   * The snapshot in hand when a write may plan from it: the working clone is exactly its commit
   * (nothing written since it was published), it was read under the configuration in force, and
   * no push was refused within the last fetch interval.
   */
  #held(): RepoSnapshot | undefined {
    const snapshot = this.#snapshot;
    if (this.#deps.now().getTime() < this.#fetchFirstUntil) return undefined;
    return this.#clean && snapshot?.config === this.#deps.config() ? snapshot : undefined;
  }

  /**
   * Fetches; re-reads only when the branch moved (or the configuration changed). A snapshot is a
   * function of its commit and the configuration, so an unchanged branch keeps the one in hand.
   */
  async #sync(signal?: AbortSignal): Promise<RepoSnapshot> {
    const previous = this.#snapshot;
    const cleanAt = this.#clean ? previous?.revision : undefined;
    this.#clean = false;
    const { head } = await this.#deps.repo.sync({ signal, cleanAt }).catch((error: unknown) => {
      this.#deps.observer.syncFailed?.(error);
      throw error;
    });
    // Nothing new on the branch since our last look: no sign of other writers right now.
    if (previous?.revision === head) this.#fetchFirstUntil = 0;
    const config = this.#deps.config();
    const snapshot =
      previous?.revision === head && previous.config === config
        ? previous
        : await readSnapshot(this.#deps.repo, config, head, this.#deps.now());
    if (snapshot !== previous) this.#publish(snapshot);
    this.#clean = true;
    this.#deps.observer.remoteReached?.(snapshot);
    return snapshot;
  }

  /** The snapshot after `sha` (HEAD, pushed) wrote `changed` on top of `before`. */
  async #afterPush(
    before: RepoSnapshot,
    { changed, analysed }: Pick<StepPlan<unknown>, "changed" | "analysed">,
    sha: string,
  ): Promise<RepoSnapshot> {
    const config = this.#deps.config();
    if (config !== before.config) return readSnapshot(this.#deps.repo, config, sha, this.#deps.now());
    // Our commit is the newest on the branch: one commit read, not the history again.
    const [newest] = await this.#deps.repo.log({ limit: 1 });
    return advanceSnapshot(before, {
      revision: sha,
      changed,
      analysed,
      commit: newest?.sha === sha ? newest : undefined,
      readAt: this.#deps.now(),
    });
  }

  #publish(snapshot: RepoSnapshot): void {
    this.#snapshot = snapshot;
    this.#deps.observer.snapshotRefreshed?.(snapshot);
  }
}
