import { useEffect, useState } from "preact/hooks";
import { ApiError, servicePath } from "../api/api-client";
import type { Check, OperationResult, Problem, ServiceSummary } from "../api/api-types";
import { shortSha } from "../format";
import { useApp } from "../state/app-context";
import type { Session } from "../state/session";
import { ChecksList } from "./checks-list";
import { Dialog } from "./dialog";
import { DiffView } from "./diff-view";

type Action = "promote" | "demote";

type Plan =
  | { kind: "loading" }
  | { kind: "ok"; result: OperationResult }
  /** 409: failing checks that force=true may override; 422: not forceable. */
  | { kind: "refused"; problem: Problem; forceable: boolean }
  | { kind: "error"; message: string };

export type Outcome =
  | { kind: "done"; action: Action; result: OperationResult }
  | { kind: "error"; action: Action; message: string };

function actionsFor(role: ServiceSummary["role"]): Action[] {
  if (role === "primary") return ["promote"];
  if (role === "backup") return ["demote"];
  return ["promote", "demote"];
}

const checksOf = (problem: Problem): Check[] => (Array.isArray(problem.checks) ? problem.checks : []);

function planFailure(error: unknown): Plan {
  if (error instanceof ApiError && error.problem && (error.status === 409 || error.status === 422)) {
    return { kind: "refused", problem: error.problem, forceable: error.status === 409 };
  }
  return { kind: "error", message: error instanceof Error ? error.message : String(error) };
}

/** The dry-run (GET where the server plans with GET; POST otherwise, which needs an operator). */
async function fetchPlan(session: Session, service: string, action: Action, signal: AbortSignal) {
  const path = `${servicePath(service)}/${action}?dry-run=true`;
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
 * ticking that they read them. The API decides in the end (it checks the token and plans again).
 */
export function ActionPanel({
  summary,
  revision,
  canOperate,
  onOutcome,
}: {
  summary: ServiceSummary;
  revision: string;
  canOperate: boolean;
  onOutcome: (outcome: Outcome) => void;
}) {
  const { session } = useApp();
  const actions = actionsFor(summary.role);
  const [action, setAction] = useState<Action | null>(actions.length === 1 ? (actions[0] ?? null) : null);
  const [plan, setPlan] = useState<Plan>({ kind: "loading" });
  const [plannedAction, setPlannedAction] = useState<Action | null>(null);
  const [reason, setReason] = useState("");
  const [confirm, setConfirm] = useState<null | "run" | "force">(null);
  const [acknowledged, setAcknowledged] = useState(false);
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    if (action === null) return;
    const controller = new AbortController();
    // A new revision re-plans in place (the shown plan stays until the new one arrives).
    if (plannedAction !== action) setPlan({ kind: "loading" });
    fetchPlan(session, summary.name, action, controller.signal).then(
      (result) => {
        setPlan({ kind: "ok", result });
        setPlannedAction(action);
      },
      (error: unknown) => {
        if (controller.signal.aborted) return;
        setPlan(planFailure(error));
        setPlannedAction(action);
      },
    );
    return () => controller.abort();
  }, [summary.name, action, revision, canOperate]);

  const target = action === "demote" ? summary.primaryNode : summary.backupNode;
  const verb = action === "demote" ? "Demote" : "Promote";

  const execute = async (force: boolean) => {
    if (action === null) return;
    setConfirm(null);
    setBusy(true);
    try {
      const body: Record<string, unknown> = { force };
      if (reason.trim() !== "") body.reason = reason.trim();
      const result = await session.api<OperationResult>(`${servicePath(summary.name)}/${action}`, {
        method: "POST",
        body,
      });
      onOutcome({ kind: "done", action, result });
      setReason("");
    } catch (error) {
      const failure = planFailure(error);
      // A refusal now (the state moved since the plan): show its checks, so force can follow.
      if (failure.kind === "refused") setPlan(failure);
      onOutcome({ kind: "error", action, message: error instanceof Error ? error.message : String(error) });
    } finally {
      setBusy(false);
      setAcknowledged(false);
    }
  };

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
          <h3>
            Plan: {action} {summary.name} to {action === "demote" ? "primary" : "backup"} on {target}
          </h3>
          {plan.kind === "loading" ? <p class="muted">Planning (dry-run)…</p> : null}
          {plan.kind === "error" ? (
            <p class="error-text" role="alert">
              Could not plan: {plan.message}
            </p>
          ) : null}
          {plan.kind === "ok" ? <PlanResult result={plan.result} /> : null}
          {plan.kind === "refused" ? <Refusal problem={plan.problem} forceable={plan.forceable} /> : null}

          {canOperate &&
          ((plan.kind === "ok" && plan.result.changed) || (plan.kind === "refused" && plan.forceable)) ? (
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
                </button>
              ) : (
                <button
                  type="button"
                  class="button danger big"
                  disabled={busy}
                  onClick={() => setConfirm("force")}
                >
                  Force {action} {summary.name}…
                </button>
              )}
            </div>
          ) : null}
          {!canOperate && plan.kind !== "loading" ? (
            <p class="muted">Read-only: an operator token is needed to {action}.</p>
          ) : null}
          {busy ? (
            <p class="muted" role="status">
              {verb} in progress: committing and pushing…
            </p>
          ) : null}
        </div>
      )}

      {confirm === "run" ? (
        <Dialog id="confirm" title={`${verb} ${summary.name}?`} onClose={() => setConfirm(null)}>
          <p>
            This commits the change shown to Git and pushes it; Flux then moves {summary.name} to {target}.
          </p>
          <div class="button-row">
            <button type="button" class="button primary" onClick={() => void execute(false)}>
              {verb} now
            </button>
            <button type="button" class="button" onClick={() => setConfirm(null)}>
              Cancel
            </button>
          </div>
        </Dialog>
      ) : null}
      {confirm === "force" && plan.kind === "refused" ? (
        <Dialog id="force" title={`Force ${action ?? ""} ${summary.name}?`} onClose={() => setConfirm(null)}>
          <p>
            These checks fail. Forcing overrides them and records it in the commit (Failover-Forced: true):
          </p>
          <ChecksList checks={checksOf(plan.problem).filter((c) => c.status === "fail")} />
          <label class="checkbox">
            <input
              type="checkbox"
              checked={acknowledged}
              onChange={(e) => setAcknowledged(e.currentTarget.checked)}
            />
            I have read the failing checks and accept the risk
          </label>
          <div class="button-row">
            <button
              type="button"
              class="button danger"
              disabled={!acknowledged}
              onClick={() => void execute(true)}
            >
              Force {action}
            </button>
            <button type="button" class="button" onClick={() => setConfirm(null)}>
              Cancel
            </button>
          </div>
        </Dialog>
      ) : null}
    </section>
  );
}

function PlanResult({ result }: { result: OperationResult }) {
  return (
    <div class="stack">
      {result.changed ? (
        <p>
          Would change {result.files.length === 1 ? "1 file" : `${result.files.length} files`} ({result.from}{" "}
          → {result.to}). All blocking checks pass.
        </p>
      ) : (
        <p>Already {result.to}: nothing to do.</p>
      )}
      <ChecksList checks={result.checks} />
      <DiffView diff={result.diff} />
      {result.commit ? <p>Commit {shortSha(result.commit)}</p> : null}
    </div>
  );
}

function Refusal({ problem, forceable }: { problem: Problem; forceable: boolean }) {
  const checks = checksOf(problem);
  return (
    <div class="stack">
      <p class="error-text" role="alert">
        <strong>{forceable ? "Refused by preflight" : "Not possible"}:</strong> {problem.detail}
      </p>
      <ChecksList checks={checks} />
      {problem.problems && problem.problems.length > 0 ? (
        <ul class="problems">
          {problem.problems.map((p) => (
            <li key={p}>{p}</li>
          ))}
        </ul>
      ) : null}
      {typeof problem.diff === "string" ? <DiffView diff={problem.diff} /> : null}
      <p class="muted">
        {forceable
          ? "An operator can force it after reading the failing checks."
          : "This cannot be forced: fix the configuration or the manifests named above."}
      </p>
    </div>
  );
}
