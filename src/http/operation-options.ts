import type { OperationOptions } from "../operations/operation-types.js";

interface QueryOptions {
  "dry-run"?: "true" | "false" | undefined;
  dryRun?: "true" | "false" | undefined;
  force?: "true" | "false" | undefined;
  reason?: string | undefined;
  "final-sync"?: "true" | "false" | undefined;
  finalSync?: "true" | "false" | undefined;
  wait?: "true" | "false" | undefined;
}

interface BodyOptions {
  reason?: string | undefined;
  force?: boolean | undefined;
  dryRun?: boolean | undefined;
  finalSync?: boolean | undefined;
  wait?: boolean | undefined;
}

const flag = (value: "true" | "false" | undefined): boolean | undefined =>
  value === undefined ? undefined : value === "true";

/** What the query says about dry-run (`dry-run` or its alias `dryRun`), if anything. */
export function dryRunOf(query: Pick<QueryOptions, "dry-run" | "dryRun">): boolean | undefined {
  return flag(query["dry-run"]) ?? flag(query.dryRun);
}

/**
 * Query wins over body when both say something (the query is what the seed's curl lines use),
 * except for dry-run: a dry-run asked for anywhere (`dry-run`, `dryRun`, the body) is a dry-run,
 * so that no spelling of "only plan" can ever be outvoted into a write. The answer's `dryRun`
 * says which it was.
 */
export function operationOptions(
  query: QueryOptions,
  body: BodyOptions,
  actor: string,
  requestId: string,
): OperationOptions {
  const said = [flag(query["dry-run"]), flag(query.dryRun), body.dryRun];
  return {
    dryRun: said.includes(true),
    force: flag(query.force) ?? body.force ?? false,
    reason: query.reason ?? body.reason,
    finalSync: flag(query["final-sync"]) ?? flag(query.finalSync) ?? body.finalSync ?? false,
    wait: flag(query.wait) ?? body.wait ?? false,
    actor,
    requestId,
  };
}
