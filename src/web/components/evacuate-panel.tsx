import { useState } from "preact/hooks";
import { ApiError, nodePath } from "../api/api-client";
import type { Check, EvacuateResult, Problem } from "../api/api-types";
import { shortSha } from "../format";
import { useApp } from "../state/app-context";
import { ChecksList } from "./checks-list";
import { Dialog } from "./dialog";
import { ForceDialog } from "./force-dialog";
import { DiffView } from "./diff-view";

type State =
  | { kind: "idle" }
  | { kind: "planning" }
  | { kind: "planned"; result: EvacuateResult }
  | { kind: "refused"; problem: Problem }
  | { kind: "running" }
  | { kind: "done"; result: EvacuateResult }
  | { kind: "error"; message: string };

const failingOf = (checks: Record<string, Check[]> | Check[] | undefined): [string, Check[]][] =>
  checks && !Array.isArray(checks)
    ? Object.entries(checks)
        .map(([service, list]): [string, Check[]] => [service, list.filter((c) => c.status === "fail")])
        .filter(([, list]) => list.length > 0)
    : [];

/**
 * Evacuate a node: plan (dry-run), see what would be promoted and what is skipped and why, then
 * confirm. Services skipped for a failing check can be included with force, after confirming.
 */
export function EvacuatePanel({ node }: { node: string }) {
  const { session } = useApp();
  const [state, setState] = useState<State>({ kind: "idle" });
  const [confirm, setConfirm] = useState<null | "run" | "force">(null);

  const call = async (dryRun: boolean, force: boolean) => {
    setConfirm(null);
    setState({ kind: dryRun ? "planning" : "running" });
    try {
      const result = await session.api<EvacuateResult>(`${nodePath(node)}/evacuate`, {
        method: "POST",
        body: { dryRun, force, reason: `evacuate ${node} from the dashboard` },
      });
      setState({ kind: dryRun ? "planned" : "done", result });
    } catch (error) {
      if (error instanceof ApiError && error.problem && (error.status === 409 || error.status === 422)) {
        setState({ kind: "refused", problem: error.problem });
      } else setState({ kind: "error", message: error instanceof Error ? error.message : String(error) });
    }
  };

  const failing =
    state.kind === "planned"
      ? failingOf(state.result.checks)
      : state.kind === "refused"
        ? failingOf(state.problem.checks)
        : [];
  const planned = state.kind === "planned" ? state.result : null;

  return (
    <div class="stack evacuate" data-evacuate={node} data-state={state.kind}>
      {state.kind === "idle" || state.kind === "done" || state.kind === "error" ? (
        <button type="button" class="button" onClick={() => void call(true, false)}>
          Plan evacuate {node}
        </button>
      ) : null}
      {state.kind === "planning" || state.kind === "running" ? (
        <p class="muted" role="status">
          {state.kind === "planning" ? "Planning (dry-run)…" : `Evacuating ${node}: committing and pushing…`}
        </p>
      ) : null}
      {state.kind === "error" ? (
        <p class="error-text" role="alert">
          {state.message}
        </p>
      ) : null}
      {state.kind === "done" ? (
        <p role="status">
          {state.result.changed
            ? `Evacuated ${node}: ${state.result.services.join(", ")} promoted in commit ${shortSha(state.result.commit)}.`
            : `Nothing to promote on ${node}.`}
          {state.result.skipped.length > 0
            ? ` Skipped: ${state.result.skipped.map((s) => s.name).join(", ")}.`
            : ""}
        </p>
      ) : null}
      {planned ? (
        <div class="stack">
          <p>
            Would promote {planned.services.length === 0 ? "nothing" : planned.services.join(", ")} in one
            commit.
          </p>
          {planned.skipped.length > 0 ? <Skipped skipped={planned.skipped} /> : null}
          <DiffView diff={planned.diff} />
          <div class="button-row">
            {planned.changed ? (
              <button type="button" class="button primary big" onClick={() => setConfirm("run")}>
                Evacuate {node} ({planned.services.length})
              </button>
            ) : null}
            <button type="button" class="button" onClick={() => setState({ kind: "idle" })}>
              Cancel
            </button>
          </div>
        </div>
      ) : null}
      {state.kind === "refused" ? (
        <div class="stack">
          <p class="error-text" role="alert">
            Refused: {state.problem.detail}
          </p>
          {state.problem.skipped ? <Skipped skipped={state.problem.skipped} /> : null}
        </div>
      ) : null}
      {failing.length > 0 ? (
        <div class="stack">
          {failing.map(([service, checks]) => (
            <div key={service}>
              <h4>{service}</h4>
              <ChecksList checks={checks} />
            </div>
          ))}
          <button type="button" class="button danger" onClick={() => setConfirm("force")}>
            Force evacuate {node}…
          </button>
        </div>
      ) : null}

      {confirm === "run" && planned ? (
        <Dialog id={`evacuate-${node}`} title={`Evacuate ${node}?`} onClose={() => setConfirm(null)}>
          <p>Promotes {planned.services.join(", ")} to their backup nodes in one commit.</p>
          <div class="button-row">
            <button type="button" class="button primary" onClick={() => void call(false, false)}>
              Evacuate now
            </button>
            <button type="button" class="button" onClick={() => setConfirm(null)}>
              Cancel
            </button>
          </div>
        </Dialog>
      ) : null}
      {confirm === "force" ? (
        <ForceDialog
          id={`force-${node}`}
          title={`Force evacuate ${node}?`}
          confirmLabel="Force evacuate"
          onConfirm={() => void call(false, true)}
          onClose={() => setConfirm(null)}
        >
          <p>Forcing also promotes the services whose checks fail, and records it in the commit.</p>
        </ForceDialog>
      ) : null}
    </div>
  );
}

function Skipped({ skipped }: { skipped: { name: string; reason: string }[] }) {
  return (
    <div>
      <h4>Skipped</h4>
      <ul class="problems">
        {skipped.map((s) => (
          <li key={s.name}>
            <strong>{s.name}</strong>: {s.reason}
          </li>
        ))}
      </ul>
    </div>
  );
}
