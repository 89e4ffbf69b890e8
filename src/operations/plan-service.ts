import type { Check } from "../domain/check.js";
import type { LiveView } from "../domain/live-state.js";
import { preflight } from "../domain/preflight.js";
import type { ServiceSpec } from "../domain/service-spec.js";
import { targetRoleOf } from "../domain/service-spec.js";
import { planSwitch, type ServicePlan } from "../domain/switch-plan.js";
import type { ServiceState } from "./repo-snapshot.js";

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
): PlannedService {
  const plan = planSwitch(state.spec, state.analysis, targetRoleOf(action));
  const checks = preflight({
    spec: state.spec,
    action,
    plan,
    analysis: state.analysis,
    live,
    now,
    lastPromoteAt,
  });
  const refused = checks.some((c) => c.name === "config" && c.status === "fail");
  const failing = checks.filter((c) => c.status === "fail" && c.name !== "config");
  return { spec: state.spec, plan, checks, refused, failing };
}

export function describeFailing(checks: readonly Check[]): string {
  return checks.map((c) => `${c.name}: ${c.detail}`).join("; ");
}
