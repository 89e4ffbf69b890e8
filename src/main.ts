import { runCli } from "./cli/run-cli.js";
import { runDoctor } from "./doctor/run-doctor.js";
import { openLocalClient } from "./open-local-client.js";

/** Composition root: the executable's entry. Returns the process exit code. */
export async function main(argv: string[]): Promise<number> {
  return runCli(
    argv,
    { stdout: process.stdout, stderr: process.stderr, env: process.env },
    { openClient: openLocalClient, runDoctor },
  );
}
