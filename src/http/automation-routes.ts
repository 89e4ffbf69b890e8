import { createRoute, type OpenAPIHono } from "@hono/zod-openapi";
import type { AutomationApi } from "../automation/automation-service.js";
import type { AppDeps, AppEnv } from "./app-deps.js";
import {
  alertmanagerPayloadSchema,
  alertReceiptSchema,
  automationStatusSchema,
  emptyQuery,
} from "./automation-schemas.js";
import { problemSchema } from "./api-schemas.js";
import { readSecurity } from "./api-routes.js";

const problem = (description: string) => ({
  description,
  content: { "application/problem+json": { schema: problemSchema } },
});

export const automationStatusRoute = createRoute({
  method: "get",
  path: "/api/automation",
  tags: ["automation"],
  summary: "Automation: settings, leadership and the last 200 decisions",
  security: readSecurity,
  request: { query: emptyQuery },
  responses: {
    200: {
      description: "Newest decision first: acted, suppressed (with the reason) or would-act (dry run).",
      content: { "application/json": { schema: automationStatusSchema } },
    },
    400: problem("An unknown query parameter."),
    401: problem("Missing or invalid bearer token (when reads need one)."),
    403: problem("A token whose role may not read (automation tokens may only post alerts)."),
  },
});

export const alertmanagerWebhookRoute = createRoute({
  method: "post",
  path: "/api/webhooks/alertmanager",
  tags: ["automation"],
  summary: "Alertmanager webhook receiver (version 4); answers at once, decides after",
  description:
    "Token role `automation` or `operator`. Firing alerts a rule names are deduplicated by " +
    "`fingerprint`+`startsAt` and decided once they have fired for `minFiring`; `resolved` never acts.",
  security: [{ bearer: [] }],
  request: {
    query: emptyQuery,
    body: { required: true, content: { "application/json": { schema: alertmanagerPayloadSchema } } },
  },
  responses: {
    200: {
      description: "Taken in (or ignored while automation is off); the decisions follow.",
      content: { "application/json": { schema: alertReceiptSchema } },
    },
    400: problem("Not a version 4 Alertmanager payload (`errors` names the field)."),
    401: problem("Missing or invalid bearer token."),
    403: problem("The token's role is neither automation nor operator."),
    413: problem("Body over 64 KiB (set `max_alerts` on the webhook receiver)."),
    415: problem("Not application/json."),
    503: problem("This replica does not hold the automation Lease; Alertmanager retries (`retryable`)."),
  },
});

/** Paths of these routes with their methods, for 405 and `Allow`. */
export const automationKnownRoutes: readonly { pattern: RegExp; methods: string[] }[] = [
  { pattern: /^\/api\/automation$/, methods: ["GET"] },
  { pattern: /^\/api\/webhooks\/alertmanager$/, methods: ["POST"] },
];

/** A server with no automation at all (no cluster): off, no leader, no decisions. */
export const noAutomation: AutomationApi = {
  status: () => ({ enabled: false, dryRun: false, leader: false, holder: null, decisions: [] }),
  onDecision: () => () => undefined,
  receiveAlerts: (alerts) => ({
    status: "ignored",
    alerts: alerts.length,
    firing: alerts.filter((a) => a.status === "firing").length,
    resolved: alerts.filter((a) => a.status === "resolved").length,
    pending: 0,
    duplicates: 0,
    unmatched: 0,
    reason: "automation is not running on this server",
  }),
};

export function registerAutomationRoutes(app: OpenAPIHono<AppEnv>, deps: AppDeps): void {
  const automation = (): AutomationApi => deps.automation ?? noAutomation;

  app.openapi(automationStatusRoute, (c) => c.json(automation().status(), 200));

  app.openapi(alertmanagerWebhookRoute, (c) => {
    const payload = c.req.valid("json");
    const alerts = payload.alerts.map((a) => ({
      status: a.status,
      labels: a.labels,
      startsAt: new Date(a.startsAt),
      fingerprint: a.fingerprint,
    }));
    return c.json(automation().receiveAlerts(alerts), 200);
  });
}
