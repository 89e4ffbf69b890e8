import type { RunningServer } from "../server/start-server.js";
import { exitCodes } from "./cli-io.js";

export interface StopSignal {
  /** Resolves with the first SIGTERM or SIGINT (Ctrl-C) received since the signal was created. */
  readonly received: Promise<NodeJS.Signals>;
  dispose(): void;
}

/**
 * Listens for SIGTERM/SIGINT from now on. Created before a server starts, so that a signal that
 * arrives during start-up (or the moment the "Press Ctrl-C" line is out) still stops it cleanly.
 */
export function stopSignal(): StopSignal {
  let onSignal: (signal: NodeJS.Signals) => void = () => undefined;
  const received = new Promise<NodeJS.Signals>((resolve) => (onSignal = resolve));
  const signals = ["SIGTERM", "SIGINT"] as const;
  for (const s of signals) process.once(s, onSignal);
  return {
    received,
    dispose: () => {
      for (const s of signals) process.off(s, onSignal);
    },
  };
}

/** Waits for the signal, then stops gracefully: the in-flight operation finishes first. */
export async function untilStopped(server: RunningServer, signal: StopSignal): Promise<number> {
  const name = await signal.received;
  signal.dispose();
  server.logger.info("Shutting down", { signal: name });
  try {
    await server.close();
    return exitCodes.ok;
  } catch (error) {
    server.logger.error("Shutdown failed", { error });
    return exitCodes.failed;
  }
}
