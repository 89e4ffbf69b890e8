import { FailoverError } from "../domain/failover-error.js";
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
 * except for dry-run: two places that disagree about whether to write are refused, never guessed.
 */
export function operationOptions(
  query: QueryOptions,
  body: BodyOptions,
  actor: string,
  requestId: string,
): OperationOptions {
  const said = [flag(query["dry-run"]), flag(query.dryRun), body.dryRun].filter((v) => v !== undefined);
  if (new Set(said).size > 1) {
    throw new FailoverError("INVALID_INPUT", "dry-run: the query and the body disagree; say it once", {
      details: { errors: ["dry-run: the query and the body disagree; say it once"] },
    });
  }
  return {
    dryRun: said[0] ?? false,
    force: flag(query.force) ?? body.force ?? false,
    reason: query.reason ?? body.reason,
    finalSync: flag(query["final-sync"]) ?? flag(query.finalSync) ?? body.finalSync ?? false,
    wait: flag(query.wait) ?? body.wait ?? false,
    actor,
    requestId,
  };
}
