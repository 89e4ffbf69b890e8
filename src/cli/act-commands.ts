import { parseArgs } from "node:util";
import { configPathFrom } from "../config/load-config.js";
import { FailoverError } from "../domain/failover-error.js";
import { type CliIo, exitCodes } from "./cli-io.js";
import type { ClientTarget, OpenClient } from "./failover-client.js";
import { renderEvacuate, renderHistory, renderOperation, renderServices, renderStatus } from "./render.js";

const commonOptions = {
  config: { type: "string" },
  "data-dir": { type: "string" },
  server: { type: "string" },
  token: { type: "string" },
  output: { type: "string", short: "o" },
  "dry-run": { type: "boolean" },
  force: { type: "boolean" },
  reason: { type: "string" },
  limit: { type: "string" },
} as const;

const arity: Record<string, string | undefined> = {
  services: undefined,
  status: "service",
  history: "service",
  promote: "service",
  demote: "service",
  evacuate: "node",
};

export function isActCommand(command: string): boolean {
  return command in arity;
}

/** services | status | history | promote | demote | evacuate, locally or against a server. */
export async function actCommand(
  command: string,
  argv: string[],
  io: CliIo,
  open: OpenClient,
): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, allowPositionals: true, options: commonOptions });
  } catch (error) {
    throw new FailoverError("INVALID_INPUT", `${command}: ${(error as Error).message}`);
  }
  const { values, positionals } = parsed;
  const wanted = arity[command];
  if (positionals.length !== (wanted ? 1 : 0)) {
    throw new FailoverError(
      "INVALID_INPUT",
      `${command}: expected ${wanted ? `one <${wanted}>` : "no arguments"}`,
    );
  }
  const output = values.output ?? "table";
  if (output !== "table" && output !== "json") {
    throw new FailoverError("INVALID_INPUT", `-o must be "table" or "json", not "${output}"`);
  }
  const limit = values.limit === undefined ? 20 : Number(values.limit);
  if (!Number.isInteger(limit) || limit < 1 || limit > 200) {
    throw new FailoverError("INVALID_INPUT", "--limit must be an integer from 1 to 200");
  }
  const target: ClientTarget = {
    configPath: configPathFrom(values.config, io.env),
    dataDir: values["data-dir"] ?? io.env.FAILOVER_API_DATA_DIR,
    server: values.server ?? io.env.FAILOVER_API_URL,
    token: values.token ?? io.env.FAILOVER_API_TOKEN,
  };
  const act = { dryRun: values["dry-run"] === true, force: values.force === true, reason: values.reason };
  const arg = positionals[0] ?? "";
  const client = await open(target);
  try {
    const print = <T>(value: T, render: (v: T) => string) =>
      io.stdout.write(output === "json" ? `${JSON.stringify(value, null, 2)}\n` : render(value));
    switch (command) {
      case "services":
        print(await client.services(), renderServices);
        break;
      case "status":
        print(await client.status(arg), renderStatus);
        break;
      case "history":
        print(await client.history(arg, limit), renderHistory);
        break;
      case "evacuate":
        print(await client.evacuate(arg, act), renderEvacuate);
        break;
      default:
        print(await client.switchService(arg, command as "promote" | "demote", act), renderOperation);
    }
    return exitCodes.ok;
  } catch (error) {
    if (error instanceof FailoverError && output === "json") {
      io.stdout.write(
        `${JSON.stringify({ error: error.code, message: error.message, ...error.details }, null, 2)}\n`,
      );
    }
    throw error;
  } finally {
    await client.close();
  }
}
