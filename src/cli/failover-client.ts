import type {
  EvacuateResult,
  Operation,
  OperationResult,
  ServiceSummary,
} from "../operations/operation-types.js";
import type { ServiceStatus } from "../operations/service-status.js";

export interface ActOptions {
  dryRun: boolean;
  force: boolean;
  reason: string | undefined;
}

/** What the CLI commands need: served locally from Git, or by a server over HTTP. */
export interface FailoverClient {
  services(): Promise<{ services: ServiceSummary[]; revision: string }>;
  status(name: string): Promise<ServiceStatus>;
  switchService(name: string, action: "promote" | "demote", options: ActOptions): Promise<OperationResult>;
  evacuate(node: string, options: ActOptions): Promise<EvacuateResult>;
  history(name: string, limit: number): Promise<{ name: string; operations: Operation[] }>;
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
