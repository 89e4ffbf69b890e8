import type { DoctorCheck } from "../doctor/doctor-check.js";
import type { CliIo } from "./cli-io.js";
import type { OpenClient } from "./failover-client.js";

export type RunDoctor = (
  configPath: string,
  dataDir: string | undefined,
  options: { env?: NodeJS.ProcessEnv; cacheDir?: string },
) => Promise<DoctorCheck[]>;

/** What the composition root hands the CLI: the adapters a command may need. */
export interface CliDeps {
  openClient: OpenClient;
  runDoctor: RunDoctor;
}

/** One invocation of the CLI: its streams, its adapters, and the exit code its command chose. */
export interface CliContext {
  io: CliIo;
  deps: CliDeps;
  exitCode: number;
}
