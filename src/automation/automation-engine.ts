import { randomUUID } from "node:crypto";
import type { AppConfig } from "../config/app-config.js";
import type { ClusterView } from "../cluster/cluster-view.js";
import { FailoverError } from "../domain/failover-error.js";
import type { Logger } from "../log/logger.js";
import type { FailoverOperations } from "../operations/failover-operations.js";
import { openPlannedMoves } from "../operations/open-moves.js";
import type { RepoSnapshot } from "../operations/repo-snapshot.js";
import { SerialQueue } from "../operations/serial-queue.js";
import { AlertIntake, type ReceivedAlert } from "./alert-intake.js";
import { runAutomaticOperation, type AutomaticPlannedMoves } from "./automatic-operation.js";
import { decide, type DecisionInput, type Outcome, type ServiceFacts, type TriggerFacts } from "./decide.js";
import type { DecisionJournal } from "./decision-journal.js";
import { Episodes } from "./episodes.js";
import { failbackTriggers, runningFailback } from "./failback-watcher.js";
import { guardRailHistory } from "./guard-rail-history.js";
import { NodeSightings } from "./node-sightings.js";
import { nodesNotReady, nodeWatcherFacts } from "./node-watcher.js";
import { serviceFacts } from "./service-facts.js";

/** The Lease holder, as the automation needs it (src/cluster/leader-election.ts provides it). */
export interface LeaderView {
  readonly isLeader: boolean;
  readonly holder: string | null;
  onChange(listener: (isLeader: boolean) => void): () => void;
}

export interface AutomationEngineDeps {
  config: () => AppConfig;
  operations: Pick<FailoverOperations, "snapshot" | "refresh" | "evacuate" | "switchService">;
  /** Failback starts a final-sync demote here (SPEC §5.1); the leader's driver carries it on. */
  planned: AutomaticPlannedMoves;
  /** The live cluster state, or null while the watches are not all up (then nothing is decided). */
  view: () => ClusterView | null;
  leader: LeaderView;
  journal: DecisionJournal;
  logger: Logger;
  now?: () => Date;
  newRequestId?: () => string;
  /** How often the node watcher looks at the nodes (default 1 s; it only reads memory). */
  tickMs?: number;
}

/** How a webhook's alerts were taken in (the work happens after). */
export interface AlertReceipt {
  pending: number;
  duplicates: number;
  unmatched: number;
}

/**
 * Runs the triggers of SPEC §10 on the Lease holder only: the node watcher and failback (every
 * tick) and the Alertmanager alerts (as they arrive, and again when their minFiring is reached). Each
 * evaluation is a pure decision over fresh facts; acting goes through FailoverOperations like
 * any request, one evaluation at a time.
 */
export class AutomationEngine {
  readonly #deps: Required<AutomationEngineDeps>;
  readonly #queue = new SerialQueue();
  readonly #alerts = new AlertIntake();
  readonly #episodes: Episodes;
  readonly #sightings = new NodeSightings();
  readonly #timers = new Set<NodeJS.Timeout>();
  #tick: NodeJS.Timeout | undefined;
  #unsubscribe: (() => void) | undefined;
  #stopped = false;
  #blind = false;

  constructor(deps: AutomationEngineDeps) {
    this.#deps = { now: () => new Date(), newRequestId: randomUUID, tickMs: 1000, ...deps };
    this.#episodes = new Episodes(deps.journal);
  }

  start(): void {
    this.#unsubscribe = this.#deps.leader.onChange((isLeader) => {
      if (isLeader) this.#deps.logger.info("Holding the automation Lease: automation decides here");
      else this.#deps.logger.info("Not holding the automation Lease: no new automatic actions here");
    });
    this.#tick = setInterval(() => this.#onTick(), this.#deps.tickMs);
    this.#tick.unref();
  }

  /** Stops deciding; resolves when a running evaluation (and its operation) has finished. */
  async stop(): Promise<void> {
    this.#stopped = true;
    clearInterval(this.#tick);
    for (const t of this.#timers) clearTimeout(t);
    this.#timers.clear();
    this.#unsubscribe?.();
    await this.#queue.idle();
    await this.#deps.journal.flush();
  }

  /** Dedupes the alerts and decides each new firing one after the response has gone out. */
  receiveAlerts(alerts: readonly ReceivedAlert[]): AlertReceipt {
    if (!this.#deps.leader.isLeader) {
      throw new FailoverError(
        "NOT_LEADER",
        `this replica does not hold the automation Lease (holder: ${this.#deps.leader.holder ?? "none yet"}); retry, Alertmanager does so on a 503`,
        { retryable: true },
      );
    }
    const settings = this.#deps.config().automation;
    const intake = this.#alerts.receive(alerts, settings.alertmanager.rules, this.#deps.now());
    for (const item of intake.immediate) {
      // A rule whose label is missing names no target: the alert's name stands in for it.
      const target = item.target ?? { service: item.alert.alertname };
      this.#deps.journal.record(
        {
          at: this.#iso(),
          trigger: "alertmanager",
          ...target,
          decision: "suppressed",
          reason: item.reason,
          detail: item.detail,
          operation: null,
        },
        item.rule.action,
      );
    }
    for (const p of intake.pending) this.#enqueue(p.key, p.facts);
    return {
      pending: intake.pending.length,
      duplicates: intake.duplicates,
      unmatched: intake.unmatched,
    };
  }

  #onTick(): void {
    const settings = this.#deps.config().automation;
    if (this.#stopped || !settings.enabled || !this.#deps.leader.isLeader) return;
    // One scan at a time; a scan waiting behind an operation would only repeat the same facts.
    if (this.#queue.pending > 0) return;
    void this.#queue.run(() => this.#scan()).catch((error: unknown) => this.#failed(error));
  }

  async #scan(): Promise<void> {
    const view = this.#deps.view();
    const config = this.#deps.config();
    if ((view === null) !== this.#blind) {
      this.#blind = view === null;
      if (this.#blind)
        this.#deps.logger.warn(
          "Automation waits: the cluster watches are not all up; nothing is decided blind",
        );
      else this.#deps.logger.info("Automation sees the cluster again");
    }
    if (view === null) return;
    const nodes = view.nodes();
    this.#sightings.look(nodes, this.#deps.now());
    const triggers = config.automation.nodeWatcher.enabled
      ? nodeWatcherFacts(config.services, nodes, (name) => this.#sightings.firstSeenNotReady(name))
      : [];
    this.#episodes.prune("node-watcher/", new Set(triggers.map((f) => this.#nodeKey(f))));
    for (const facts of triggers) await this.#evaluate(this.#nodeKey(facts), facts);
    await this.#scanFailback(nodes);
  }

  /** Failback (opt-in): each service on its backup whose primary is Ready, one at a time. */
  async #scanFailback(nodes: ReturnType<ClusterView["nodes"]>): Promise<void> {
    const snapshot = this.#deps.operations.snapshot;
    const enabled = this.#deps.config().automation.failback.enabled;
    const triggers =
      enabled && snapshot !== undefined ? failbackTriggers(snapshot, nodes, this.#sightings) : [];
    this.#episodes.prune("failback/", new Set(triggers.map((t) => t.key)));
    for (const t of triggers) {
      await this.#evaluate(t.key, t.facts);
      // A new tree (a failback just started, or a fetch before acting): `running` and the
      // guard rails are read from it at the next tick, a second from now.
      if (this.#deps.operations.snapshot !== snapshot) return;
    }
  }

  #nodeKey(facts: Extract<TriggerFacts, { trigger: "node-watcher" }>): string {
    return `node-watcher/${facts.node}/${facts.notReadySince.toISOString()}`;
  }

  #enqueue(key: string, facts: TriggerFacts, delayMs = 0): void {
    const run = () =>
      void this.#queue.run(() => this.#evaluate(key, facts)).catch((error: unknown) => this.#failed(error));
    if (delayMs <= 0) return run();
    const timer = setTimeout(() => {
      this.#timers.delete(timer);
      run();
    }, delayMs);
    timer.unref();
    this.#timers.add(timer);
  }

  /** Decides once for the episode `key`; acts when the decision says so and this is still the leader. */
  async #evaluate(key: string, facts: TriggerFacts): Promise<void> {
    const settings = this.#deps.config().automation;
    const isAlert = facts.trigger === "alertmanager";
    if (this.#stopped || !settings.enabled) return;
    if (isAlert && !this.#alerts.isPending(key)) return;
    if (!this.#deps.leader.isLeader) {
      this.#deps.logger.info("Automation evaluation dropped: not the Lease holder", { key });
      return;
    }
    if (this.#episodes.isDone(key)) return;
    let outcome = this.#decide(facts);
    if (outcome === null) {
      // No snapshot yet, or the watches are down: decide nothing blind; look again shortly.
      if (isAlert) this.#enqueue(key, facts, 5000);
      return;
    }
    if (outcome.kind === "act") {
      // The guard rails count operations from Git: decide again on a freshly fetched tree.
      try {
        await this.#deps.operations.refresh();
      } catch (error) {
        this.#deps.logger.warn("Fetch before an automatic action failed; deciding again shortly", {
          key,
          error,
        });
        if (isAlert) this.#enqueue(key, facts, 5000);
        return;
      }
      const again = this.#decide(facts);
      if (again === null) {
        // The watches went down meanwhile, or someone else started moving the service.
        if (isAlert) this.#enqueue(key, facts, 5000);
        return;
      }
      outcome = again;
    }
    if (outcome.kind === "wait") {
      if (isAlert) {
        // Alertmanager may not send the alert again for hours (repeat_interval): look again ourselves.
        this.#episodes.record(key, facts, "suppressed", outcome, null, { done: false, at: this.#iso() });
        this.#enqueue(key, facts, outcome.until.getTime() - this.#deps.now().getTime() + 50);
      }
      return;
    }
    if (outcome.kind === "suppress") {
      // An alert is decided once per firing; the node watcher and failback look again at every tick.
      this.#episodes.record(key, facts, "suppressed", outcome, null, { done: isAlert, at: this.#iso() });
      if (isAlert) this.#alerts.decided(key);
      return;
    }
    if (isAlert) this.#alerts.decided(key);
    if (outcome.kind === "would-act") {
      const operation = {
        id: null,
        action: outcome.action,
        services: outcome.services,
        commit: null,
        error: null,
      };
      this.#episodes.record(key, facts, "would-act", outcome, operation, { done: true, at: this.#iso() });
      return;
    }
    if (!this.#deps.leader.isLeader) {
      this.#deps.logger.warn("Lost the automation Lease before acting; nothing done", { key });
      return;
    }
    // The record says when it was decided; the operation's own time is its commit's.
    const decidedAt = this.#iso();
    const id = this.#deps.newRequestId();
    const operation = await runAutomaticOperation(
      this.#deps.operations,
      this.#deps.planned,
      facts,
      outcome,
      id,
    );
    // A failback that could not start is decided again: the failed attempt starts its cooldown.
    const retry = facts.trigger === "failback" && operation.error !== null && operation.commit === null;
    this.#episodes.record(key, facts, "acted", outcome, operation, { done: !retry, at: decidedAt });
  }

  #decide(trigger: TriggerFacts): Outcome | null {
    const view = this.#deps.view();
    const snapshot = this.#deps.operations.snapshot;
    if (view === null || snapshot === undefined) return null;
    let facts = trigger;
    if (facts.trigger === "failback") {
      // From the tree in hand (fetched again before acting), not the one the scan began with.
      const open = openPlannedMoves(snapshot);
      if (open.has(facts.service)) return null; // someone is moving it: nothing to decide
      facts = { ...facts, running: runningFailback(snapshot, open) };
    }
    const config = this.#deps.config();
    const now = this.#deps.now();
    const input: DecisionInput = {
      settings: config.automation,
      facts,
      services: this.#candidates(snapshot, facts, view, now),
      nodesNotReady: nodesNotReady(view.nodes()),
      operations: guardRailHistory(snapshot.commits),
      decisions: this.#deps.journal.log.past(),
      now,
    };
    return decide(input);
  }

  #candidates(snapshot: RepoSnapshot, facts: TriggerFacts, view: ClusterView, now: Date): ServiceFacts[] {
    const names =
      "node" in facts
        ? snapshot.config.services.filter((s) => s.primaryNode === facts.node).map((s) => s.name)
        : [facts.service];
    const failback = facts.trigger === "failback";
    return names
      .map((name) =>
        serviceFacts(snapshot, name, failback ? "demote" : "promote", view, now, { finalSync: failback }),
      )
      .filter((f): f is ServiceFacts => f !== null);
  }

  #iso(): string {
    return this.#deps
      .now()
      .toISOString()
      .replace(/\.\d{3}Z$/, "Z");
  }

  #failed(error: unknown): void {
    this.#deps.logger.error("Automation evaluation failed", { error });
  }
}
