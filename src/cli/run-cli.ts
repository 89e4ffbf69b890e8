import { CommanderError } from "@commander-js/extra-typings";
import type { Check } from "../domain/check.js";
import { isFailoverError } from "../domain/failover-error.js";
import type { CliContext, CliDeps } from "./cli-context.js";
import { type CliIo, exitCodes } from "./cli-io.js";
import { buildProgram } from "./program.js";
import { renderChecks } from "./render.js";

// Refusals and failures are exit 1; bad usage and bad configuration are exit 2.
const usageCodes = new Set([
  "CONFIG_INVALID",
  "INVALID_INPUT",
  "SERVICE_NOT_FOUND",
  "NODE_NOT_FOUND",
  "OPERATION_NOT_FOUND",
]);

// Commander ends help and --version by "throwing" (exitOverride); those are successes, except
// the help it shows on standard error when a command is missing (its exit code then is 1).
const commanderSuccess = (error: CommanderError) =>
  ["commander.helpDisplayed", "commander.version"].includes(error.code) ||
  (error.code === "commander.help" && error.exitCode === 0);

/** Parses argv, runs the command, and maps every outcome to an exit code; never lets a stack trace out. */
export async function runCli(argv: string[], io: CliIo, deps: CliDeps): Promise<number> {
  const ctx: CliContext = { io, deps, exitCode: exitCodes.ok };
  try {
    await buildProgram(ctx).parseAsync(argv, { from: "user" });
    return ctx.exitCode;
  } catch (error) {
    if (error instanceof CommanderError) {
      // Commander has already printed the help or the one-line usage error.
      return commanderSuccess(error) ? exitCodes.ok : exitCodes.usage;
    }
    if (isFailoverError(error)) {
      io.stderr.write(`failover-api: ${error.message}\n`);
      const checks = error.details.checks;
      if (Array.isArray(checks)) io.stderr.write(`checks:\n${renderChecks(checks as Check[])}`);
      return usageCodes.has(error.code) ? exitCodes.usage : exitCodes.failed;
    }
    // A bug: one line for the user; the stack only when asked for.
    const message = error instanceof Error ? error.message : String(error);
    io.stderr.write(`failover-api: unexpected error: ${message}\n`);
    if (io.env.FAILOVER_API_DEBUG && error instanceof Error && error.stack)
      io.stderr.write(`${error.stack}\n`);
    return exitCodes.failed;
  }
}
