import type { EventInput, EventSubject } from "../cluster/event-writer.js";
import type { ServiceSpec } from "../domain/service-spec.js";
import type { Logger } from "../log/logger.js";
import type { DecisionLog } from "./decision-log.js";
import type { AutomaticAction, DecisionRecord } from "./decision-types.js";

export interface DecisionJournalDeps {
  log: DecisionLog;
  logger: Logger;
  /** failover_automation_decisions_total. */
  count: (labels: { trigger: string; decision: string; reason: string }) => void;
  /** Writes a Kubernetes Event; null without a cluster. */
  events: { write(event: EventInput): Promise<boolean> } | null;
  services: () => readonly ServiceSpec[];
}

const workloadApiVersions: Record<string, string> = {
  Deployment: "apps/v1",
  StatefulSet: "apps/v1",
  DaemonSet: "apps/v1",
  Job: "batch/v1",
  CronJob: "batch/v1",
  Pod: "v1",
  HelmRelease: "helm.toolkit.fluxcd.io/v2",
};

const normalCourse: ReadonlySet<string> = new Set(["min-firing", "outside-window", "failback-in-progress"]);

const eventReasons = {
  acted: "AutomationActed",
  suppressed: "AutomationSuppressed",
  "would-act": "AutomationWouldAct",
} as const;

/**
 * Every decision goes to four places (SPEC §10): a JSON log line, the decisions counter, a
 * Kubernetes Event on the node or the service's workload, and the list behind GET /api/automation.
 */
export class DecisionJournal {
  readonly #deps: DecisionJournalDeps;
  readonly #writing = new Set<Promise<unknown>>();

  constructor(deps: DecisionJournalDeps) {
    this.#deps = deps;
  }

  get log(): DecisionLog {
    return this.#deps.log;
  }

  /** Records the decision; the Event is written in the background (an API call must not delay acting). */
  record(record: DecisionRecord, action: AutomaticAction): void {
    const { trigger, decision, reason } = record;
    const failed = record.operation?.error != null;
    const fields = { ...record, action };
    // The normal course, not a warning: an alert waiting for minFiring, a failback waiting for
    // its window or for the failback before it.
    const worrying = (decision === "suppressed" && !normalCourse.has(reason)) || failed;
    if (worrying) this.#deps.logger.warn("Automation decision", fields);
    else this.#deps.logger.info("Automation decision", fields);
    this.#deps.count({ trigger, decision, reason });
    this.#deps.log.add(record);
    const subject = this.#subject(record);
    if (this.#deps.events === null || subject === null) return;
    const commit = record.operation?.commit ? ` (commit ${record.operation.commit.slice(0, 12)})` : "";
    const error = record.operation?.error ? ` (failed: ${record.operation.error})` : "";
    const writing = this.#deps.events
      .write({
        regarding: subject,
        type: worrying ? "Warning" : "Normal",
        reason: eventReasons[decision],
        action: action.charAt(0).toUpperCase() + action.slice(1),
        note: `${trigger} ${decision} (${reason}): ${record.detail}${commit}${error}`,
      })
      .finally(() => this.#writing.delete(writing));
    this.#writing.add(writing);
  }

  /** Resolves when the Events being written are written (or failed). */
  async flush(): Promise<void> {
    await Promise.allSettled([...this.#writing]);
  }

  #subject(record: DecisionRecord): EventSubject | null {
    if (record.node !== undefined) {
      return { apiVersion: "v1", kind: "Node", name: record.node, namespace: null };
    }
    const spec = this.#deps.services().find((s) => s.name === record.service);
    if (!spec) return null;
    return {
      apiVersion: workloadApiVersions[spec.workload.kind] ?? "apps/v1",
      kind: spec.workload.kind,
      name: spec.workload.name,
      namespace: spec.namespace,
    };
  }
}
