import { createRoute, type OpenAPIHono } from "@hono/zod-openapi";
import type { Context } from "hono";
import type { OperationOptions } from "../operations/operation-types.js";
import { ok, problems, readSecurity, security } from "./api-routes.js";
import type { AppDeps, AppEnv } from "./app-deps.js";
import {
  abortBody,
  abortQuery,
  operationDetailSchema,
  operationParams,
  operationsListSchema,
  operationsQuery,
} from "./operations-schemas.js";

export const listOperationsRoute = createRoute({
  method: "get",
  path: "/api/operations",
  tags: ["operations"],
  summary: "Recent operations with their steps, newest first (SPEC §5.2)",
  security: readSecurity,
  request: { query: operationsQuery },
  responses: {
    ...ok(operationsListSchema, "Operations read back from Git and folded with the cluster's state."),
    ...problems(400, 401, 403, 500, 503),
  },
});

export const getOperationRoute = createRoute({
  method: "get",
  path: "/api/operations/{id}",
  tags: ["operations"],
  summary: "One operation: state, steps, progress",
  security: readSecurity,
  request: { params: operationParams },
  responses: {
    ...ok(operationDetailSchema, "The operation."),
    ...problems(400, 401, 403, 404, 500, 503),
  },
});

export const abortOperationRoute = createRoute({
  method: "post",
  path: "/api/operations/{id}/abort",
  tags: ["operations"],
  summary: "Roll back a planned move that has not switched yet",
  security,
  request: {
    params: operationParams,
    query: abortQuery,
    body: { required: false, content: { "application/json": { schema: abortBody } } },
  },
  responses: {
    ...ok(
      operationDetailSchema,
      "The rollback is committed; the operation ends `aborted` once the app runs again.",
    ),
    ...problems(400, 401, 403, 404, 409, 413, 415, 500, 503),
  },
});

/** SPEC §5.2's routes. */
export function registerOperationsRoutes(app: OpenAPIHono<AppEnv>, deps: AppDeps): void {
  app.openapi(listOperationsRoute, async (c) => {
    const { limit } = c.req.valid("query");
    return c.json({ operations: await deps.planned.list(limit) }, 200);
  });
  app.openapi(getOperationRoute, async (c) => {
    const { id } = c.req.valid("param");
    return c.json(await deps.planned.get(id), 200);
  });
  app.openapi(abortOperationRoute, async (c) => {
    const { id } = c.req.valid("param");
    const reason = c.req.valid("query").reason ?? c.req.valid("json").reason;
    return c.json(await deps.planned.abort(id, { actor: c.get("actor"), reason }), 200);
  });
}

export type Move =
  { kind: "service"; action: "promote" | "demote"; name: string } | { kind: "node"; node: string };

/**
 * Promote, demote and evacuate: an ordinary one answers 200 with its result. With final-sync a
 * planned move starts: 202 with the operation and `Location`, or with wait=true, 200 once it
 * ended (202 again if it outlasts its timeouts).
 */
export async function answerMove(
  c: Context<AppEnv>,
  deps: AppDeps,
  move: Move,
  options: OperationOptions,
): Promise<Response> {
  if (options.finalSync !== true) {
    const result =
      move.kind === "service"
        ? await deps.operations.switchService(move.name, move.action, options)
        : await deps.operations.evacuate(move.node, options);
    return c.json(result, 200);
  }
  const started =
    move.kind === "service"
      ? await deps.planned.start(move.action, move.name, options)
      : await deps.planned.startEvacuation(move.node, options);
  if (started.kind === "result") return c.json(started.result, 200);
  let operation = started.operation;
  const location = `/api/operations/${operation.id}`;
  if (options.wait === true) {
    operation = await deps.planned.untilEnded(operation.id, waitBoundMs(deps, operation.services));
    if (operation.state !== "running") return c.json(operation, 200, { Location: location });
  }
  return c.json(operation, 202, { Location: location });
}

/** How long `wait=true` may hold a response: every step's timeout, plus a minute. */
function waitBoundMs(deps: AppDeps, services: readonly string[]): number {
  const specs = deps.config().services.filter((s) => services.includes(s.name));
  const quiesce = Math.max(300, ...specs.map((s) => s.quiesceTimeoutSeconds));
  const finalSync = Math.max(0, ...specs.map((s) => s.finalSyncTimeoutSeconds));
  return (2 * quiesce + finalSync + 60) * 1000;
}
