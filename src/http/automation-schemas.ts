import { z } from "@hono/zod-openapi";
import { decisionReasons } from "../automation/decision-types.js";

/** Request and response shapes of the automation routes (SPEC §10). */

const labels = z.record(z.string(), z.string());
const timestamp = z.iso.datetime({ offset: true, message: "must be an RFC 3339 time" });

const alertSchema = z.object({
  status: z.enum(["firing", "resolved"]),
  labels,
  annotations: labels.optional(),
  startsAt: timestamp,
  endsAt: timestamp.optional(),
  generatorURL: z.string().optional(),
  fingerprint: z.string().min(1, "must not be empty"),
});

/**
 * Alertmanager's webhook body, version "4" (prometheus/alertmanager notify/webhook). Every field
 * this server reads is required and type-checked; keys it does not know are accepted, because
 * Alertmanager adds fields to version "4" without changing the version (v0.35 added
 * `notification_reason` and `routeLabels`), and a strict check would turn an Alertmanager
 * upgrade into silently dead automation. The body carries no option that changes what is done.
 */
export const alertmanagerPayloadSchema = z
  .object({
    version: z.literal("4", { message: 'must be "4" (the Alertmanager webhook format this server reads)' }),
    groupKey: z.string().optional(),
    truncatedAlerts: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER).optional(),
    status: z.enum(["firing", "resolved"]),
    receiver: z.string().optional(),
    groupLabels: labels.optional(),
    commonLabels: labels.optional(),
    commonAnnotations: labels.optional(),
    externalURL: z.string().optional(),
    alerts: z.array(alertSchema),
  })
  .openapi("AlertmanagerWebhook");

export const alertReceiptSchema = z
  .object({
    status: z.enum(["accepted", "ignored"]).openapi({
      description: "`ignored`: automation or its Alertmanager trigger is off; nothing is decided.",
    }),
    alerts: z.number().int(),
    firing: z.number().int(),
    resolved: z.number().int(),
    pending: z
      .number()
      .int()
      .openapi({ description: "New firing alerts a rule applies to: decided now or at minFiring." }),
    duplicates: z
      .number()
      .int()
      .openapi({ description: "Redeliveries (same fingerprint and startsAt), dropped." }),
    unmatched: z.number().int().openapi({ description: "Alerts no rule names, ignored." }),
    reason: z.string().nullable(),
  })
  .openapi("AlertReceipt");

export const emptyQuery = z.strictObject({});

const operationSchema = z
  .object({
    id: z
      .string()
      .nullable()
      .openapi({ description: "The request id (`Failover-Request-Id`); null for would-act." }),
    action: z.enum(["evacuate", "promote", "demote"]),
    services: z.array(z.string()),
    commit: z.string().nullable(),
    error: z.string().nullable(),
  })
  .openapi("AutomationOperation");

export const decisionSchema = z
  .object({
    at: z.string().openapi({ format: "date-time" }),
    trigger: z.enum(["node-watcher", "alertmanager", "failback"]),
    node: z.string().optional(),
    service: z.string().optional(),
    decision: z.enum(["acted", "suppressed", "would-act"]),
    reason: z.enum(decisionReasons),
    detail: z.string(),
    operation: z.union([operationSchema, z.null()]),
  })
  .openapi("AutomationDecision");

export const automationStatusSchema = z
  .object({
    enabled: z.boolean(),
    dryRun: z.boolean(),
    leader: z
      .boolean()
      .openapi({ description: "Whether this replica holds the Lease (only the holder acts)." }),
    holder: z.string().nullable().openapi({ description: "Identity of the Lease holder last seen, if any." }),
    decisions: z.array(decisionSchema).openapi({ description: "Newest first, at most 200." }),
  })
  .openapi("Automation");
