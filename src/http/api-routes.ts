import { createRoute, z } from "@hono/zod-openapi";
import { operationDetailSchema } from "./operations-schemas.js";
import {
  evacuateResultSchema,
  healthSchema,
  historyQuery,
  historySchema,
  nodeParams,
  operationBody,
  operationQuery,
  planQuery,
  operationResultSchema,
  problemSchema,
  readinessSchema,
  serviceParams,
  servicesListSchema,
  serviceStatusSchema,
} from "./api-schemas.js";

const problemDescriptions: Record<number, string> = {
  400: "Invalid input: bad name, bad or unknown parameter, or malformed JSON (`errors` says what).",
  401: "Missing or invalid bearer token.",
  403: "The token's role is too low (operator required).",
  404: "Unknown service or node.",
  405: "Wrong method for this path.",
  409:
    "Preflight refused (`checks`; `force=true` overrides forceable checks); or (`code` says which) a planned move " +
    "without a cluster, a planned move of the service already running, an operation past its switch.",
  413: "Body over 64 KiB.",
  415: "A POST body that is not application/json.",
  422:
    "The service's configuration or manifests are unusable (`checks` names the file and reason); for final-sync also " +
    "no ReplicationSource for the direction, or no way to quiesce the app (`quiesce`).",
  500: "A bug.",
  503: "Git unreachable or not answering within `git.operationTimeout`, push still rejected, the data directory full (`DISK_FULL`), or not ready yet (`retryable` says whether to retry).",
};

export function problems(...statuses: number[]) {
  return Object.fromEntries(
    statuses.map((s) => [
      s,
      {
        description: problemDescriptions[s] ?? "Error",
        content: { "application/problem+json": { schema: problemSchema } },
      },
    ]),
  );
}

export function ok<T extends z.ZodType>(schema: T, description: string) {
  return { 200: { description, content: { "application/json": { schema } } } };
}

export const security = [{ bearer: [] }];
// Reads need a token only when auth.readRequiresToken is set: the token is optional.
export const readSecurity: Record<string, string[]>[] = [{ bearer: [] }, {}];
// With final-sync and wait=true the 200 carries the ended operation instead of the result.
function okOrOperation<T extends z.ZodType>(schema: T, description: string) {
  return {
    200: {
      description: `${description} With final-sync=true and wait=true: the operation once it ended.`,
      content: { "application/json": { schema: z.union([schema, operationDetailSchema]) } },
    },
  };
}

// A planned move (final-sync=true) answers 202 with the operation it started.
const accepted = {
  202: {
    description:
      "final-sync=true: the planned move started; `Location` is its `/api/operations/{id}` (with wait=true: 200 once it ended).",
    headers: { Location: { description: "/api/operations/{id}", schema: { type: "string" as const } } },
    content: { "application/json": { schema: operationDetailSchema } },
  },
};

const readErrors = [400, 401, 403, 404, 500, 503];
const operationErrors = [400, 401, 403, 404, 409, 413, 415, 422, 500, 503];

export const listServicesRoute = createRoute({
  method: "get",
  path: "/api/services",
  tags: ["services"],
  summary: "All services and their role in Git",
  description:
    "The body is the same for every caller until the repository or the configuration changes, so it " +
    "carries an `ETag` (and `Cache-Control: no-cache`): send it back in `If-None-Match` to get a 304 " +
    "without a body while nothing changed. Gzipped when the request accepts it.",
  security: readSecurity,
  responses: {
    ...ok(servicesListSchema, "Every configured service."),
    304: { description: "Not modified: the `If-None-Match` entity tag is still current." },
    ...problems(400, 401, 403, 500, 503),
  },
});

export const serviceStatusRoute = createRoute({
  method: "get",
  path: "/api/failover/{service}/status",
  tags: ["services"],
  summary: "One service in depth",
  security: readSecurity,
  request: { params: serviceParams },
  responses: { ...ok(serviceStatusSchema, "The service's status."), ...problems(...readErrors) },
});

function planRoute(action: "promote" | "demote") {
  return createRoute({
    method: "get",
    path: `/api/failover/{service}/${action}`,
    tags: ["operations"],
    summary: `Plan a ${action} (requires dry-run=true; without it answers 405)`,
    description:
      "With final-sync=true, the plan of a planned move, as the POST dry-run answers it: the switch's " +
      "diff and checks, or 409 without a cluster and 422 when the service cannot move planned.",
    security: readSecurity,
    request: { params: serviceParams, query: planQuery },
    responses: {
      ...ok(operationResultSchema, "The plan: checks and exact diff; nothing written."),
      ...problems(400, 401, 403, 404, 405, 409, 422, 500, 503),
    },
  });
}

export const planPromoteRoute = planRoute("promote");
export const planDemoteRoute = planRoute("demote");

const operationRequest = {
  query: operationQuery,
  body: { required: false, content: { "application/json": { schema: operationBody } } },
};

export const promoteRoute = createRoute({
  method: "post",
  path: "/api/failover/{service}/promote",
  tags: ["operations"],
  summary: "Promote a service to its backup (idempotent); final-sync=true for a planned move",
  security,
  request: { params: serviceParams, ...operationRequest },
  responses: {
    ...okOrOperation(operationResultSchema, "Done, planned (dry-run) or already there."),
    ...accepted,
    ...problems(...operationErrors),
  },
});

export const demoteRoute = createRoute({
  method: "post",
  path: "/api/failover/{service}/demote",
  tags: ["operations"],
  summary:
    "Demote a service back to its primary (idempotent); final-sync=true for a failback that loses nothing",
  security,
  request: { params: serviceParams, ...operationRequest },
  responses: {
    ...okOrOperation(operationResultSchema, "Done, planned (dry-run) or already there."),
    ...accepted,
    ...problems(...operationErrors),
  },
});

export const historyRoute = createRoute({
  method: "get",
  path: "/api/failover/{service}/history",
  tags: ["services"],
  summary: "The service's failover commits, newest first",
  security: readSecurity,
  request: { params: serviceParams, query: historyQuery },
  responses: {
    ...ok(historySchema, "Operations read back from the commit trailers."),
    ...problems(...readErrors),
  },
});

export const evacuateRoute = createRoute({
  method: "post",
  path: "/api/nodes/{node}/evacuate",
  tags: ["operations"],
  summary:
    "Promote every primary of a node, in one commit (best effort); final-sync=true: one commit per step",
  security,
  request: { params: nodeParams, ...operationRequest },
  responses: {
    ...okOrOperation(evacuateResultSchema, "What was promoted and what was skipped."),
    ...accepted,
    ...problems(...operationErrors),
  },
});

export const healthRoute = createRoute({
  method: "get",
  path: "/healthz",
  tags: ["probes"],
  summary: "Liveness",
  responses: { ...ok(healthSchema, "The process is alive."), ...problems(400) },
});

export const readyRoute = createRoute({
  method: "get",
  path: "/readyz",
  tags: ["probes"],
  summary: "Readiness: configuration loaded and Git reachable at the last fetch",
  responses: {
    ...ok(readinessSchema, "Ready."),
    503: { description: "Not ready.", content: { "application/json": { schema: readinessSchema } } },
    ...problems(400),
  },
});

export const metricsRoute = createRoute({
  method: "get",
  path: "/metrics",
  tags: ["probes"],
  summary: "Prometheus metrics",
  responses: {
    200: { description: "Prometheus text format.", content: { "text/plain": { schema: z.string() } } },
    ...problems(400),
  },
});

/** Every path with the methods it answers, for 405 and `Allow`. */
export const knownRoutes: readonly { pattern: RegExp; methods: string[] }[] = [
  { pattern: /^\/api\/services$/, methods: ["GET"] },
  { pattern: /^\/api\/failover\/[^/]+\/status$/, methods: ["GET"] },
  { pattern: /^\/api\/failover\/[^/]+\/promote$/, methods: ["GET", "POST"] },
  { pattern: /^\/api\/failover\/[^/]+\/demote$/, methods: ["GET", "POST"] },
  { pattern: /^\/api\/failover\/[^/]+\/history$/, methods: ["GET"] },
  { pattern: /^\/api\/nodes\/[^/]+\/evacuate$/, methods: ["POST"] },
  { pattern: /^\/api\/operations$/, methods: ["GET"] },
  { pattern: /^\/api\/operations\/[^/]+$/, methods: ["GET"] },
  { pattern: /^\/api\/operations\/[^/]+\/abort$/, methods: ["POST"] },
  { pattern: /^\/api\/openapi\.json$/, methods: ["GET"] },
  { pattern: /^\/api\/events$/, methods: ["GET"] },
  { pattern: /^\/api\/dashboard$/, methods: ["GET"] },
  { pattern: /^\/(nodes|timeline|services\/[a-z0-9-]+)?$/, methods: ["GET"] },
  { pattern: /^\/healthz$/, methods: ["GET"] },
  { pattern: /^\/readyz$/, methods: ["GET"] },
  { pattern: /^\/metrics$/, methods: ["GET"] },
];
