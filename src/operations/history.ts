import type { HistoryCommit } from "../git/commit-history.js";
import type { Operation } from "./operation-types.js";

const actions = new Set(["promote", "demote", "evacuate"]);

/**
 * An Operation (a role change) read back from a commit's trailers; undefined for commits that are
 * not ours, and for the steps of a planned move that change no role (quiesce, final sync,
 * rollback): history lists its switch commit, /api/operations every step.
 */
export function operationFromCommit(commit: HistoryCommit): Operation | undefined {
  const t = commit.trailers;
  const action = t["Failover-Action"]?.[0];
  if (action === undefined || !actions.has(action)) return undefined;
  const step = t["Failover-Step"]?.[0];
  if (step !== undefined && step !== "switch") return undefined;
  return {
    commit: commit.sha,
    action: action as Operation["action"],
    services: t["Failover-Service"] ?? [],
    actor: t["Failover-Actor"]?.[0] ?? "",
    reason: t["Failover-Reason"]?.[0] ?? "",
    at: new Date(commit.time).toISOString().replace(/\.\d{3}Z$/, "Z"),
    forced: t["Failover-Forced"]?.[0] === "true",
    requestId: t["Failover-Request-Id"]?.[0] ?? "",
  };
}
