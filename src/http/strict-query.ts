import type { OpenAPIHono } from "@hono/zod-openapi";
import type { MiddlewareHandler } from "hono";
import { matchedRoutes } from "hono/route";
import type { AppEnv } from "./app-deps.js";
import { makeProblem, problemResponse } from "./problem-details.js";

type QueryTable = ReadonlyMap<string, ReadonlySet<string>>;

const key = (method: string, honoPath: string) => `${method.toUpperCase()} ${honoPath}`;

/**
 * The query parameters each route declares, read from the routes registered with
 * `app.openapi(createRoute({ request: { query } }))`: the same schema that validates the values
 * and documents them in the OpenAPI document decides which names exist.
 */
function queryTable(app: OpenAPIHono<AppEnv>): QueryTable {
  const table = new Map<string, Set<string>>();
  for (const definition of app.openAPIRegistry.definitions) {
    if (definition.type !== "route") continue;
    const { method, path, request } = definition.route;
    const query = request?.query as { shape?: Record<string, unknown> } | undefined;
    const honoPath = path.replaceAll(/\/{(.+?)}/g, "/:$1");
    table.set(key(method, honoPath), new Set(Object.keys(query?.shape ?? {})));
  }
  return table;
}

const normalise = (name: string) => name.toLowerCase().replaceAll(/[^a-z0-9]/g, "");

/** `dryrun`, `dry_run`, `DryRun` → `dry-run`: the first declared name that differs only in spelling. */
function suggestion(name: string, allowed: readonly string[]): string | undefined {
  return allowed.find((a) => normalise(a) === normalise(name));
}

function describe(name: string, allowed: readonly string[]): string {
  const meant = suggestion(name, allowed);
  const takes =
    allowed.length === 0 ? "this route takes no query parameters" : `this route takes ${allowed.join(", ")}`;
  return `${name}: unknown query parameter${meant === undefined ? "" : ` (did you mean "${meant}"?)`}; ${takes}`;
}

/**
 * SPEC §7: an unknown query parameter is a 400 naming it, on every route — a mistyped
 * `dryrun=true` must never run a real operation. Driven by the routes themselves: a route accepts
 * exactly the query parameters its `request.query` schema declares, and a route without one (or
 * one added with plain `app.get`) accepts none. Requests that match no route pass through to the
 * 404/405 answers.
 */
export function strictQuery(app: OpenAPIHono<AppEnv>): MiddlewareHandler<AppEnv> {
  let table: QueryTable | undefined;
  return async (c, next) => {
    const names = [...new Set(new URL(c.req.url).searchParams.keys())];
    if (names.length === 0) return next();
    // Routes are all registered before the first request; read them once, then.
    table ??= queryTable(app);
    const handlers = matchedRoutes(c).filter((r) => r.method !== "ALL");
    if (handlers.length === 0) return next();
    const allowed = new Set<string>();
    for (const r of handlers) for (const name of table.get(key(r.method, r.path)) ?? []) allowed.add(name);
    const unknown = names.filter((n) => !allowed.has(n));
    if (unknown.length === 0) return next();
    const errors = unknown.map((n) => describe(n, [...allowed]));
    return problemResponse(
      makeProblem(400, "INVALID_INPUT", errors.join("; "), c.get("requestId"), { errors }),
    );
  };
}
