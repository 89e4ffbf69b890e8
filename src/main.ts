import { httpClient } from "./cli/http-client.js";
import type { ClientTarget } from "./cli/failover-client.js";
import { runCli } from "./cli/run-cli.js";
import { openLocalClient } from "./open-local-client.js";

/** Composition root: the executable's entry. Returns the process exit code. */
export async function main(argv: string[]): Promise<number> {
  const openClient = (target: ClientTarget) =>
    target.server
      ? Promise.resolve(httpClient({ ...target, server: target.server }))
      : openLocalClient(target);
  return runCli(
    argv,
    { stdout: process.stdout, stderr: process.stderr, env: process.env },
    {
      openClient,
      // Loaded on demand: the doctor's cluster checks pull in the Kubernetes client.
      runDoctor: async (...args) => (await import("./doctor/run-doctor.js")).runDoctor(...args),
    },
  );
}
