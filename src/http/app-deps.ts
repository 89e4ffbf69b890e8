import type { Registry } from "prom-client";
import type { ApiToken } from "../auth/tokens-file.js";
import type { AutomationApi } from "../automation/automation-service.js";
import type { AppConfig } from "../config/app-config.js";
import type { EventHub } from "../events/event-hub.js";
import type { Logger } from "../log/logger.js";
import type { FailoverOperations } from "../operations/failover-operations.js";
import type { PlannedMoves } from "../operations/planned-moves.js";
import type { RepoSnapshot } from "../operations/repo-snapshot.js";
import type { ServiceStatus } from "../operations/service-status.js";
import type { DashboardAssets } from "./dashboard-assets.js";

/** What the last fetch said about the service's health (the server keeps it up to date). */
export interface Readiness {
  configLoaded: boolean;
  gitReachable: boolean;
  lastFetchAt: Date | null;
  reason: string | null;
  /** The classified failure of the last fetch (GIT_UNREACHABLE, GIT_AUTH …), while it lasts. */
  error?: unknown;
}

export type ApiOperations = Pick<FailoverOperations, "snapshot" | "switchService" | "evacuate" | "history">;

export interface AppDeps {
  operations: ApiOperations;
  config: () => AppConfig;
  tokens: () => readonly ApiToken[];
  logger: Logger;
  metrics: Registry;
  readiness: () => Readiness;
  /** One service in depth: the snapshot plus what the cluster says (live, replication, progress). */
  status: (snapshot: RepoSnapshot, service: string) => ServiceStatus;
  /** SPEC §10: decisions and the Alertmanager webhook; absent means no automation (all off). */
  automation?: AutomationApi;
  /** What `GET /api/events` streams (src/events). */
  events: EventHub;
  /** The built dashboard; default: read from dist/web. */
  dashboard?: DashboardAssets;
  /** Planned moves and the operations of SPEC §5.2. */
  planned: Pick<
    PlannedMoves,
    "start" | "startEvacuation" | "get" | "list" | "abort" | "untilEnded" | "observe"
  >;
  /** Milliseconds, for request durations. */
  clock?: () => number;
  newRequestId?: () => string;
}

export interface AppEnv {
  Variables: { requestId: string; actor: string };
}
