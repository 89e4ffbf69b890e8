import type { AppConfig } from "../config/app-config.js";
import { FailoverError, isFailoverError } from "../domain/failover-error.js";
import type { LiveView } from "../domain/live-state.js";
import type { Splice } from "../domain/switch-plan.js";
import type { Logger } from "../log/logger.js";
import { applySplices } from "../manifests/apply-splices.js";
import { unifiedDiff } from "../manifests/unified-diff.js";
import { commitMessage, sanitizeActor, sanitizeReason } from "./commit-message.js";
import { operationFromCommit } from "./history.js";
import type {
  EvacuateResult,
  Operation,
  OperationOptions,
  OperationResult,
  PushInfo,
} from "./operation-types.js";
import { describeFailing, planService, type PlannedService } from "./plan-service.js";
import { planEvacuation } from "./plan-evacuation.js";
import { analyse, readSnapshot, type RepoSnapshot } from "./repo-snapshot.js";
import type { Repository } from "./repository.js";
import { SerialQueue } from "./serial-queue.js";
import { operationDeadline } from "./operation-deadline.js";
import { filesOf } from "../manifests/scan-service.js";

export interface OperationObserver {
  operationFinished?(
    action: string,
    services: string[],
    result: "success" | "noop" | "refused" | "error",
    seconds: number,
    dryRun: boolean,
  ): void;
  pushAttempt?(result: "pushed" | "rejected" | "error"): void;
  snapshotRefreshed?(snapshot: RepoSnapshot): void;
  /** A fetch or push just succeeded, and its snapshot is published: the remote is usable. */
  remoteReached?(snapshot: RepoSnapshot): void;
  /** A fetch (periodic or at the start of an operation) failed: the remote is not usable now. */
  syncFailed?(error: unknown): void;
  pushed?(info: PushInfo): void;
}

export interface FailoverOperationsDeps {
  repo: Repository;
  config: () => AppConfig;
  live?: () => LiveView | null;
  logger: Logger;
  observer?: OperationObserver;
  now?: () => Date;
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
}

interface Committable {
  services: PlannedService[];
  splices: Splice[];
  forced: boolean;
}

/**
 * Promote, demote and evacuate: plan from the fetched tree, commit, push without force; on a
 * rejected push fetch, reset and plan again from the new tree. One operation at a time.
 */
export class FailoverOperations {
  readonly #deps: Required<Omit<FailoverOperationsDeps, "observer">> & { observer: OperationObserver };
  readonly #queue = new SerialQueue();
  #snapshot: RepoSnapshot | undefined;

  constructor(deps: FailoverOperationsDeps) {
    this.#deps = {
      live: () => null,
      observer: {},
      now: () => new Date(),
      sleep: (ms) => new Promise((r) => setTimeout(r, ms)),
      random: Math.random,
      ...deps,
    };
  }

  /** The last analysed state of the repository (what read requests answer from). */
  get snapshot(): RepoSnapshot | undefined {
    return this.#snapshot;
  }

  get busy(): boolean {
    return this.#queue.pending > 0;
  }

  idle(): Promise<void> {
    return this.#queue.idle();
  }

  /** Fetches and re-reads the repository. Queued behind any running operation. */
  refresh(): Promise<RepoSnapshot> {
    return this.#queue.run(() => this.#sync().finally(() => this.#deps.repo.release()));
  }

  /** Re-analyses the current snapshot under a new configuration, without touching Git. */
  async reconfigure(): Promise<void> {
    await this.#queue.run(async () => {
      const config = this.#deps.config();
      const previous = this.#snapshot;
      if (!previous) return;
      const missing = config.services.some((s) => filesOf(s).some((f) => !previous.files.has(f)));
      if (missing) await this.#sync();
      else
        this.#publish({
          ...previous,
          config,
          services: analyse(config, previous.files, previous.readErrors),
        });
    });
  }

  async history(service: string, limit: number): Promise<Operation[]> {
    this.#requireService(service);
    const commits = await this.#deps.repo.log({ limit, service });
    return commits.map(operationFromCommit).filter((o): o is Operation => o !== undefined);
  }

  async switchService(
    name: string,
    action: "promote" | "demote",
    options: OperationOptions,
  ): Promise<OperationResult> {
    this.#requireService(name);
    return this.#run(action, [name], options, (snapshot) => {
      const state = snapshot.services.get(name);
      if (!state) throw new FailoverError("SERVICE_NOT_FOUND", `unknown service "${name}"`);
      const lastPromoteAt = action === "demote" ? lastPromote(snapshot, name) : null;
      const planned = planService(state, action, this.#deps.live(), this.#deps.now(), lastPromoteAt);
      if (planned.refused) {
        throw new FailoverError(
          "MANIFEST_UNSUPPORTED",
          `${name}: ${describeFailing(planned.checks.filter((c) => c.name === "config"))}`,
          {
            details: { service: name, checks: planned.checks, problems: state.reading.problems },
          },
        );
      }
      const nothingToDo = planned.plan.splices.length === 0;
      if (!nothingToDo && planned.failing.length > 0 && options.force !== true) {
        throw new FailoverError(
          "PREFLIGHT_FAILED",
          `${name}: preflight refused: ${describeFailing(planned.failing)}`,
          {
            details: { service: name, checks: planned.checks },
          },
        );
      }
      const forced = !nothingToDo && planned.failing.length > 0;
      return {
        committable: { services: nothingToDo ? [] : [planned], splices: planned.plan.splices, forced },
        node: planned.plan.node,
        build: (diff: string, files: string[], commit: string | null): OperationResult => ({
          name,
          action,
          dryRun: options.dryRun === true,
          changed: !nothingToDo,
          from: planned.plan.from,
          to: planned.plan.to,
          diff,
          files,
          checks: planned.checks,
          commit,
          forced,
        }),
      };
    });
  }

  async evacuate(node: string, options: OperationOptions): Promise<EvacuateResult> {
    const config = this.#deps.config();
    if (!config.services.some((s) => s.primaryNode === node || s.backupNode === node)) {
      throw new FailoverError("NODE_NOT_FOUND", `no service names node "${node}"`);
    }
    const names = config.services
      .filter((s) => s.primaryNode === node && (options.only?.includes(s.name) ?? true))
      .map((s) => s.name);
    return this.#run("evacuate", names, options, (snapshot) => {
      const { included, skipped, checks, refusedAny, failedAny } = planEvacuation(
        snapshot,
        names,
        this.#deps.live(),
        this.#deps.now(),
        options.force === true,
      );
      if (included.length === 0 && (refusedAny || failedAny)) {
        const code = failedAny ? "PREFLIGHT_FAILED" : "MANIFEST_UNSUPPORTED";
        throw new FailoverError(
          code,
          `evacuate ${node}: nothing could be promoted: ${skipped.map((s) => `${s.name}: ${s.reason}`).join("; ")}`,
          {
            details: { node, checks, skipped },
          },
        );
      }
      const forced = included.some((p) => p.failing.length > 0);
      return {
        committable: { services: included, splices: included.flatMap((p) => p.plan.splices), forced },
        node,
        build: (diff: string, _files: string[], commit: string | null): EvacuateResult => ({
          node,
          action: "evacuate",
          dryRun: options.dryRun === true,
          changed: included.length > 0,
          services: included.map((p) => p.spec.name),
          skipped,
          diff,
          checks,
          commit,
          forced,
        }),
      };
    });
  }

  #requireService(name: string): void {
    if (!this.#deps.config().services.some((s) => s.name === name)) {
      throw new FailoverError("SERVICE_NOT_FOUND", `unknown service "${name}"`);
    }
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

  /**
   * The shared plan → commit → push loop. `plan` runs against each fresh tree, so a retry after
   * a rejected push sees (and respects) what the other writer did.
   */
  #run<R extends { changed: boolean }>(
    action: string,
    services: string[],
    options: OperationOptions,
    plan: (snapshot: RepoSnapshot) => {
      committable: Committable;
      node: string;
      build: (diff: string, files: string[], commit: string | null) => R;
    },
  ): Promise<R> {
    const started = this.#deps.now().getTime();
    const log = this.#deps.logger.child({ requestId: options.requestId, action, services });
    const finish = (result: "success" | "noop" | "refused" | "error") =>
      this.#deps.observer.operationFinished?.(
        action,
        services,
        result,
        (this.#deps.now().getTime() - started) / 1000,
        options.dryRun === true,
      );
    // A dry-run plans from the last fetched snapshot, which is immutable: it needs neither Git nor
    // the queue, so it never waits behind a write. A real operation fetches first, under a deadline.
    const cached = options.dryRun === true ? this.#snapshot : undefined;
    const deadline = cached
      ? undefined
      : operationDeadline(this.#deps.config().git.operationTimeoutSeconds, this.#deps.repo.remote);
    const signal = deadline?.signal;
    let ran = false;
    const work = async () => {
      ran = true;
      try {
        const retries = this.#deps.config().git.pushRetries;
        for (let attempt = 0; ; attempt++) {
          const snapshot = cached ?? (await this.#sync(signal));
          const planned = plan(snapshot);
          const { splices } = planned.committable;
          if (options.dryRun !== true && (action !== "evacuate" || attempt === 0)) {
            log.info(startLine(action, splices.length > 0), { attempt, revision: snapshot.revision });
          }
          const changed = applySplices(snapshot.files, splices);
          const files = [...changed.keys()].sort();
          const diff = files
            .map((f) => unifiedDiff(f, snapshot.files.get(f) ?? "", changed.get(f) ?? ""))
            .join("");
          this.#verify(snapshot, changed, planned.committable);
          if (options.dryRun === true || splices.length === 0) {
            finish(splices.length === 0 ? "noop" : "success");
            return planned.build(diff, files, null);
          }
          for (const s of splices) {
            if (s.reference.kind === "claim") {
              log.info("Updated volume", {
                file: s.file,
                line: s.reference.line,
                from: s.reference.current,
                to: s.reference.values[planned.committable.services[0]?.plan.to ?? "backup"],
              });
            }
          }
          const message = commitMessage({
            action: action as "promote",
            services: planned.committable.services.map((p) => p.spec.name),
            node: planned.node,
            actor: sanitizeActor(options.actor),
            reason: sanitizeReason(options.reason, `requested by ${sanitizeActor(options.actor)}`),
            requestId: options.requestId,
            forced: planned.committable.forced,
          });
          const sha = await this.#deps.repo.commit(changed, message);
          const outcome = await this.#deps.repo.push({ signal }).catch(async (error: unknown) => {
            this.#deps.observer.pushAttempt?.("error");
            await this.#deps.repo.resetToRemote().catch(() => undefined);
            throw error;
          });
          this.#deps.observer.pushAttempt?.(outcome);
          if (outcome === "pushed") {
            const targetNode = planned.committable.services[0]?.plan.node ?? planned.node;
            this.#deps.observer.pushed?.({
              commit: sha,
              files,
              services: planned.committable.services.map((p) => p.spec.name),
              at: this.#deps.now(),
              targetNode,
              action,
            });
            // The push made the remote equal to HEAD: re-read the tree without another fetch.
            await readSnapshot(this.#deps.repo, this.#deps.config(), sha, this.#deps.now())
              .then((next) => {
                this.#publish(next);
                this.#deps.observer.remoteReached?.(next);
              })
              .catch((error: unknown) => log.warn("Refresh after push failed", { error }));
            finish("success");
            return planned.build(diff, files, sha);
          }
          await this.#deps.repo.resetToRemote();
          if (attempt >= retries) {
            throw new FailoverError(
              "GIT_PUSH_REJECTED",
              `push to ${this.#deps.repo.remote} still rejected after ${retries + 1} attempts: the branch keeps moving`,
              {
                retryable: true,
              },
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
        const refused =
          isFailoverError(error) && ["PREFLIGHT_FAILED", "MANIFEST_UNSUPPORTED"].includes(error.code);
        finish(refused ? "refused" : "error");
        if (isFailoverError(error) && error.code.startsWith("GIT_")) {
          log.error("Git operation failed", {
            code: error.code,
            reason: error.message,
            retryable: error.retryable,
          });
        }
        throw error;
      } finally {
        deadline?.clear();
        if (!cached) await this.#deps.repo.release().catch(() => undefined);
      }
    };
    if (cached) return work();
    return this.#queue.run(work, signal).catch((error: unknown) => {
      // The deadline passed while waiting for the operation before it: it never started.
      if (!ran) {
        deadline?.clear();
        finish("error");
      }
      throw error;
    });
  }

  /** Safety net: the edited files must parse and read as the target role before anything is committed. */
  #verify(snapshot: RepoSnapshot, changed: ReadonlyMap<string, string>, committable: Committable): void {
    if (changed.size === 0) return;
    const files = new Map(snapshot.files);
    for (const [f, text] of changed) files.set(f, text);
    // Only the services being switched are re-read: this runs on every dry-run too.
    const only = { ...snapshot.config, services: committable.services.map((p) => p.spec) };
    const after = analyse(only, files, snapshot.readErrors);
    for (const p of committable.services) {
      const state = after.get(p.spec.name);
      const pending = state?.analysis.references.filter((r) => r.current !== r.values[p.plan.to]) ?? [];
      if (
        !state ||
        state.analysis.refusals.length > 0 ||
        state.reading.role !== p.plan.to ||
        pending.length > 0
      ) {
        throw new FailoverError(
          "INTERNAL",
          `${p.spec.name}: the edited manifests do not read as ${p.plan.to}; nothing was committed`,
          {
            details: { problems: state?.reading.problems ?? [] },
          },
        );
      }
    }
  }
}

/**
 * SPEC §6's `Starting backup failover` marks a promote (or evacuate) that changes something; a
 * failback has its own line, and an operation with nothing to change says so instead.
 */
function startLine(action: string, changes: boolean): string {
  if (!changes) {
    return action === "evacuate"
      ? "Nothing to do: no service of the node needs promoting"
      : `Nothing to do: already on the ${action === "promote" ? "backup" : "primary"}`;
  }
  return action === "demote" ? "Starting failback to primary" : "Starting backup failover";
}

function lastPromote(snapshot: RepoSnapshot, service: string): Date | null {
  const op = snapshot.history.find(
    (o) => o.services.includes(service) && (o.action === "promote" || o.action === "evacuate"),
  );
  return op ? new Date(op.at) : null;
}
