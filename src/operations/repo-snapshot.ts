import type { AppConfig } from "../config/app-config.js";
import { isFailoverError } from "../domain/failover-error.js";
import { readRole } from "../domain/read-role.js";
import type { RoleReading, ServiceAnalysis } from "../domain/service-analysis.js";
import type { ServiceSpec } from "../domain/service-spec.js";
import type { HistoryCommit } from "../git/commit-history.js";
import { plannedMoveFilesOf } from "../manifests/scan-planned-move.js";
import { scanService } from "../manifests/scan-service.js";
import { operationFromCommit } from "./history.js";
import type { Operation, ServiceSummary } from "./operation-types.js";
import type { Repository } from "./repository.js";

export interface ServiceState {
  spec: ServiceSpec;
  analysis: ServiceAnalysis;
  reading: RoleReading;
  summary: ServiceSummary;
}

/** The repository as last fetched, analysed for every service: what read requests answer from. */
export interface RepoSnapshot {
  revision: string;
  readAt: Date;
  config: AppConfig;
  files: ReadonlyMap<string, string | undefined>;
  /** Files that exist but could not be read safely (e.g. a symlink leaving the repository). */
  readErrors: ReadonlyMap<string, string>;
  services: ReadonlyMap<string, ServiceState>;
  /** Recent failover commits, newest first. */
  history: Operation[];
  /** The same commits as Git recorded them (every step of a planned move), newest first. */
  commits: HistoryCommit[];
}

export function summarize(spec: ServiceSpec, reading: RoleReading): ServiceSummary {
  const activeNode =
    reading.role === "primary" ? spec.primaryNode : reading.role === "backup" ? spec.backupNode : null;
  return {
    name: spec.name,
    namespace: spec.namespace,
    role: reading.role,
    activeNode,
    primaryNode: spec.primaryNode,
    backupNode: spec.backupNode,
    claims: spec.claims.map((c, i) => ({
      primary: c.primary,
      backup: c.backup,
      active: reading.activeClaims[i] ?? null,
    })),
    problems: reading.problems,
  };
}

const notFound = ": file not found in the repository";

export function analyse(
  config: AppConfig,
  files: ReadonlyMap<string, string | undefined>,
  readErrors: ReadonlyMap<string, string> = new Map(),
): Map<string, ServiceState> {
  const services = new Map<string, ServiceState>();
  for (const spec of config.services) {
    const scanned = scanService(spec, files);
    const refusals = scanned.refusals.map((r) => {
      const file = r.endsWith(notFound) ? r.slice(0, -notFound.length) : undefined;
      return file !== undefined && readErrors.has(file) ? (readErrors.get(file) ?? r) : r;
    });
    const analysis = { ...scanned, refusals };
    const reading = readRole(spec, analysis);
    services.set(spec.name, { spec, analysis, reading, summary: summarize(spec, reading) });
  }
  return services;
}

/** Reads every configured file from the (already synced) working tree and analyses it. */
export async function readSnapshot(
  repo: Repository,
  config: AppConfig,
  revision: string,
  readAt: Date,
): Promise<RepoSnapshot> {
  const paths = [...new Set(config.services.flatMap(plannedMoveFilesOf))];
  const readErrors = new Map<string, string>();
  const contents = await Promise.all(
    paths.map((p) =>
      // Whatever goes wrong with one file is a problem of the services that list it, never of
      // the others: the snapshot is what every read answers from.
      repo.readFile(p).catch((error: unknown) => {
        readErrors.set(p, readProblem(p, error));
        return undefined;
      }),
    ),
  );
  const files = new Map(paths.map((p, i) => [p, contents[i]]));
  const commits = await repo.log({ limit: 100 });
  const history = commits.map(operationFromCommit).filter((o): o is Operation => o !== undefined);
  return {
    revision,
    readAt,
    config,
    files,
    readErrors,
    services: analyse(config, files, readErrors),
    history,
    commits,
  };
}

function readProblem(path: string, error: unknown): string {
  if (isFailoverError(error))
    return error.message.startsWith(`${path}: `) ? error.message : `${path}: ${error.message}`;
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  return `${path}: cannot be read (${code ?? (error instanceof Error ? error.message : String(error))})`;
}
