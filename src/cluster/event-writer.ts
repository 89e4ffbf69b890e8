import { randomBytes } from "node:crypto";
import { EventsV1Api, V1MicroTime, type KubeConfig } from "@kubernetes/client-node";
import type { Logger } from "../log/logger.js";

/** The object an Event is about: a Node (cluster-scoped) or a workload in its namespace. */
export interface EventSubject {
  apiVersion: string;
  kind: string;
  name: string;
  /** null for a Node. */
  namespace: string | null;
}

export interface EventInput {
  regarding: EventSubject;
  type: "Normal" | "Warning";
  /** UpperCamelCase, machine-readable (e.g. `AutomationSuppressed`). */
  reason: string;
  /** What was or would have been done (e.g. `Evacuate`). */
  action: string;
  note: string;
}

export const reportingController = "failover-api.io/automation";

// events.k8s.io/v1 caps the note at 1 kB.
const maxNote = 1024;

/**
 * Writes events.k8s.io/v1 Events (`kubectl get events` shows them beside the object's own).
 * A Node's Events live in `default`, as the kubelet's do. Failures are logged, never thrown: an
 * Event is an explanation, not a reason to stop.
 */
export class EventWriter {
  readonly #api: EventsV1Api;
  readonly #instance: string;
  readonly #logger: Logger;

  constructor(options: { kubeConfig: KubeConfig; instance: string; logger: Logger }) {
    this.#api = options.kubeConfig.makeApiClient(EventsV1Api);
    this.#instance = options.instance.slice(0, 128);
    this.#logger = options.logger;
  }

  async write(event: EventInput, now = new Date()): Promise<boolean> {
    const namespace = event.regarding.namespace ?? "default";
    // `<object>.<hex time><random>`, as the kubelet names its Events (a generateName cannot end in a dot).
    const name = `${event.regarding.name.slice(0, 200)}.${now.getTime().toString(16)}${randomBytes(3).toString("hex")}`;
    try {
      await this.#api.createNamespacedEvent({
        namespace,
        body: {
          apiVersion: "events.k8s.io/v1",
          kind: "Event",
          metadata: { name, namespace },
          eventTime: new V1MicroTime(now.getTime()),
          reportingController,
          reportingInstance: this.#instance,
          action: event.action.slice(0, 128),
          reason: event.reason.slice(0, 128),
          type: event.type,
          note:
            [...event.note].slice(0, maxNote - 3).join("") + (event.note.length > maxNote - 3 ? "..." : ""),
          regarding: {
            apiVersion: event.regarding.apiVersion,
            kind: event.regarding.kind,
            name: event.regarding.name,
            ...(event.regarding.namespace === null ? {} : { namespace: event.regarding.namespace }),
          },
        },
      });
      return true;
    } catch (error) {
      this.#logger.warn("Could not write a Kubernetes Event", {
        regarding: `${event.regarding.kind}/${event.regarding.name}`,
        reason: event.reason,
        error: describe(error),
      });
      return false;
    }
  }
}

function describe(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  const body = (error as { body?: unknown } | null)?.body;
  if (typeof code === "number")
    return `HTTP ${code}${typeof body === "string" ? `: ${body.slice(0, 300)}` : ""}`;
  return error instanceof Error ? error.message : String(error);
}
