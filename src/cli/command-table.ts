import type { CommandUnknownOpts } from "@commander-js/extra-typings";
import type { CliContext } from "./cli-context.js";
import { completionCommand } from "./commands/completion-command.js";
import { abortCommand } from "./commands/abort-command.js";
import { configCommand } from "./commands/config-command.js";
import { demoCommand } from "./commands/demo-command.js";
import { doctorCommand } from "./commands/doctor-command.js";
import { evacuateCommand } from "./commands/evacuate-command.js";
import { historyCommand } from "./commands/history-command.js";
import { operationsCommand } from "./commands/operations-command.js";
import { serveCommand } from "./commands/serve-command.js";
import { servicesCommand } from "./commands/services-command.js";
import { statusCommand } from "./commands/status-command.js";
import { demoteCommand, promoteCommand } from "./commands/switch-command.js";

/**
 * Every command of `failover-api`, in the order `--help` lists them. A new command is one file in
 * src/cli/commands/ exporting `(ctx) => Command`, plus one line here; help, `--version`, unknown
 * option errors, suggestions and exit codes come from src/cli/program.ts for free.
 */
export const commandTable: readonly ((ctx: CliContext) => CommandUnknownOpts)[] = [
  serveCommand,
  demoCommand,
  servicesCommand,
  statusCommand,
  historyCommand,
  promoteCommand,
  demoteCommand,
  evacuateCommand,
  operationsCommand,
  abortCommand,
  doctorCommand,
  configCommand,
  completionCommand,
];
