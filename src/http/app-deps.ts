import type { Registry } from "prom-client";
import type { ApiToken } from "../auth/tokens-file.js";
import type { AppConfig } from "../config/app-config.js";
import type { Logger } from "../log/logger.js";
import type { FailoverOperations } from "../operations/failover-operations.js";

/** What the last fetch said about the service's health (the server keeps it up to date). */
export interface Readiness {
  configLoaded: boolean;
  gitReachable: boolean;
  lastFetchAt: Date | null;
  reason: string | null;
}

export type ApiOperations = Pick<FailoverOperations, "snapshot" | "switchService" | "evacuate" | "history">;

export interface AppDeps {
  operations: ApiOperations;
  config: () => AppConfig;
  tokens: () => readonly ApiToken[];
  logger: Logger;
  metrics: Registry;
  readiness: () => Readiness;
  /** Milliseconds, for request durations. */
  clock?: () => number;
  newRequestId?: () => string;
}

export interface AppEnv {
  Variables: { requestId: string; actor: string };
}
