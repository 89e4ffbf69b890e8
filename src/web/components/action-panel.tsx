import { useEffect, useState } from "preact/hooks";
import { ApiError, servicePath } from "../api/api-client";
import type { LiveOperation, OperationResult, Problem, ServiceSummary } from "../api/api-types";
import { useApp } from "../state/app-context";
import type { Session } from "../state/session";
import { ChecksList } from "./checks-list";
import { Dialog } from "./dialog";
import { ForceDialog } from "./force-dialog";
import { MoveKindChoice } from "./move-kind-choice";
import { checksOf, PlanResult, Refusal } from "./plan-view";

type Action = "promote" | "demote";

type Plan =
  | { kind: "loading" }
  | { kind: "ok"; result: OperationResult }
  /** 409 with failing checks: force=true may override them; anything else (422, 409 …) cannot be forced. */
  | { kind: "refused"; problem: Problem; forceable: boolean }
  | { kind: "error"; message: string };

export type Outcome =
  | { kind: "done"; action: Action; result: OperationResult }
  | { kind: "started"; action: Action; operation: LiveOperation }
  | { kind: "error"; action: Action; message: string };

function actionsFor(role: ServiceSummary["role"]): Action[] {
  if (role === "primary") return ["promote"];
  if (role === "backup") return ["demote"];
  return ["promote", "demote"];
}

function planFailure(error: unknown): Plan {
  if (error instanceof ApiError && error.problem && (error.status === 409 || error.status === 422)) {
    const forceable = error.status === 409 && error.problem.code === "PREFLIGHT_FAILED";
    return { kind: "refused", problem: error.problem, forceable };
  }
  return { kind: "error", message: error instanceof Error ? error.message : String(error) };
}

/** The dry-run (GET where the server plans with GET; POST otherwise, which needs an operator). */
async function fetchPlan(
  session: Session,
  service: string,
  action: Action,
  finalSync: boolean,
  signal: AbortSignal,
) {
  const path = `${servicePath(service)}/${action}?dry-run=true${finalSync ? "&final-sync=true" : ""}`;
  try {
    return await session.api<OperationResult>(path, { signal });
  } catch (error) {
    const canOperate = session.canOperate();
    if (error instanceof ApiError && error.status === 405 && canOperate) {
      return session.api<OperationResult>(path, { method: "POST", signal });
    }
    if (error instanceof ApiError && error.status === 405) {
      throw new Error(`this server plans a ${action} only for an operator token (sign in to see the plan)`);
    }
    throw error;
  }
}

/**
 * Plan, then act: the dry-run's diff and checks are shown first; the action button asks for a
 * confirmation; a refusal shows the failing checks, and only then can an operator force it, after
 * ticking that they read them. The move is an emergency one (switch now) or a planned one with a
 * final sync (SPEC §5.1), which answers 202 and whose steps the service page follows live. The
 * API decides in the end (it checks the token and plans again).
 */
export function ActionPanel({
  summary,
  revision,
  canOperate,
  running,
  onOutcome,
}: {
  summary: ServiceSummary;
  revision: string;
  canOperate: boolean;
  /** A planned move of this service still under way: no second move is offered meanwhile. */
  running: LiveOperation | undefined;
  onOutcome: (outcome: Outcome) => void;
}) {
  const { session, live } = useApp();
  const actions = actionsFor(summary.role);
  const [action, setAction] = useState<Action | null>(actions.length === 1 ? (actions[0] ?? null) : null);
  const [finalSync, setFinalSync] = useState(false);
  const [plan, setPlan] = useState<Plan>({ kind: "loading" });
  const [plannedFor, setPlannedFor] = useState<string | null>(null);
  const [reason, setReason] = useState("");
  const [confirm, setConfirm] = useState<null | "run" | "force">(null);
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    if (action === null) return;
    const controller = new AbortController();
    // A new revision re-plans in place (the shown plan stays until the new one arrives).
    const key = `${action} ${finalSync}`;
    if (plannedFor !== key) setPlan({ kind: "loading" });
    fetchPlan(session, summary.name, action, finalSync, controller.signal).then(
      (result) => {
        setPlan({ kind: "ok", result });
        setPlannedFor(key);
      },
      (error: unknown) => {
        if (controller.signal.aborted) return;
        setPlan(planFailure(error));
        setPlannedFor(key);
      },
    );
    return () => controller.abort();
  }, [summary.name, action, finalSync, revision, canOperate]);

  const target = action === "demote" ? summary.primaryNode : summary.backupNode;
  const verb = action === "demote" ? "Demote" : "Promote";
  const how = finalSync ? " with a final sync" : "";

  const execute = async (force: boolean) => {
    if (action === null) return;
    setConfirm(null);
    setBusy(true);
    try {
      const body: Record<string, unknown> = { force };
      if (finalSync) body.finalSync = true;
      if (reason.trim() !== "") body.reason = reason.trim();
      const answer = await session.api<OperationResult | LiveOperation>(
        `${servicePath(summary.name)}/${action}`,
        { method: "POST", body },
      );
      if ("steps" in answer) {
        // 202: a planned move started; its steps arrive as events, this answer shows it at once.
        live.operationSeen(answer);
        onOutcome({ kind: "started", action, operation: answer });
      } else onOutcome({ kind: "done", action, result: answer });
      setReason("");
    } catch (error) {
      const failure = planFailure(error);
      // A refusal now (the state moved since the plan): show its checks, so force can follow.
      if (failure.kind === "refused") setPlan(failure);
      onOutcome({ kind: "error", action, message: error instanceof Error ? error.message : String(error) });
    } finally {
      setBusy(false);
    }
  };

  const offered =
    canOperate &&
    running === undefined &&
    ((plan.kind === "ok" && plan.result.changed) || (plan.kind === "refused" && plan.forceable));

  return (
    <section class="card" aria-labelledby="action-title">
      <h2 id="action-title">Failover</h2>
      {actions.length > 1 ? (
        <div class="button-row">
          {actions.map((a) => (
            <button
              key={a}
              type="button"
              class="button"
              aria-pressed={action === a}
              onClick={() => setAction(a)}
            >
              Plan {a}
            </button>
          ))}
        </div>
      ) : null}
      {action === null ? (
        <p class="muted">The role is {summary.role}: choose what to plan.</p>
      ) : (
        <div class="stack" data-plan={plan.kind} aria-busy={plan.kind === "loading"}>
          <MoveKindChoice action={action} finalSync={finalSync} onChange={setFinalSync} />
          <h3>
            Plan: {action} {summary.name} to {action === "demote" ? "primary" : "backup"} on {target}
            {how}
          </h3>
          {plan.kind === "loading" ? <p class="muted">Planning (dry-run)…</p> : null}
          {plan.kind === "error" ? (
            <p class="error-text" role="alert">
              Could not plan: {plan.message}
            </p>
          ) : null}
          {plan.kind === "ok" ? <PlanResult result={plan.result} finalSync={finalSync} /> : null}
          {plan.kind === "refused" ? <Refusal problem={plan.problem} forceable={plan.forceable} /> : null}

          {running !== undefined && canOperate ? (
            <p class="muted">
              A planned move of {summary.name} is under way (above): follow it, or abort it before its switch.
            </p>
          ) : null}
          {offered ? (
            <div class="stack">
              <label for="reason">Reason (recorded in the commit)</label>
              <input
                id="reason"
                type="text"
                maxLength={200}
                placeholder="e.g. w1 lost power"
                value={reason}
                onInput={(e) => setReason(e.currentTarget.value)}
              />
              {plan.kind === "ok" ? (
                <button
                  type="button"
                  class="button primary big"
                  disabled={busy}
                  onClick={() => setConfirm("run")}
                >
                  {verb} {summary.name} to {target}
                  {how}
                </button>
              ) : (
                <button
                  type="button"
                  class="button danger big"
                  disabled={busy}
                  onClick={() => setConfirm("force")}
                >
                  Force {action} {summary.name}
                  {how}…
                </button>
              )}
            </div>
          ) : null}
          {!canOperate && plan.kind !== "loading" ? (
            <p class="muted">Read-only: an operator token is needed to {action}.</p>
          ) : null}
          {busy ? (
            <p class="muted" role="status">
              {finalSync
                ? `Starting the planned ${action}: committing its first step…`
                : `${verb} in progress: committing and pushing…`}
            </p>
          ) : null}
        </div>
      )}

      {confirm === "run" ? (
        <Dialog id="confirm" title={`${verb} ${summary.name}${how}?`} onClose={() => setConfirm(null)}>
          {finalSync ? (
            <p>
              This starts a planned move: {summary.name} is scaled to zero through Git, VolSync copies its
              last writes, then it moves to {target}. It is down until it runs there; you can abort until the
              switch.
            </p>
          ) : (
            <p>
              This commits the change shown to Git and pushes it; Flux then moves {summary.name} to {target}.
            </p>
          )}
          <div class="button-row">
            <button type="button" class="button primary" onClick={() => void execute(false)}>
              {finalSync ? "Start the planned move" : `${verb} now`}
            </button>
            <button type="button" class="button" onClick={() => setConfirm(null)}>
              Cancel
            </button>
          </div>
        </Dialog>
      ) : null}
      {confirm === "force" && plan.kind === "refused" ? (
        <ForceDialog
          id="force"
          title={`Force ${action ?? ""} ${summary.name}${how}?`}
          confirmLabel={`Force ${action ?? ""}`}
          onConfirm={() => void execute(true)}
          onClose={() => setConfirm(null)}
        >
          <p>
            These checks fail. Forcing overrides them and records it in the commit (Failover-Forced: true):
          </p>
          <ChecksList checks={checksOf(plan.problem).filter((c) => c.status === "fail")} />
        </ForceDialog>
      ) : null}
    </section>
  );
}
