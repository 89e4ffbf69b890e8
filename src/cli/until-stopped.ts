import type { RunningServer } from "../server/start-server.js";
import { exitCodes } from "./cli-io.js";

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
