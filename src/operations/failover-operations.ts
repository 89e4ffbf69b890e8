import type { AppConfig } from "../config/app-config.js";
import type { OperationDetail } from "../domain/operation-detail.js";
import { FailoverError, isFailoverError } from "../domain/failover-error.js";
import type { LiveView } from "../domain/live-state.js";
import type { Splice } from "../domain/switch-plan.js";
import type { Logger } from "../log/logger.js";
import { applySplices } from "../manifests/apply-splices.js";
import { commitMessage, sanitizeActor, sanitizeReason } from "./commit-message.js";
import { operationFromCommit } from "./history.js";
import type { EvacuateResult, Operation, OperationOptions, OperationResult } from "./operation-types.js";
import { describeFailing, lastPromoteOf, planService, type PlannedService } from "./plan-service.js";
import { planEvacuation } from "./plan-evacuation.js";
import { analyse, type RepoSnapshot, type ServiceState } from "./repo-snapshot.js";
import type { Repository } from "./repository.js";
import { openPlannedMoves } from "./open-moves.js";
import { RepoSession, type SessionObserver } from "./repo-session.js";

export interface OperationObserver extends SessionObserver {
  /** A planned move ended (counted once, by the replica that drove it). */
  plannedMoveEnded?(operation: OperationDetail): void;
  operationFinished?(
    action: string,
    services: string[],
    result: "success" | "noop" | "refused" | "error",
    seconds: number,
    dryRun: boolean,
  ): void;
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
  readonly #session: RepoSession;

  constructor(deps: FailoverOperationsDeps) {
    this.#deps = {
      live: () => null,
      observer: {},
      now: () => new Date(),
      sleep: (ms) => new Promise((r) => setTimeout(r, ms)),
      random: Math.random,
      ...deps,
    };
    this.#session = new RepoSession({
      repo: this.#deps.repo,
      config: this.#deps.config,
      logger: this.#deps.logger,
      observer: this.#deps.observer,
      now: this.#deps.now,
      sleep: this.#deps.sleep,
      random: this.#deps.random,
    });
  }

  /** The working clone and its write loop, shared with the planned moves. */
  get session(): RepoSession {
    return this.#session;
  }

  /** The last analysed state of the repository (what read requests answer from). */
  get snapshot(): RepoSnapshot | undefined {
    return this.#session.snapshot;
  }

  get busy(): boolean {
    return this.#session.busy;
  }

  idle(): Promise<void> {
    return this.#session.idle();
  }

  /** Fetches and re-reads the repository. Queued behind any running operation. */
  refresh(): Promise<RepoSnapshot> {
    return this.#session.refresh();
  }

  /** Re-analyses the current snapshot under a new configuration, without touching Git. */
  reconfigure(): Promise<void> {
    return this.#session.reconfigure();
  }

  async history(service: string, limit: number): Promise<Operation[]> {
    this.#requireService(service);
    // Step commits of a planned move before its switch are not role changes: /operations shows them.
    const commits = await this.#deps.repo.log({ limit: limit * 4, service });
    return commits
      .map(operationFromCommit)
      .filter((o): o is Operation => o !== undefined)
      .slice(0, limit);
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
      const running = options.dryRun === true ? undefined : openPlannedMoves(snapshot).get(name);
      if (running !== undefined) {
        throw new FailoverError(
          "OPERATION_CONFLICT",
          `${name}: planned move ${running} is still running and has scaled the app down; abort it first ` +
            `(POST /api/operations/${running}/abort), or wait for it to end`,
          { details: { service: name, operation: running } },
        );
      }
      const lastPromoteAt = action === "demote" ? lastPromoteOf(snapshot, name) : null;
      const planned = planService(
        state,
        action,
        this.#deps.live(),
        this.#deps.now(),
        lastPromoteAt,
        options.finalSync === true,
      );
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
      // A service in the middle of a planned move is left to it (abort it to move it now).
      const open = openPlannedMoves(snapshot);
      const busy = names.filter((n) => open.has(n));
      const { included, skipped, checks, refusedAny, failedAny } = planEvacuation(
        snapshot,
        names.filter((n) => !open.has(n)),
        this.#deps.live(),
        this.#deps.now(),
        options.force === true,
        options.finalSync === true,
      );
      for (const n of busy)
        skipped.push({ name: n, reason: `planned move ${open.get(n) ?? ""} is still running` });
      if (included.length === 0 && (refusedAny || failedAny || busy.length > 0)) {
        const code = failedAny
          ? "PREFLIGHT_FAILED"
          : refusedAny
            ? "MANIFEST_UNSUPPORTED"
            : "OPERATION_CONFLICT";
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

  /**
   * A promote, demote or evacuate through the session's write loop: plan (with its start line
   * logged after each fetch), verify the edited files, commit, push.
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
    const dryRun = options.dryRun === true;
    return this.#session
      .step(
        // Dry-run plans from the last fetched tree (fast); a real operation always fetches first.
        { requestId: options.requestId, action, services, fromSnapshot: dryRun },
        (snapshot, attempt, provisional) => {
          const planned = plan(snapshot);
          const { splices } = planned.committable;
          // A provisional plan that changes nothing is planned again on a fetched tree: log once, then.
          const settled = !provisional || splices.length > 0;
          if (!dryRun && settled && (action !== "evacuate" || attempt === 0)) {
            log.info(startLine(action, splices.length > 0), { attempt, revision: snapshot.revision });
          }
          const changed = applySplices(snapshot.files, splices);
          const analysed = this.#verify(snapshot, changed, planned.committable);
          const commitNow = !dryRun && splices.length > 0;
          if (commitNow) {
            for (const s of splices) {
              if (s.reference.kind !== "claim") continue;
              log.info("Updated volume", {
                file: s.file,
                line: s.reference.line,
                from: s.reference.current,
                to: s.reference.values[planned.committable.services[0]?.plan.to ?? "backup"],
              });
            }
          }
          return {
            changed,
            analysed,
            message: commitNow
              ? commitMessage({
                  action: action as "promote",
                  services: planned.committable.services.map((p) => p.spec.name),
                  node: planned.node,
                  actor: sanitizeActor(options.actor),
                  reason: sanitizeReason(options.reason, `requested by ${sanitizeActor(options.actor)}`),
                  requestId: options.requestId,
                  forced: planned.committable.forced,
                })
              : null,
            pushed: {
              services: planned.committable.services.map((p) => p.spec.name),
              targetNode: planned.committable.services[0]?.plan.node ?? planned.node,
              action,
            },
            build: ({ commit, diff, files }) => {
              finish(splices.length === 0 ? "noop" : "success");
              return planned.build(diff, files, commit);
            },
          };
        },
      )
      .catch((error: unknown) => {
        const refused =
          isFailoverError(error) && ["PREFLIGHT_FAILED", "MANIFEST_UNSUPPORTED"].includes(error.code);
        finish(refused ? "refused" : "error");
        throw error;
      });
  }

  /** Safety net: the edited files must parse and read as the target role before anything is committed. */
  #verify(
    snapshot: RepoSnapshot,
    changed: ReadonlyMap<string, string>,
    committable: Committable,
  ): ReadonlyMap<string, ServiceState> {
    if (changed.size === 0) return new Map();
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
    return after;
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
