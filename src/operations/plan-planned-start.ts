import type { AppConfig } from "../config/app-config.js";
import { FailoverError } from "../domain/failover-error.js";
import type { LiveView } from "../domain/live-state.js";
import { sanitizeActor, sanitizeReason } from "./commit-message.js";
import type { EvacuateResult, OperationOptions, OperationResult } from "./operation-types.js";
import { describeFailing, lastPromoteOf, planService } from "./plan-service.js";
import { planEvacuation } from "./plan-evacuation.js";
import { plannedMoveProblem } from "./planned-move-problem.js";
import type { RepoSnapshot } from "./repo-snapshot.js";
import type { StepPlan } from "./repo-session.js";
import { quiesceFiles } from "./step-files.js";
import { stepMessage } from "./step-message.js";

export type Move =
  { kind: "service"; action: "promote" | "demote"; name: string } | { kind: "node"; node: string };

/** What the start of a planned move committed, or the no-op answer when there was nothing to move. */
export type StartOutcome = { kind: "committed" } | { kind: "noop"; result: OperationResult | EvacuateResult };

export interface StartInput {
  move: Move;
  options: OperationOptions;
  /** The tree in hand (planned again after a rejected push). */
  snapshot: RepoSnapshot;
  /** Services in the middle of a planned move, with its id. */
  open: ReadonlyMap<string, string>;
  live: LiveView | null;
  now: Date;
  config: AppConfig;
}

/**
 * Step 1 of a planned move, planned from the tree in hand: the same checks as the move's dry-run
 * (a `config` refusal 422, a failing check 409 unless forced, a missing ReplicationSource or way to
 * quiesce 422, a move already running 409), then the quiesce commit, recorded even when the app
 * is already stopped in Git. Evacuate moves every eligible primary of the node and lists the rest.
 */
export function planStart(input: StartInput): StepPlan<StartOutcome> {
  const { move, options, snapshot, live, now } = input;
  const nothing = (result: OperationResult | EvacuateResult): StepPlan<StartOutcome> => ({
    changed: new Map(),
    message: null,
    build: () => ({ kind: "noop", result }),
  });
  const conflict = (name: string) => input.open.get(name);
  let services: string[];
  let skipped: { name: string; reason: string }[] = [];
  let node: string;
  let forced: boolean;
  let action: "promote" | "demote" | "evacuate";
  if (move.kind === "service") {
    const other = conflict(move.name);
    if (other !== undefined) {
      throw new FailoverError(
        "OPERATION_CONFLICT",
        `${move.name}: planned move ${other} is still running; wait for it to end, or abort it (POST /api/operations/${other}/abort)`,
        { details: { service: move.name, operation: other } },
      );
    }
    const state = snapshot.services.get(move.name);
    if (!state) throw new FailoverError("SERVICE_NOT_FOUND", `unknown service "${move.name}"`);
    const planned = planService(state, move.action, live, now, lastPromoteOf(snapshot, move.name), true);
    if (planned.refused) {
      throw new FailoverError(
        "MANIFEST_UNSUPPORTED",
        `${move.name}: ${describeFailing(planned.checks.filter((c) => c.name === "config"))}`,
        { details: { service: move.name, checks: planned.checks, problems: state.reading.problems } },
      );
    }
    if (planned.plan.splices.length === 0) {
      return nothing({
        name: move.name,
        action: move.action,
        dryRun: false,
        changed: false,
        from: planned.plan.from,
        to: planned.plan.to,
        diff: "",
        files: [],
        checks: planned.checks,
        commit: null,
        forced: false,
      });
    }
    const problem = plannedMoveProblem(state.spec, snapshot.files, move.action);
    if (problem !== null)
      throw new FailoverError("MANIFEST_UNSUPPORTED", problem, { details: { service: move.name } });
    if (planned.failing.length > 0 && options.force !== true) {
      throw new FailoverError(
        "PREFLIGHT_FAILED",
        `${move.name}: preflight refused: ${describeFailing(planned.failing)}`,
        {
          details: { service: move.name, checks: planned.checks },
        },
      );
    }
    services = [move.name];
    node = planned.plan.node;
    forced = planned.failing.length > 0;
    action = move.action;
  } else {
    const names = input.config.services.filter((s) => s.primaryNode === move.node).map((s) => s.name);
    const plan = planEvacuation(snapshot, names, live, now, options.force === true, true);
    const included = plan.included.filter((p) => conflict(p.spec.name) === undefined);
    skipped = [
      ...plan.skipped,
      ...plan.included
        .filter((p) => conflict(p.spec.name) !== undefined)
        .map((p) => ({
          name: p.spec.name,
          reason: `planned move ${conflict(p.spec.name) ?? ""} is still running`,
        })),
    ];
    if (included.length === 0) {
      const conflicts = skipped.length > plan.skipped.length;
      if (plan.refusedAny || plan.failedAny || conflicts) {
        const code = conflicts
          ? "OPERATION_CONFLICT"
          : plan.failedAny
            ? "PREFLIGHT_FAILED"
            : "MANIFEST_UNSUPPORTED";
        throw new FailoverError(
          code,
          `evacuate ${move.node}: nothing could be moved: ${skipped.map((s) => `${s.name}: ${s.reason}`).join("; ")}`,
          { details: { node: move.node, checks: plan.checks, skipped } },
        );
      }
      return nothing({
        node: move.node,
        action: "evacuate",
        dryRun: false,
        changed: false,
        services: [],
        skipped,
        diff: "",
        checks: plan.checks,
        commit: null,
        forced: false,
      });
    }
    services = included.map((p) => p.spec.name);
    node = move.node;
    forced = included.some((p) => p.failing.length > 0);
    action = "evacuate";
  }
  const specs = services.map((n) => snapshot.services.get(n)?.spec).filter((s) => s !== undefined);
  const files = quiesceFiles(snapshot.files, specs, options.requestId);
  const origin = specs[0] ? (action === "demote" ? specs[0].backupNode : specs[0].primaryNode) : node;
  return {
    changed: files.changed,
    message: stepMessage({
      operation: options.requestId,
      step: "quiesce",
      action,
      services,
      node,
      actor: sanitizeActor(options.actor),
      reason: sanitizeReason(options.reason, `requested by ${sanitizeActor(options.actor)}`),
      forced,
      skipped,
    }),
    allowEmpty: true,
    pushed: { services, targetNode: origin, action: "quiesce" },
    build: () => ({ kind: "committed" }),
  };
}
