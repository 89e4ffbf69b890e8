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

/** Query wins over body when both say something (the query is what the seed's curl lines use). */
export function operationOptions(
  query: QueryOptions,
  body: BodyOptions,
  actor: string,
  requestId: string,
): OperationOptions {
  return {
    dryRun: flag(query["dry-run"]) ?? flag(query.dryRun) ?? body.dryRun ?? false,
    force: flag(query.force) ?? body.force ?? false,
    reason: query.reason ?? body.reason,
    finalSync: flag(query["final-sync"]) ?? flag(query.finalSync) ?? body.finalSync ?? false,
    wait: flag(query.wait) ?? body.wait ?? false,
    actor,
    requestId,
  };
}
