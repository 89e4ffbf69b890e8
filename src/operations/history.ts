import type { HistoryCommit } from "../git/commit-history.js";
import type { Operation } from "./operation-types.js";

const actions = new Set(["promote", "demote", "evacuate"]);

/** An Operation read back from a commit's trailers; undefined for commits that are not ours. */
export function operationFromCommit(commit: HistoryCommit): Operation | undefined {
  const t = commit.trailers;
  const action = t["Failover-Action"]?.[0];
  if (action === undefined || !actions.has(action)) return undefined;
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
