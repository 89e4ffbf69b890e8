import { parseArgs } from "node:util";
import { configPathFrom, loadConfig } from "../config/load-config.js";
import { isFailoverError } from "../domain/failover-error.js";
import { actCommand, isActCommand } from "./act-commands.js";
import { doctorCommand, type RunDoctor } from "./doctor-command.js";
import { type CliIo, exitCodes } from "./cli-io.js";
import { demoCommand } from "./demo-command.js";
import { serveCommand } from "./serve-command.js";
import type { OpenClient } from "./failover-client.js";
import { renderChecks } from "./render.js";
import type { Check } from "../domain/check.js";

export interface CliDeps {
  openClient: OpenClient;
  runDoctor: RunDoctor;
}

// Refusals and failures are exit 1; bad usage and bad configuration are exit 2.
const usageCodes = new Set(["CONFIG_INVALID", "INVALID_INPUT", "SERVICE_NOT_FOUND", "NODE_NOT_FOUND"]);

const usage = `Usage:
  failover-api serve [--config F] [--host H] [--port 8080]
  failover-api demo [--port 8080]
  failover-api services | status <svc> | history <svc>
  failover-api promote <svc> | demote <svc> [--dry-run] [--force] [--reason R]
  failover-api evacuate <node> [--dry-run] [--force] [--reason R]
  failover-api doctor [--config F]
  failover-api config validate [F]
`;

export async function runCli(argv: string[], io: CliIo, deps: CliDeps): Promise<number> {
  const [command, ...rest] = argv;
  try {
    if (command !== undefined && isActCommand(command))
      return await actCommand(command, rest, io, deps.openClient);
    switch (command) {
      case "config":
        return await configCommand(rest, io);
      case "doctor":
        return await doctorCommand(rest, io, deps.runDoctor);
      case "serve":
        return await serveCommand(rest, io);
      case "demo":
        return await demoCommand(rest, io);
      case undefined:
      case "help":
      case "--help":
      case "-h":
        io.stdout.write(usage);
        return command === undefined ? exitCodes.usage : exitCodes.ok;
      default:
        io.stderr.write(`failover-api: unknown command "${command}"\n${usage}`);
        return exitCodes.usage;
    }
  } catch (error) {
    if (isFailoverError(error)) {
      io.stderr.write(`failover-api: ${error.message}\n`);
      const checks = error.details.checks;
      if (Array.isArray(checks)) io.stderr.write(`checks:\n${renderChecks(checks as Check[])}`);
      return usageCodes.has(error.code) ? exitCodes.usage : exitCodes.failed;
    }
    throw error;
  }
}

async function configCommand(argv: string[], io: CliIo): Promise<number> {
  const { positionals, values } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { config: { type: "string" } },
  });
  if (positionals[0] !== "validate" || positionals.length > 2) {
    io.stderr.write(`failover-api config: expected "validate [FILE]"\n`);
    return exitCodes.usage;
  }
  const path = configPathFrom(positionals[1] ?? values.config, io.env);
  try {
    const config = await loadConfig(path);
    io.stdout.write(`${path}: valid (${config.services.length} services)\n`);
    return exitCodes.ok;
  } catch (error) {
    if (isFailoverError(error) && error.code === "CONFIG_INVALID") {
      const errors = (error.details.errors as string[] | undefined) ?? [error.message];
      for (const line of errors) io.stdout.write(`${line}\n`);
      io.stderr.write(`${path}: invalid (${errors.length} ${errors.length === 1 ? "error" : "errors"})\n`);
      return exitCodes.usage;
    }
    throw error;
  }
}
