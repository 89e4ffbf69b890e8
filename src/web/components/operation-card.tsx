import { useState } from "preact/hooks";
import type { LiveOperation } from "../api/api-types";
import { when } from "../format";
import { useApp } from "../state/app-context";
import { AbortControl } from "./abort-control";
import { OperationState, OperationSteps, startedAt } from "./operation-view";

const stepWords: Record<LiveOperation["steps"][number]["name"], string> = {
  quiesce: "quiesce (the app is scaled to zero)",
  "final-sync": "final sync (VolSync copies the last writes)",
  switch: "switch",
  rollback: "rollback",
};

/**
 * A planned move can be aborted until its switch: while it runs, nothing has switched and no
 * rollback has started (the API refuses anything else with 409; this only hides the button).
 */
export function abortable(op: LiveOperation): boolean {
  return (
    op.finalSync &&
    op.state === "running" &&
    !op.steps.some(
      (s) =>
        (s.name === "switch" && s.commit !== null) ||
        (s.name === "rollback" && s.state !== "pending" && s.state !== "skipped"),
    )
  );
}

/** One sentence for a screen reader's live region: where the operation is now. */
function nowText(op: LiveOperation): string {
  const step = op.steps.find((s) => s.name === op.step);
  if (op.state === "running")
    return `Now: ${op.step ? stepWords[op.step] : "starting"}${step ? `, ${step.state}` : ""}.`;
  if (op.state === "succeeded") return "Done: the switch is committed and the app runs on the target node.";
  if (op.state === "aborted") return "Aborted: rolled back, the app runs again where it was.";
  return `Failed and rolled back: ${op.error ?? "see the steps"}.`;
}

/** The running (or last) operation of a service: its steps live, and Abort while that is possible. */
export function OperationCard({ op, service }: { op: LiveOperation; service: string }) {
  const { session } = useApp();
  const [abortError, setAbortError] = useState<string | null>(null);
  return (
    <section class="card" aria-labelledby="op-title" data-operation-card={op.id}>
      <h2 id="op-title">
        {op.state === "running" ? "Running operation" : "Last operation"}: {op.action}
        {op.finalSync ? " with a final sync" : ""} <OperationState op={op} />
      </h2>
      <p class="muted small">
        {when(startedAt(op))}
        {op.actor ? ` · by ${op.actor}` : ""}
        {op.reason ? ` · “${op.reason}”` : ""}
        {op.finalSync ? ` · operation ${op.id}` : ""}
      </p>
      {op.finalSync ? (
        <p class="operation-now" role="status">
          {nowText(op)}
        </p>
      ) : null}
      <OperationSteps op={op} />
      {abortError ? (
        <p class="error-text" role="alert">
          Abort refused: {abortError}
        </p>
      ) : null}
      {abortable(op) && session.canOperate() ? (
        <AbortControl op={op} service={service} onError={setAbortError} />
      ) : null}
    </section>
  );
}
