import type { Check, OperationResult, Problem } from "../api/api-types";
import { shortSha } from "../format";
import { ChecksList } from "./checks-list";
import { DiffView } from "./diff-view";

export const checksOf = (problem: Problem): Check[] => (Array.isArray(problem.checks) ? problem.checks : []);

/** The dry-run: what would change, the checks and the diff (for a planned move, its switch). */
export function PlanResult({ result, finalSync }: { result: OperationResult; finalSync: boolean }) {
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
      {result.changed && finalSync ? (
        <p class="muted" data-planned-steps>
          Three commits, each observed in the cluster before the next: <strong>quiesce</strong> (scale the app
          to zero, wait until no pod is left), <strong>final sync</strong> (VolSync copies the last writes),
          then <strong>switch</strong> (the diff below, with the replica count and trigger restored). The app
          is down from the quiesce until it runs on the target node; until the switch it can be aborted and
          rolled back.
        </p>
      ) : null}
      <ChecksList checks={result.checks} />
      <DiffView diff={result.diff} />
      {result.commit ? <p>Commit {shortSha(result.commit)}</p> : null}
    </div>
  );
}

/** Why the API refused: the failing checks (409 preflight) or the reason it cannot be done at all. */
export function Refusal({ problem, forceable }: { problem: Problem; forceable: boolean }) {
  const checks = checksOf(problem);
  const heading = forceable ? "Refused by preflight" : problem.status === 422 ? "Not possible" : "Refused";
  return (
    <div class="stack" data-problem={problem.code}>
      <p class="error-text" role="alert">
        <strong>{heading}:</strong> {problem.detail}
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
          : problem.status === 422
            ? "This cannot be forced: fix the configuration or the manifests named above."
            : "This cannot be forced; the message above says what it needs."}
      </p>
    </div>
  );
}
