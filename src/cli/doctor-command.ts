import { parseArgs } from "node:util";
import { configPathFrom } from "../config/load-config.js";
import type { DoctorCheck } from "../doctor/doctor-check.js";
import { type CliIo, exitCodes } from "./cli-io.js";

export type RunDoctor = (
  configPath: string,
  dataDir: string | undefined,
  options: { env?: NodeJS.ProcessEnv },
) => Promise<DoctorCheck[]>;

/** `failover-api doctor`: one line per check; exit 1 when any check fails. */
export async function doctorCommand(argv: string[], io: CliIo, run: RunDoctor): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      config: { type: "string" },
      "data-dir": { type: "string" },
      output: { type: "string", short: "o" },
    },
  });
  const checks = await run(
    configPathFrom(values.config, io.env),
    values["data-dir"] ?? io.env.FAILOVER_API_DATA_DIR,
    { env: io.env },
  );
  if (values.output === "json") io.stdout.write(`${JSON.stringify({ checks }, null, 2)}\n`);
  else for (const c of checks) io.stdout.write(`${c.status.padEnd(4)}  ${c.name.padEnd(24)}  ${c.detail}\n`);
  return checks.some((c) => c.status === "fail") ? exitCodes.failed : exitCodes.ok;
}
