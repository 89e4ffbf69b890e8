import { OpenAPIHono } from "@hono/zod-openapi";
import { bodyLimit } from "hono/body-limit";
import type { MiddlewareHandler } from "hono";
import { HTTPException } from "hono/http-exception";
import { FailoverError, isFailoverError } from "../domain/failover-error.js";
import type { RepoSnapshot } from "../operations/repo-snapshot.js";
import type { AppDeps, AppEnv } from "./app-deps.js";
import {
  demoteRoute,
  evacuateRoute,
  healthRoute,
  historyRoute,
  knownRoutes,
  listServicesRoute,
  metricsRoute,
  planDemoteRoute,
  planPromoteRoute,
  promoteRoute,
  readyRoute,
  serviceStatusRoute,
} from "./api-routes.js";
import { operationQuery } from "./api-schemas.js";
import { accessFor, authorize } from "./authenticate.js";
import { automationKnownRoutes, registerAutomationRoutes } from "./automation-routes.js";
import { registerDashboardRoutes } from "./dashboard-routes.js";
import { registerEventsRoutes } from "./events-routes.js";
import { dryRunOf, operationOptions } from "./operation-options.js";
import { answerMove, registerOperationsRoutes } from "./operations-routes.js";
import { type PrecomputedBody, precomputeJson, sendPrecomputed } from "./precomputed-body.js";
import { makeProblem, problemFromError, problemResponse } from "./problem-details.js";
import { requestContext } from "./request-context.js";
import { strictQuery } from "./strict-query.js";
import { validationErrors } from "./validation-errors.js";

const maxBodyBytes = 64 * 1024;
const openApiPath = "/api/openapi.json";

/** The HTTP API of SPEC §7. The only place where error codes become HTTP statuses. */
export function createApp(deps: AppDeps): OpenAPIHono<AppEnv> {
  const clock = deps.clock ?? (() => performance.now());
  const app = new OpenAPIHono<AppEnv>({
    defaultHook: (result, c) => {
      if (result.success) return;
      const errors = validationErrors(result.target, result.error.issues);
      return problemResponse(
        makeProblem(400, "INVALID_INPUT", errors.join("; "), c.get("requestId"), { errors }),
      );
    },
  });

  app.use("*", requestContext(deps.logger, clock, deps.newRequestId));
  const limitBody: MiddlewareHandler<AppEnv> = bodyLimit({
    maxSize: maxBodyBytes,
    onError: (c) =>
      problemResponse(
        makeProblem(
          413,
          "PAYLOAD_TOO_LARGE",
          `the body is over ${maxBodyBytes} bytes`,
          String(c.get("requestId")),
        ),
      ),
  });
  // GET and HEAD carry no body. Asking one for it (as bodyLimit does) builds a full fetch Request
  // with an AbortSignal tracked by a FinalizationRegistry: at thousands of reads a second those
  // outlive the young generation and were most of the server's peak memory under load.
  const limitBodies: MiddlewareHandler<AppEnv> = (c, next) =>
    c.req.method === "GET" || c.req.method === "HEAD" ? next() : limitBody(c, next);
  app.use("*", limitBodies);
  app.use("/api/*", async (c, next) => {
    if (c.req.path === openApiPath) return next();
    const access = accessFor(c.req.method, c.req.path);
    const outcome = authorize(deps.config().auth, deps.tokens(), c.req.header("authorization"), access);
    if (!outcome.ok) {
      const code = outcome.status === 401 ? "UNAUTHORIZED" : "FORBIDDEN";
      const headers: Record<string, string> =
        outcome.status === 401 ? { "WWW-Authenticate": 'Bearer realm="failover-api"' } : {};
      return problemResponse(makeProblem(outcome.status, code, outcome.detail, c.get("requestId")), headers);
    }
    c.set("actor", outcome.actor);
    return next();
  });
  // Before auth and before any handler: a mistyped option must never reach an operation.
  app.use("*", strictQuery(app));
  // The seed's curl plans with GET; executing needs POST, so GET without dry-run is the wrong
  // method. A malformed value is worded by the POST route's schema, so GET and POST word it alike.
  for (const action of ["promote", "demote"]) {
    app.use(`/api/failover/:service/${action}`, async (c, next) => {
      if (c.req.method !== "GET") return next();
      const query = operationQuery.safeParse(c.req.query());
      if (!query.success) {
        const errors = validationErrors("query", query.error.issues);
        return problemResponse(
          makeProblem(400, "INVALID_INPUT", errors.join("; "), c.get("requestId"), { errors }),
        );
      }
      if (dryRunOf(query.data) === true) return next();
      return methodNotAllowed(
        c.get("requestId"),
        ["POST"],
        `GET only plans: add ?dry-run=true, or POST to ${action}`,
      );
    });
  }

  const snapshotOf = (): RepoSnapshot => {
    const snapshot = deps.operations.snapshot;
    if (!snapshot) {
      // Say why: the classified failure of the last fetch (connection refused, auth denied …).
      const { error } = deps.readiness();
      if (isFailoverError(error)) throw error;
      throw new FailoverError("GIT_UNREACHABLE", "the repository has not been fetched yet; retry shortly");
    }
    return snapshot;
  };
  const serviceState = (name: string) => {
    const state = snapshotOf().services.get(name);
    if (!state) throw new FailoverError("SERVICE_NOT_FOUND", `unknown service "${name}"`);
    return state;
  };

  // The list is the hot read path: serialised (and hashed for its ETag) once per snapshot, not
  // once per request. Keyed by the snapshot object (a config reload makes a new one at the same
  // revision).
  const servicesBodies = new WeakMap<RepoSnapshot, PrecomputedBody>();
  app.openapi(listServicesRoute, (c) => {
    const snapshot = snapshotOf();
    let pre = servicesBodies.get(snapshot);
    if (pre === undefined) {
      const services = [...snapshot.services.values()].map((s) => s.summary);
      pre = precomputeJson({ services, revision: snapshot.revision });
      servicesBodies.set(snapshot, pre);
    }
    return sendPrecomputed(c, pre);
  });

  app.openapi(serviceStatusRoute, (c) => {
    const { service } = c.req.valid("param");
    return c.json(deps.status(snapshotOf(), service), 200);
  });

  for (const [route, action] of [
    [planPromoteRoute, "promote"],
    [planDemoteRoute, "demote"],
  ] as const) {
    app.openapi(route, async (c) => {
      const { service } = c.req.valid("param");
      const options = operationOptions(c.req.valid("query"), {}, c.get("actor"), c.get("requestId"));
      // A planned move's plan is the POST dry-run's, with its requirements (a cluster: 409; a
      // ReplicationSource and a way to quiesce: 422), so the plan never promises more than the move.
      if (options.finalSync === true) {
        const planned = await deps.planned.start(action, service, { ...options, dryRun: true });
        if (planned.kind === "result" && planned.result.action !== "evacuate")
          return c.json(planned.result, 200);
        throw new FailoverError("INTERNAL", `a dry-run of ${service} answered with no plan of it`);
      }
      const result = await deps.operations.switchService(service, action, { ...options, dryRun: true });
      return c.json(result, 200);
    });
  }

  app.openapi(promoteRoute, async (c) => {
    const { service } = c.req.valid("param");
    const options = operationOptions(
      c.req.valid("query"),
      c.req.valid("json"),
      c.get("actor"),
      c.get("requestId"),
    );
    // answerMove answers 200, or 202 for a planned move: both are declared on the route.
    return (await answerMove(
      c,
      deps,
      { kind: "service", action: "promote", name: service },
      options,
    )) as never;
  });

  app.openapi(demoteRoute, async (c) => {
    const { service } = c.req.valid("param");
    const options = operationOptions(
      c.req.valid("query"),
      c.req.valid("json"),
      c.get("actor"),
      c.get("requestId"),
    );
    return (await answerMove(
      c,
      deps,
      { kind: "service", action: "demote", name: service },
      options,
    )) as never;
  });

  app.openapi(historyRoute, async (c) => {
    const { service } = c.req.valid("param");
    const { limit } = c.req.valid("query");
    serviceState(service);
    const operations = await deps.operations.history(service, limit);
    return c.json({ name: service, operations }, 200);
  });

  app.openapi(evacuateRoute, async (c) => {
    const { node } = c.req.valid("param");
    const options = operationOptions(
      c.req.valid("query"),
      c.req.valid("json"),
      c.get("actor"),
      c.get("requestId"),
    );
    return (await answerMove(c, deps, { kind: "node", node }, options)) as never;
  });

  registerAutomationRoutes(app, deps);
  registerEventsRoutes(app, deps.events);
  registerDashboardRoutes(app, deps);
  registerOperationsRoutes(app, deps);

  app.openapi(healthRoute, (c) => c.json({ status: "ok" as const }, 200));

  app.openapi(readyRoute, (c) => {
    const r = deps.readiness();
    const ready = r.configLoaded && r.gitReachable;
    const body = {
      status: ready ? ("ready" as const) : ("not-ready" as const),
      configLoaded: r.configLoaded,
      gitReachable: r.gitReachable,
      revision: deps.operations.snapshot?.revision ?? null,
      lastFetchAt: r.lastFetchAt?.toISOString() ?? null,
      reason: r.reason,
    };
    return ready ? c.json(body, 200) : c.json(body, 503);
  });

  app.openapi(metricsRoute, async (c) => {
    const text = await deps.metrics.metrics();
    return c.text(text, 200, { "Content-Type": deps.metrics.contentType });
  });

  app.doc31(openApiPath, {
    openapi: "3.1.0",
    info: {
      title: "failover-api",
      version: "0.1.0",
      description:
        "Fail stateful Kubernetes apps over to their replicated backup volumes through Git (Flux).",
    },
  });
  app.openAPIRegistry.registerComponent("securitySchemes", "bearer", { type: "http", scheme: "bearer" });

  app.notFound((c) => {
    const known = [...knownRoutes, ...automationKnownRoutes].find((r) => r.pattern.test(c.req.path));
    if (known)
      return methodNotAllowed(
        c.get("requestId"),
        known.methods,
        `${c.req.method} is not allowed on ${c.req.path}`,
      );
    return problemResponse(makeProblem(404, "NOT_FOUND", `no route ${c.req.path}`, c.get("requestId")));
  });

  app.onError((error, c) => {
    const requestId = c.get("requestId");
    if (isFailoverError(error)) {
      const problem = problemFromError(error, requestId);
      if (problem.status >= 500) {
        deps.logger.error("Request failed", { requestId, code: error.code, error, cause: error.cause });
      }
      return problemResponse(problem);
    }
    if (error instanceof HTTPException && error.status < 500) {
      // Hono's own refusals: malformed JSON (400) and a body that is not JSON (415).
      const code = error.status === 415 ? "UNSUPPORTED_MEDIA_TYPE" : "INVALID_INPUT";
      const detail = error.status === 415 ? "a request body must be application/json" : error.message;
      const extra = error.status === 400 ? { errors: [`body: ${error.message}`] } : {};
      return problemResponse(makeProblem(error.status, code, detail, requestId, extra));
    }
    deps.logger.error("Unhandled error", { requestId, error });
    return problemResponse(
      makeProblem(500, "INTERNAL", "internal error; see the server log for this request id", requestId),
    );
  });

  return app;
}

function methodNotAllowed(requestId: string, methods: string[], detail: string): Response {
  return problemResponse(makeProblem(405, "METHOD_NOT_ALLOWED", detail, requestId), {
    Allow: methods.join(", "),
  });
}
