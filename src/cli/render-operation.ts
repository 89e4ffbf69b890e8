import type { OperationDetail, StepDetail } from "../domain/operation-detail.js";
import { table } from "./render.js";

const short = (sha: string | null) => (sha === null ? "" : sha.slice(0, 12));
const time = (at: string | null) => at ?? "";

/** One operation of SPEC §5.2: a head line, then one line per step. */
export function renderOperationDetail(op: OperationDetail): string {
  const kind = op.finalSync ? "planned, final sync" : "one commit";
  const head = `${op.id}  ${op.action} ${op.services.join(", ")}  (${kind})  ${op.state}`;
  const rows = op.steps.map((s) => [
    s.name,
    s.state,
    time(s.startedAt),
    time(s.finishedAt),
    short(s.commit),
    s.detail,
  ]);
  const steps = table(["STEP", "STATE", "STARTED", "FINISHED", "COMMIT", "DETAIL"], rows)
    .split("\n")
    .map((l) => (l === "" ? l : `  ${l}`))
    .join("\n");
  return `${head}\n${steps}${op.error === null ? "" : `error: ${op.error}\n`}`;
}

export function renderOperations(result: { operations: OperationDetail[] }): string {
  if (result.operations.length === 0) return "no operations recorded\n";
  const rows = result.operations.map((o) => [
    o.id,
    o.action,
    o.services.join(","),
    o.finalSync ? "yes" : "",
    o.state,
    o.step,
    o.steps[0]?.startedAt ?? "",
  ]);
  return table(["ID", "ACTION", "SERVICES", "FINAL-SYNC", "STATE", "STEP", "STARTED"], rows);
}

/** A line for `--wait` when a step changes: `quiesce: running: waiting for pod sonarr-… to go`. */
export function renderStepChange(step: StepDetail): string {
  return `${step.name}: ${step.state}${step.detail === "" ? "" : `: ${step.detail}`}\n`;
}
