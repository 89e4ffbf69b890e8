import type { AppConfig } from "../config/app-config.js";
import { FailoverError } from "../domain/failover-error.js";
import type { Folded } from "../domain/fold-operation.js";
import type { LiveView } from "../domain/live-state.js";
import type { OperationDetail, StepName } from "../domain/operation-detail.js";
import { directionOf } from "../domain/planned-move-plan.js";
import { targetRoleOf } from "../domain/service-spec.js";
import type { Logger } from "../log/logger.js";
import { sanitizeActor, sanitizeReason } from "./commit-message.js";
import type { FailoverOperations } from "./failover-operations.js";
import { moveAction, type OperationContext } from "./operation-facts.js";
import type { OperationReader } from "./operation-reader.js";
import type { EvacuateResult, OperationOptions, OperationResult } from "./operation-types.js";
import { describeFailing, planService } from "./plan-service.js";
import { lastPromoteOf } from "./plan-service.js";
import { openPlannedMoves } from "./open-moves.js";
import { type Move, planStart } from "./plan-planned-start.js";
import { plannedMoveProblem } from "./planned-move-problem.js";
import type { RepoSnapshot } from "./repo-snapshot.js";
import { rollbackFiles, switchFilesOf, triggerFiles } from "./step-files.js";
import { refuseUnlessAbortable, type StepFilesPlan, stepCommitPlan } from "./planned-step-commit.js";

/** The replicas' leader, as the planned moves need it (src/cluster/leader-election.ts implements it). */
export interface Leadership {
  readonly isLeader: boolean;
  readonly holder: string | null;
}

export interface PlannedMovesObserver {
  /** Every change of an operation's state (SPEC §7.1's `operation` event publishes it). */
  operationChanged?(operation: OperationDetail): void;
  /** `failover_final_sync_seconds`: from the trigger's commit to the sync that answered it. */
  finalSynced?(seconds: number): void;
}

export interface PlannedMovesDeps {
  operations: FailoverOperations;
  reader: OperationReader;
  config: () => AppConfig;
  live: () => LiveView | null;
  /** Null without a cluster. */
  leader: () => Leadership | null;
  logger: Logger;
  now: () => Date;
}

/** A planned move started, or an answer that needs no operation (dry-run, already there). */
export type StartResult =
  | { kind: "operation"; operation: OperationDetail }
  | { kind: "result"; result: OperationResult | EvacuateResult };

/**
 * Planned moves with a final sync (SPEC §5.1), as commits: `start` validates and commits step 1
 * (so the operation exists in Git before anyone is told its id), `advance` commits whatever the
 * fold says comes next, `abort` commits the rollback. Every step is planned again from the tree
 * in hand inside the write loop, so a step someone else already took plans nothing.
 */
export class PlannedMoves {
  readonly #deps: PlannedMovesDeps;
  readonly #observers = new Set<PlannedMovesObserver>();
  /** Operations whose switch waits for a NotReady target node (logged once). */
  readonly #waiting = new Set<string>();
  /** The last state told to the observers, per operation (newest 200). */
  readonly #published = new Map<string, string>();

  constructor(deps: PlannedMovesDeps) {
    this.#deps = deps;
  }

  get reader(): OperationReader {
    return this.#deps.reader;
  }

  /** Subscribes to operation changes; returns the unsubscribe function. */
  observe(observer: PlannedMovesObserver): () => void {
    this.#observers.add(observer);
    return () => this.#observers.delete(observer);
  }

  /** Tells the observers about an operation's state, once per change. */
  emit(operation: OperationDetail): void {
    const text = JSON.stringify(operation);
    if (this.#published.get(operation.id) === text) return;
    this.#published.delete(operation.id);
    this.#published.set(operation.id, text);
    for (const key of this.#published.keys()) {
      if (this.#published.size <= 200) break;
      this.#published.delete(key);
    }
    for (const o of this.#observers) {
      try {
        o.operationChanged?.(operation);
      } catch (error) {
        this.#deps.logger.error("Operation observer failed", { error: String(error) });
      }
    }
  }

  /** Resolves with the operation once it has ended, or as it stands after `timeoutMs`. */
  async untilEnded(id: string, timeoutMs: number): Promise<OperationDetail> {
    let last: OperationDetail | undefined;
    let finish: (op: OperationDetail) => void = () => undefined;
    const ended = new Promise<OperationDetail>((resolve) => (finish = resolve));
    // Subscribed before the first read, so an end between the two is not missed.
    const unsubscribe = this.observe({
      operationChanged: (op) => {
        if (op.id !== id) return;
        last = op;
        if (op.state !== "running") finish(op);
      },
    });
    let timer: NodeJS.Timeout | undefined;
    try {
      const current = await this.get(id);
      last ??= current;
      if (current.state !== "running") return current;
      const timedOut = new Promise<OperationDetail>((resolve) => {
        timer = setTimeout(() => resolve(last ?? current), timeoutMs);
      });
      return await Promise.race([ended, timedOut]);
    } finally {
      clearTimeout(timer);
      unsubscribe();
    }
  }

  start(action: "promote" | "demote", name: string, options: OperationOptions): Promise<StartResult> {
    return this.#start({ kind: "service", action, name }, options);
  }

  startEvacuation(node: string, options: OperationOptions): Promise<StartResult> {
    return this.#start({ kind: "node", node }, options);
  }

  async #start(move: Move, options: OperationOptions): Promise<StartResult> {
    const ops = this.#deps.operations;
    const config = this.#deps.config();
    if (move.kind === "service" && !config.services.some((s) => s.name === move.name))
      throw new FailoverError("SERVICE_NOT_FOUND", `unknown service "${move.name}"`);
    if (
      move.kind === "node" &&
      !config.services.some((s) => s.primaryNode === move.node || s.backupNode === move.node)
    )
      throw new FailoverError("NODE_NOT_FOUND", `no service names node "${move.node}"`);
    this.#requireCluster();
    const snapshot = ops.snapshot ?? (await ops.refresh());
    const dryRun = { ...options, finalSync: true };
    // Already there: the idempotent no-op answer, whatever a move would have needed.
    if (move.kind === "service" && this.#alreadyThere(snapshot, move))
      return { kind: "result", result: await ops.switchService(move.name, move.action, dryRun) };
    if (move.kind === "service") {
      const state = snapshot.services.get(move.name);
      const problem = state ? plannedMoveProblem(state.spec, snapshot.files, move.action) : null;
      if (problem !== null)
        throw new FailoverError("MANIFEST_UNSUPPORTED", problem, { details: { service: move.name } });
    }
    if (options.dryRun === true) {
      const result =
        move.kind === "service"
          ? await ops.switchService(move.name, move.action, dryRun)
          : await ops.evacuate(move.node, dryRun);
      return { kind: "result", result };
    }
    this.#requireLeader();
    const running = await this.#runningOperations(snapshot);
    const id = options.requestId;
    const services = move.kind === "service" ? [move.name] : [];
    const outcome = await ops.session.step({ requestId: id, action: "quiesce", services }, (fresh) =>
      planStart({
        move,
        options,
        snapshot: fresh,
        open: new Map([...running, ...openPlannedMoves(fresh)]),
        live: this.#deps.live(),
        now: this.#deps.now(),
        config: this.#deps.config(),
      }),
    );
    // Nothing to move after all (someone else moved it meanwhile): an idempotent no-op.
    if (outcome.kind === "noop") return { kind: "result", result: outcome.result };
    const { folded } = await this.#deps.reader.read(id, ops.snapshot ?? snapshot);
    this.#deps.logger.info("Planned move started", { operation: id, services: folded.operation.services });
    this.emit(folded.operation);
    return { kind: "operation", operation: folded.operation };
  }

  #alreadyThere(snapshot: RepoSnapshot, move: { action: "promote" | "demote"; name: string }): boolean {
    return snapshot.services.get(move.name)?.reading.role === targetRoleOf(move.action);
  }

  #requireCluster(): void {
    if (this.#deps.live() !== null) return;
    if (this.#deps.leader() !== null) {
      // A cluster is configured; its watches are reconnecting (the live view returns shortly).
      throw new FailoverError(
        "CLUSTER_UNAVAILABLE",
        "the cluster watches are reconnecting, and a final sync must see the app stop and VolSync finish; retry shortly",
        { retryable: true },
      );
    }
    throw new FailoverError(
      "CLUSTER_REQUIRED",
      "a final sync needs the cluster: failover-api must see the app stop and VolSync finish before it switches, " +
        "and this server has no cluster (cluster.enabled is false, or no in-cluster config or KUBECONFIG); " +
        "run it with a cluster, or move without --final-sync",
    );
  }

  #requireLeader(): void {
    const leader = this.#deps.leader();
    if (leader === null || leader.holder === null) {
      throw new FailoverError(
        "CLUSTER_UNAVAILABLE",
        "no replica holds the leader Lease yet, and only the leader drives planned moves; retry in a few seconds " +
          "(if this lasts, check that the server may get, create and update Leases in its namespace)",
        { retryable: true },
      );
    }
  }

  /** Services with a running operation (by its full state), for the conflict check. */
  async #runningOperations(snapshot: RepoSnapshot): Promise<Map<string, string>> {
    const running = new Map<string, string>();
    for (const id of this.#deps.reader.ids(snapshot).slice(0, 50)) {
      const commits = this.#deps.reader.commitsOf(snapshot, id);
      if (commits[0]?.step === null || commits[0]?.step === "switch") continue;
      const { folded } = await this.#deps.reader.read(id, snapshot);
      if (folded.operation.state === "running") for (const s of folded.operation.services) running.set(s, id);
    }
    return running;
  }

  /** SPEC §5.2: one operation. */
  async get(id: string): Promise<OperationDetail> {
    const snapshot = this.#deps.operations.snapshot ?? (await this.#deps.operations.refresh());
    return (await this.#deps.reader.read(id, snapshot)).folded.operation;
  }

  /** The newest operations, newest first. */
  async list(limit: number): Promise<OperationDetail[]> {
    const snapshot = this.#deps.operations.snapshot ?? (await this.#deps.operations.refresh());
    const out: OperationDetail[] = [];
    for (const id of this.#deps.reader.ids(snapshot).slice(0, limit)) {
      out.push((await this.#deps.reader.read(id, snapshot)).folded.operation);
    }
    return out;
  }

  /** Rolls back a planned move that has not switched yet; any replica (or the local CLI) may. */
  async abort(id: string, options: { actor: string; reason?: string | undefined }): Promise<OperationDetail> {
    const ops = this.#deps.operations;
    const { ctx, folded } = await this.#deps.reader.read(id, await ops.refresh());
    refuseUnlessAbortable(id, folded);
    const actor = sanitizeActor(options.actor);
    const error = `aborted by ${actor}${options.reason ? `: ${sanitizeReason(options.reason, "")}` : ""}`;
    await this.#commit(ctx, "rollback", (snapshot, fresh) => {
      refuseUnlessAbortable(id, fresh);
      return { files: rollbackFiles(snapshot.files, ctx.specs, ctx.base, id), outcome: "aborted", error };
    });
    return this.#reread(id);
  }

  /**
   * The driver's unit of work: commits the step the fold says comes next, if any, and returns the
   * operation as it stands after it. Only the leader calls it.
   */
  async advance(id: string): Promise<OperationDetail> {
    const ops = this.#deps.operations;
    const snapshot = ops.snapshot ?? (await ops.refresh());
    const { ctx, folded } = await this.#deps.reader.read(id, snapshot);
    const next = folded.next;
    const to = targetRoleOf(moveAction(ctx));
    if (next.kind === "final-sync") {
      await this.#commit(ctx, "final-sync", (s, fresh) => {
        if (fresh.next.kind !== "final-sync") return null;
        const files = triggerFiles(s.files, ctx.specs, id, directionOf(moveAction(ctx)), fresh.next.stage);
        return { files };
      });
    } else if (next.kind === "switch") {
      await this.#commit(ctx, "switch", (s, fresh) => {
        if (fresh.next.kind !== "switch") return null;
        const refusal = this.#switchRefusal(ctx, s);
        // A target node NotReady for a moment (a kubelet hiccup) is waited out, up to
        // quiesceTimeout past the final sync (VolSync's time); anything else rolls back at once.
        if (
          refusal?.transient === true &&
          this.#deps.now().getTime() < this.#syncedAt(ctx) + quiesceMs(ctx)
        ) {
          if (!this.#waiting.has(id))
            this.#deps.logger.warn("Switch waits for its target node", {
              operation: id,
              reason: refusal.message,
            });
          this.#waiting.add(id);
          return null;
        }
        if (refusal !== null)
          return {
            files: rollbackFiles(s.files, ctx.specs, ctx.base, id),
            outcome: "failed",
            error: refusal.message,
            step: "rollback",
          };
        this.#observeFinalSync(ctx, fresh);
        return { files: switchFilesOf(s.files, ctx.specs, ctx.base, id, to) };
      });
    } else if (next.kind === "rollback") {
      this.#deps.logger.warn("Rolling back a planned move", { operation: id, reason: next.error });
      await this.#commit(ctx, "rollback", (s, fresh) => {
        if (fresh.next.kind !== "rollback") return null;
        return {
          files: rollbackFiles(s.files, ctx.specs, ctx.base, id),
          outcome: "failed",
          error: fresh.next.error,
        };
      });
    } else return folded.operation;
    return this.#reread(id);
  }

  async #reread(id: string): Promise<OperationDetail> {
    const snapshot = this.#deps.operations.snapshot ?? (await this.#deps.operations.refresh());
    const { folded } = await this.#deps.reader.read(id, snapshot);
    this.emit(folded.operation);
    return folded.operation;
  }

  /**
   * At the switch the preflight runs again (the target node may have gone NotReady meanwhile).
   * `transient`: only `target-node-ready` fails, which may pass again in a moment.
   */
  #switchRefusal(
    ctx: OperationContext,
    snapshot: RepoSnapshot,
  ): { message: string; transient: boolean } | null {
    const forced = ctx.commits[0]?.forced === true;
    const action = moveAction(ctx);
    const problems: string[] = [];
    let transient = true;
    for (const spec of ctx.specs) {
      const state = snapshot.services.get(spec.name);
      if (!state) {
        problems.push(`${spec.name} is no longer configured`);
        continue;
      }
      const planned = planService(
        state,
        action,
        this.#deps.live(),
        this.#deps.now(),
        lastPromoteOf(snapshot, spec.name),
        true,
      );
      if (planned.refused) {
        transient = false;
        problems.push(`${spec.name}: ${describeFailing(planned.checks.filter((c) => c.name === "config"))}`);
      } else if (planned.failing.length > 0 && !forced) {
        if (planned.failing.some((c) => c.name !== "target-node-ready")) transient = false;
        problems.push(`${spec.name}: ${describeFailing(planned.failing)}`);
      }
    }
    if (problems.length === 0) return null;
    return { message: `the switch was refused by the preflight: ${problems.join("; ")}`, transient };
  }

  /** When the final sync ended (the latest `lastSyncTime` answering this operation); 0 unknown. */
  #syncedAt(ctx: OperationContext): number {
    const live = this.#deps.live();
    let latest = 0;
    for (const spec of ctx.specs) {
      for (const rep of spec.replication) {
        if (rep.direction !== directionOf(moveAction(ctx))) continue;
        const seen = live?.replication(spec.namespace, rep.kind, rep.name);
        if (seen?.lastManualSync === ctx.id && seen.lastSyncTime)
          latest = Math.max(latest, Date.parse(seen.lastSyncTime));
      }
    }
    return latest;
  }

  #observeFinalSync(ctx: OperationContext, fresh: Folded): void {
    const started = fresh.operation.steps.find((s) => s.name === "final-sync")?.startedAt;
    const latest = this.#syncedAt(ctx);
    if (!started || latest === 0) return;
    const seconds = Math.max(0, (latest - Date.parse(started)) / 1000);
    for (const o of this.#observers) o.finalSynced?.(seconds);
  }

  /**
   * Commits one step through the write loop. `plan` sees the fresh tree and the operation folded
   * on it; returning null means the step is no longer due (someone else took it).
   */
  async #commit(
    ctx: OperationContext,
    step: StepName,
    plan: (snapshot: RepoSnapshot, fresh: Folded) => StepFilesPlan | null,
  ): Promise<void> {
    const ops = this.#deps.operations;
    const reader = this.#deps.reader;
    const applied = await reader.appliedSince(ctx, ops.snapshot ?? (await ops.refresh()));
    const first = ctx.commits[0];
    if (!first) return;
    await ops.session.step({ requestId: ctx.id, action: step, services: first.services }, (snapshot) => {
      const commits = reader.commitsOf(snapshot, ctx.id);
      const current = { ...ctx, commits: commits.length > 0 ? commits : ctx.commits };
      const fresh = reader.fold(current, reader.factsWith(current, snapshot, applied));
      const planned = plan(snapshot, fresh);
      if (planned === null) return { changed: new Map(), message: null, build: () => undefined };
      for (const note of planned.files.kept)
        this.#deps.logger.warn("Left a value someone else changed", { operation: ctx.id, note });
      return stepCommitPlan(current, step, planned);
    });
  }
}

function quiesceMs(ctx: OperationContext): number {
  return (Math.max(0, ...ctx.specs.map((s) => s.quiesceTimeoutSeconds)) || 300) * 1000;
}
