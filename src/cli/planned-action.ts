import { isFailoverError } from "../domain/failover-error.js";
import type { OperationDetail } from "../domain/operation-detail.js";
import type { CliContext } from "./cli-context.js";
import { exitCodes } from "./cli-io.js";
import { type ClientOptions, runOnClient } from "./client-action.js";
import type { ActOptions, FailoverClient, MoveTarget, PlannedAnswer } from "./failover-client.js";
import { renderEvacuate, renderOperation } from "./render.js";
import { renderOperationDetail, renderStepChange } from "./render-operation.js";

export interface PlannedOptions {
  wait: boolean;
  /** Milliseconds between polls while waiting (tests shorten it). */
  pollMs?: number;
}

const isOperation = (a: PlannedAnswer): a is OperationDetail => "steps" in a;

/**
 * `promote|demote|evacuate --final-sync [--wait]`: starts the planned move; with --wait, follows
 * the operation and prints each step as it changes (on standard error with -o json, so standard
 * output carries only the final object). Exit 0 only when the move succeeded.
 */
export async function runPlanned(
  ctx: CliContext,
  options: ClientOptions,
  target: MoveTarget,
  act: ActOptions,
  planned: PlannedOptions,
): Promise<number> {
  let outcome: OperationDetail | undefined;
  const code = await runOnClient(
    ctx,
    options,
    async (client) => {
      const answer = await client.planned(target, act);
      if (!isOperation(answer) || !planned.wait) return answer;
      outcome = await follow(ctx, client, answer, options.output === "json", planned.pollMs ?? 1000);
      return outcome;
    },
    (answer) => render(answer),
  );
  if (code !== exitCodes.ok || outcome === undefined) return code;
  return outcome.state === "succeeded" ? exitCodes.ok : exitCodes.failed;
}

function render(answer: PlannedAnswer): string {
  if (isOperation(answer)) return renderOperationDetail(answer);
  return "node" in answer ? renderEvacuate(answer) : renderOperation(answer);
}

async function follow(
  ctx: CliContext,
  client: FailoverClient,
  started: OperationDetail,
  json: boolean,
  pollMs: number,
): Promise<OperationDetail> {
  const out = json ? ctx.io.stderr : ctx.io.stdout;
  out.write(`${started.id}: ${started.action} ${started.services.join(", ")} started\n`);
  const seen = new Map<string, string>();
  const startShown = new Set<string>();
  let op = started;
  for (;;) {
    for (const step of op.steps) {
      const line = renderStepChange(step);
      if (seen.get(step.name) === line) continue;
      seen.set(step.name, line);
      if (step.state === "pending") continue;
      // A step that began and ended between two polls still shows its start (from Git), so
      // the output always reads start, then end, for every step that ran.
      if (step.state !== "running" && !startShown.has(step.name) && step.startedAt !== null)
        out.write(`${step.name}: running: started ${step.startedAt}\n`);
      startShown.add(step.name);
      out.write(line);
    }
    if (op.state !== "running") break;
    await new Promise((resolve) => setTimeout(resolve, pollMs));
    op = await readAgain(client, started.id, pollMs);
  }
  out.write(`${op.id}: ${op.state}${op.error === null ? "" : `: ${op.error}`}\n`);
  return op;
}

/** The server may restart while a move runs (the operation lives in Git): retry for a minute. */
async function readAgain(client: FailoverClient, id: string, pollMs: number): Promise<OperationDetail> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    try {
      return await client.operation(id);
    } catch (error) {
      if (!isFailoverError(error) || !error.retryable || Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, pollMs));
    }
  }
}
