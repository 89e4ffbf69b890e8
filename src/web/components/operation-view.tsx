import type { LiveOperation, Progress } from "../api/api-types";
import { ago, shortSha, when } from "../format";
import { useApp } from "../state/app-context";

const stateWords: Record<LiveOperation["state"], string> = {
  running: "running",
  succeeded: "done",
  failed: "FAILED",
  aborted: "aborted",
};

const stepMarks = { pending: "○", running: "◌", succeeded: "✓", failed: "✗", skipped: "–" } as const;

/** What each step of a planned move does (SPEC §5.1), beside its name. */
const stepWhat: Record<LiveOperation["steps"][number]["name"], string> = {
  quiesce: "scale the app to zero in Git, wait until no pod is left",
  "final-sync": "trigger VolSync, wait until it copied the last writes",
  switch: "move the claims, restore the replica count and trigger",
  rollback: "put back the replica count and trigger; the app runs where it was",
};

export function startedAt(op: LiveOperation): string | null {
  return op.steps[0]?.startedAt ?? null;
}

export function OperationState({ op }: { op: LiveOperation }) {
  return (
    <span class={`badge op-${op.state}`} data-state={op.state}>
      {stateWords[op.state]}
    </span>
  );
}

/** The steps of an operation as they happen, then how far the cluster got with the commit. */
export function OperationSteps({ op }: { op: LiveOperation }) {
  return (
    <div class="operation-steps" data-operation={op.id}>
      <ol class="steps" aria-label="Steps">
        {op.steps.map((step) => (
          <li key={step.name} class={`step step-${step.state}`} data-step={step.name} data-state={step.state}>
            <span aria-hidden="true">{stepMarks[step.state]}</span> <strong>{step.name}</strong>{" "}
            <span class="step-state">{step.state}</span>
            {op.finalSync ? <span class="step-what"> · {stepWhat[step.name]}</span> : null}
            {step.commit ? (
              <span>
                {" "}
                · commit <code>{shortSha(step.commit)}</code>
              </span>
            ) : null}
            {step.detail ? <div class="step-detail">{step.detail}</div> : null}
          </li>
        ))}
      </ol>
      {op.error ? (
        <p class="error-text" role="alert">
          {op.error}
        </p>
      ) : null}
      {op.progress ? <ProgressList progress={op.progress} /> : null}
    </div>
  );
}

/** After the push: Flux applied the commit, then the pod ran on the target node (needs a cluster). */
export function ProgressList({ progress }: { progress: Progress }) {
  const rows: [string, string | null][] = [
    ["Pushed to Git", progress.pushedAt],
    ["Applied by Flux", progress.fluxAppliedAt],
    [`Running${progress.runningNode ? ` on ${progress.runningNode}` : ""}`, progress.runningAt],
  ];
  return (
    <ol class="progress" aria-label="Progress in the cluster">
      {rows.map(([label, at]) => (
        <li key={label} class={at ? "step step-succeeded" : "step step-pending"}>
          <span aria-hidden="true">{at ? "✓" : "○"}</span> {label}: {at ? when(at) : "waiting"}
        </li>
      ))}
    </ol>
  );
}

/** One line of the timeline. */
export function OperationRow({ op }: { op: LiveOperation }) {
  const { live } = useApp();
  const at = startedAt(op);
  const commit = op.steps.find((s) => s.commit)?.commit ?? null;
  return (
    <li class={`timeline-item op-${op.state}`} data-operation={op.id}>
      <div class="timeline-head">
        <OperationState op={op} /> <strong>{op.action}</strong>
        {op.finalSync ? " with a final sync" : ""}{" "}
        {op.services.map((name, i) => (
          <span key={name}>
            {i > 0 ? ", " : ""}
            <a href={`/services/${name}`}>{name}</a>
          </span>
        ))}
        {op.forced ? <span class="badge forced">forced</span> : null}
      </div>
      <div class="muted small">
        <time dateTime={at ?? undefined} title={when(at)}>
          {ago(at, live.now.value)}
        </time>
        {op.actor ? ` · by ${op.actor}` : ""}
        {commit ? (
          <span>
            {" "}
            · commit <code>{shortSha(commit)}</code>
          </span>
        ) : null}
      </div>
      {op.finalSync ? (
        <ol class="step-states small" aria-label="Steps">
          {op.steps.map((step) => (
            <li key={step.name} class={`step-${step.state}`} data-step={step.name} data-state={step.state}>
              <span aria-hidden="true">{stepMarks[step.state]}</span> {step.name}: {step.state}
            </li>
          ))}
        </ol>
      ) : null}
      {op.reason ? <div class="small">“{op.reason}”</div> : null}
      {op.error ? <div class="small error-text">{op.error}</div> : null}
    </li>
  );
}
