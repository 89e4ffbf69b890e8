import type {
  EvacuateResult,
  Operation,
  OperationResult,
  ServiceSummary,
} from "../operations/operation-types.js";
import type { ServiceStatus } from "../operations/service-status.js";
import type { OperationDetail } from "../domain/operation-detail.js";

export interface ActOptions {
  dryRun: boolean;
  force: boolean;
  reason: string | undefined;
}

/** What a planned move is of: one service, or every primary of a node. */
export type MoveTarget = { service: string; action: "promote" | "demote" } | { node: string };

/**
 * A planned move's answer: the operation it started (SPEC §5.2), or — dry-run, already there —
 * the ordinary result.
 */
export type PlannedAnswer = OperationDetail | OperationResult | EvacuateResult;

/** What the CLI commands need: served locally from Git, or by a server over HTTP. */
export interface FailoverClient {
  services(): Promise<{ services: ServiceSummary[]; revision: string }>;
  status(name: string): Promise<ServiceStatus>;
  switchService(name: string, action: "promote" | "demote", options: ActOptions): Promise<OperationResult>;
  evacuate(node: string, options: ActOptions): Promise<EvacuateResult>;
  history(name: string, limit: number): Promise<{ name: string; operations: Operation[] }>;
  /** A move with a final sync (SPEC §5.1); it needs a cluster. */
  planned(target: MoveTarget, options: ActOptions): Promise<PlannedAnswer>;
  operations(limit: number): Promise<{ operations: OperationDetail[] }>;
  operation(id: string): Promise<OperationDetail>;
  abort(id: string, reason: string | undefined): Promise<OperationDetail>;
  close(): Promise<void>;
}

export interface ClientTarget {
  configPath: string;
  /** --data-dir / FAILOVER_API_DATA_DIR: the working clone's directory, as given. */
  dataDir: string | undefined;
  /** Without dataDir, the clone lives in a directory of its own under this per-user cache. */
  cacheDir: string;
  server: string | undefined;
  token: string | undefined;
  /** One-line notices for the person at the terminal (standard error), e.g. where a clone goes. */
  notice?: (line: string) => void;
}

export type OpenClient = (target: ClientTarget) => Promise<FailoverClient>;
