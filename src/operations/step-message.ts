import type { StepCommit, StepName } from "../domain/operation-detail.js";
import type { HistoryCommit } from "../git/commit-history.js";
import { operationIdOf } from "../git/commit-history.js";
import { commitMessage, sanitizeReason } from "./commit-message.js";

export interface StepMessageInput {
  operation: string;
  step: StepName;
  action: "promote" | "demote" | "evacuate";
  services: string[];
  /** Where the apps move to (promote/demote), or the evacuated node. */
  node: string;
  actor: string;
  reason: string;
  forced: boolean;
  /** Evacuate: services left out of the operation, with the reason. */
  skipped?: { name: string; reason: string }[];
  /** Rollback: why, and whether it was an abort. */
  outcome?: "failed" | "aborted";
  error?: string;
}

const stepTitle: Record<Exclude<StepName, "switch">, string> = {
  quiesce: "quiesce before",
  "final-sync": "final sync before",
  rollback: "roll back",
};

const stepBody: Record<StepName, string> = {
  quiesce:
    "Planned move, step 1 of 3: the app is scaled to zero; the final sync is requested once no pod of it is left.",
  "final-sync":
    "Planned move, step 2 of 3: VolSync copies the stopped app's data with this operation's id as the manual trigger.",
  switch:
    "Planned move, step 3 of 3: the switch, with the replica count and the trigger restored as they were before step 1.",
  rollback:
    "Planned move rolled back: the replica count and the trigger are restored as they were before step 1.",
};

/**
 * The commit message of one step of a planned move: SPEC §5's subject and trailers (the switch's
 * subject is an ordinary promote/demote/evacuate), plus `Failover-Operation` and `Failover-Step`.
 */
export function stepMessage(input: StepMessageInput): string {
  const base = commitMessage({
    action: input.action,
    services: input.services,
    node: input.node,
    actor: input.actor,
    reason: input.reason,
    requestId: input.operation,
    forced: input.forced,
  });
  const [subject = "", , reason = "", , ...trailerLines] = base.trimEnd().split("\n");
  const stepSubject =
    input.step === "switch"
      ? subject
      : subject.replace(/^(failover(?:\([^)]*\))?: )(.*)$/, `$1${stepTitle[input.step]} $2`);
  const extra = [
    `Failover-Operation: ${input.operation}`,
    `Failover-Step: ${input.step}`,
    ...(input.skipped ?? []).map(
      (s) => `Failover-Skipped: ${sanitizeReason(`${s.name}: ${s.reason}`, s.name)}`,
    ),
    ...(input.outcome ? [`Failover-Outcome: ${input.outcome}`] : []),
    ...(input.error ? [`Failover-Error: ${sanitizeReason(input.error, "rolled back")}`] : []),
  ];
  return `${stepSubject}\n\n${reason}\n\n${stepBody[input.step]}\n\n${[...trailerLines, ...extra].join("\n")}\n`;
}

const steps = new Set<string>(["quiesce", "final-sync", "switch", "rollback"]);
const actions = new Set<string>(["promote", "demote", "evacuate"]);

/** A commit of an operation as the state fold reads it; undefined for commits that are not ours. */
export function stepCommitOf(commit: HistoryCommit): (StepCommit & { operation: string }) | undefined {
  const t = commit.trailers;
  const action = t["Failover-Action"]?.[0];
  const operation = operationIdOf(commit);
  if (action === undefined || !actions.has(action) || operation === undefined) return undefined;
  const step = t["Failover-Step"]?.[0];
  const outcome = t["Failover-Outcome"]?.[0];
  return {
    operation,
    sha: commit.sha,
    time: commit.time,
    step: step !== undefined && steps.has(step) ? (step as StepName) : null,
    action: action as StepCommit["action"],
    services: t["Failover-Service"] ?? [],
    actor: t["Failover-Actor"]?.[0] ?? "",
    reason: t["Failover-Reason"]?.[0] ?? "",
    forced: t["Failover-Forced"]?.[0] === "true",
    outcome: outcome === "failed" || outcome === "aborted" ? outcome : null,
    error: t["Failover-Error"]?.[0] ?? null,
    skipped: t["Failover-Skipped"] ?? [],
  };
}
