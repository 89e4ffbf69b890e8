import type { Check } from "../domain/check.js";
import type { LiveView } from "../domain/live-state.js";
import { finalSyncChecks, preflight } from "../domain/preflight.js";
import type { ServiceSpec } from "../domain/service-spec.js";
import { targetRoleOf } from "../domain/service-spec.js";
import { planSwitch, type ServicePlan } from "../domain/switch-plan.js";
import type { RepoSnapshot, ServiceState } from "./repo-snapshot.js";

export interface PlannedService {
  spec: ServiceSpec;
  plan: ServicePlan;
  checks: Check[];
  /** The `config` check failed: nothing sensible to commit, never forceable (422). */
  refused: boolean;
  /** Checks other than `config` that fail (409 unless forced). */
  failing: Check[];
}

/** Plan + preflight for one service from an analysed snapshot: pure given its inputs. */
export function planService(
  state: ServiceState,
  action: "promote" | "demote",
  live: LiveView | null,
  now: Date,
  lastPromoteAt: Date | null,
  finalSync = false,
): PlannedService {
  const plan = planSwitch(state.spec, state.analysis, targetRoleOf(action));
  const raw = preflight({
    spec: state.spec,
    action,
    plan,
    analysis: state.analysis,
    live,
    now,
    lastPromoteAt,
  });
  const checks = finalSync ? finalSyncChecks(raw) : raw;
  const refused = checks.some((c) => c.name === "config" && c.status === "fail");
  const failing = checks.filter((c) => c.status === "fail" && c.name !== "config");
  return { spec: state.spec, plan, checks, refused, failing };
}

export function describeFailing(checks: readonly Check[]): string {
  return checks.map((c) => `${c.name}: ${c.detail}`).join("; ");
}

/** Commit time of the service's last promote (or evacuate), from history: for `reverse-synced`. */
export function lastPromoteOf(snapshot: RepoSnapshot, service: string): Date | null {
  const op = snapshot.history.find(
    (o) => o.services.includes(service) && (o.action === "promote" || o.action === "evacuate"),
  );
  return op ? new Date(op.at) : null;
}
