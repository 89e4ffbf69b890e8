import { parseArgs } from "node:util";
import { configPathFrom } from "../config/load-config.js";
import { FailoverError } from "../domain/failover-error.js";
import { type RunningServer, startServer } from "../server/start-server.js";
import { type CliIo, exitCodes } from "./cli-io.js";

export function parsePort(value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new FailoverError("INVALID_INPUT", `--port must be 0..65535, got "${value}"`);
  }
  return port;
}

/** Resolves on SIGTERM/SIGINT after a graceful stop: the in-flight operation finishes first. */
export function untilStopped(server: RunningServer): Promise<number> {
  return new Promise((resolve) => {
    const stop = (signal: string) => {
      process.off("SIGTERM", onTerm);
      process.off("SIGINT", onInt);
      server.logger.info("Shutting down", { signal });
      server.close().then(
        () => resolve(exitCodes.ok),
        (error: unknown) => {
          server.logger.error("Shutdown failed", { error });
          resolve(exitCodes.failed);
        },
      );
    };
    const onTerm = () => stop("SIGTERM");
    const onInt = () => stop("SIGINT");
    process.once("SIGTERM", onTerm);
    process.once("SIGINT", onInt);
  });
}

export async function serveCommand(argv: string[], io: CliIo): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: { config: { type: "string" }, host: { type: "string" }, port: { type: "string" } },
  });
  const server = await startServer({
    configPath: configPathFrom(values.config, io.env),
    host: values.host ?? "0.0.0.0",
    port: parsePort(values.port, 8080),
  });
  return untilStopped(server);
}
