import type { AppConfig } from "../config/app-config.js";
import { FailoverError, isFailoverError } from "../domain/failover-error.js";
import type { Logger } from "../log/logger.js";
import { plannedMoveFilesOf } from "../manifests/scan-planned-move.js";
import { unifiedDiff } from "../manifests/unified-diff.js";
import type { PushInfo } from "./operation-types.js";
import { analyse, readSnapshot, type RepoSnapshot } from "./repo-snapshot.js";
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
    return this.#queue.run(() => this.#sync().finally(() => this.#deps.repo.release()));
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
   * The shared plan → commit → push loop. `plan` runs against each fresh tree (`attempt` counts
   * the tries), so a retry after a rejected push sees, and respects, what the other writer did.
   */
  step<R>(options: StepOptions, plan: (snapshot: RepoSnapshot, attempt: number) => StepPlan<R>): Promise<R> {
    const log = this.#deps.logger.child({
      requestId: options.requestId,
      action: options.action,
      services: options.services,
    });
    // A dry-run plans from the last fetched snapshot, which is immutable: it needs neither Git nor
    // the queue, so it never waits behind a write. A real step fetches first, under a deadline.
    const cached = options.fromSnapshot === true ? this.#snapshot : undefined;
    const deadline = cached
      ? undefined
      : operationDeadline(this.#deps.config().git.operationTimeoutSeconds, this.#deps.repo.remote);
    const signal = deadline?.signal;
    const work = async (): Promise<R> => {
      try {
        const retries = this.#deps.config().git.pushRetries;
        for (let attempt = 0; ; attempt++) {
          const snapshot = cached ?? (await this.#sync(signal));
          const planned = plan(snapshot, attempt);
          const files = [...planned.changed.keys()].sort();
          const diff = files
            .map((f) => unifiedDiff(f, snapshot.files.get(f) ?? "", planned.changed.get(f) ?? ""))
            .join("");
          const empty = planned.changed.size === 0;
          if (cached || planned.message === null || (empty && planned.allowEmpty !== true)) {
            return planned.build({ commit: null, diff, files });
          }
          const sha = await this.#deps.repo.commit(planned.changed, planned.message, {
            allowEmpty: planned.allowEmpty === true,
          });
          const outcome = await this.#deps.repo.push({ signal }).catch(async (error: unknown) => {
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
            // The push made the remote equal to HEAD: re-read the tree without another fetch.
            await readSnapshot(this.#deps.repo, this.#deps.config(), sha, this.#deps.now())
              .then((next) => {
                this.#publish(next);
                this.#deps.observer.remoteReached?.(next);
              })
              .catch((error: unknown) => log.warn("Refresh after push failed", { error }));
            return planned.build({ commit: sha, diff, files });
          }
          await this.#deps.repo.resetToRemote();
          if (attempt >= retries) {
            throw new FailoverError(
              "GIT_PUSH_REJECTED",
              `push to ${this.#deps.repo.remote} still rejected after ${retries + 1} attempts: the branch keeps moving`,
              { retryable: true },
            );
          }
          const delay = Math.min(2000, 50 * 2 ** attempt) * (0.5 + this.#deps.random());
          log.info("Push rejected; planning again from the new tree", {
            attempt,
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
      } finally {
        if (!cached) await this.#deps.repo.release().catch(() => undefined);
      }
    };
    if (cached) return work();
    // The deadline covers the wait in the queue too: a step that never started ends with it.
    return this.#queue.run(work, signal).finally(() => deadline?.clear());
  }

  async #sync(signal?: AbortSignal): Promise<RepoSnapshot> {
    const { head } = await this.#deps.repo.sync({ signal }).catch((error: unknown) => {
      this.#deps.observer.syncFailed?.(error);
      throw error;
    });
    const snapshot = await readSnapshot(this.#deps.repo, this.#deps.config(), head, this.#deps.now());
    this.#publish(snapshot);
    this.#deps.observer.remoteReached?.(snapshot);
    return snapshot;
  }

  #publish(snapshot: RepoSnapshot): void {
    this.#snapshot = snapshot;
    this.#deps.observer.snapshotRefreshed?.(snapshot);
  }
}
