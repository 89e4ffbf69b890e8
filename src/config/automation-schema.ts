import { z } from "zod";
import { parseDuration } from "../domain/duration.js";
import { parseTimeWindow } from "../domain/time-window.js";

const duration = z.string().refine((v) => parseDuration(v) !== undefined, {
  message: "must be a duration like 90s, 15m, 2h",
});
const labelName = z
  .string()
  .regex(/^[a-zA-Z_][a-zA-Z0-9_]*$/, "must be a Prometheus label name (letters, digits, '_')");
const alertname = z.string().min(1, "must not be empty");

// One rule per action, each strict: a `serviceLabel` on an evacuate rule is a mistake worth an error.
const evacuateRule = z.strictObject({
  alertname,
  action: z.literal("evacuate"),
  nodeLabel: labelName.default("node"),
});
const promoteRule = z.strictObject({
  alertname,
  action: z.literal("promote"),
  serviceLabel: labelName.default("service"),
});
const rule = z.discriminatedUnion("action", [evacuateRule, promoteRule], {
  error: (issue) => (issue.code === "invalid_union" ? 'must be "evacuate" or "promote"' : undefined),
});

const window = z.string().superRefine((text, ctx) => {
  const parsed = parseTimeWindow(text);
  if (typeof parsed === "string") ctx.addIssue({ code: "custom", message: parsed });
});

/**
 * SPEC §10. Everything is off until `enabled: true`; the two triggers are on once it is, failback
 * stays off until asked for. Unknown keys are errors, as everywhere.
 */
export const automationSchema = z
  .strictObject({
    enabled: z.boolean().default(false),
    dryRun: z.boolean().default(false),
    nodeWatcher: z
      .strictObject({
        enabled: z.boolean().default(true),
        notReadyFor: duration.default("5m"),
        requireOutOfServiceTaint: z.boolean().default(false),
      })
      .prefault({}),
    alertmanager: z
      .strictObject({
        enabled: z.boolean().default(true),
        minFiring: duration.default("2m"),
        rules: z.array(rule).default([]),
      })
      .prefault({}),
    cooldown: duration.default("30m"),
    maxActionsPerHour: z.number().int().min(1, "must be at least 1").default(3),
    maxNodesDown: z.number().int().min(0, "must be at least 0").default(1),
    failback: z
      .strictObject({
        enabled: z.boolean().default(false),
        healthyFor: duration.default("30m"),
        window: window.optional(),
      })
      .prefault({}),
  })
  .prefault({});

export type RawAutomation = z.infer<typeof automationSchema>;
export type RawAlertRule = z.infer<typeof rule>;
