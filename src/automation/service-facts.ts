import type { LiveView } from "../domain/live-state.js";
import type { RepoSnapshot } from "../operations/repo-snapshot.js";
import { describeFailing, planService } from "../operations/plan-service.js";
import type { ServiceFacts } from "./decide.js";

/**
 * The facts of one service for a decision, from the same planning and preflight the operation
 * runs (so a decision to act is followed by an operation that passes the same checks).
 */
export function serviceFacts(
  snapshot: RepoSnapshot,
  name: string,
  action: "promote" | "demote",
  live: LiveView,
  now: Date,
  options: { ignore?: readonly string[] } = {},
): ServiceFacts | null {
  const state = snapshot.services.get(name);
  if (!state) return null;
  const lastPromoteAt = action === "demote" ? lastPromote(snapshot, name) : null;
  const planned = planService(state, action, live, now, lastPromoteAt);
  const config = planned.checks.filter((c) => c.name === "config" && c.status === "fail");
  return {
    name,
    role: state.reading.role,
    refused: planned.refused ? describeFailing(config) : null,
    failing: planned.failing.filter((c) => !(options.ignore ?? []).includes(c.name)),
  };
}

function lastPromote(snapshot: RepoSnapshot, service: string): Date | null {
  const op = snapshot.history.find(
    (o) => o.services.includes(service) && (o.action === "promote" || o.action === "evacuate"),
  );
  return op ? new Date(op.at) : null;
}
