import { randomUUID } from "node:crypto";
import type { MiddlewareHandler } from "hono";
import type { Logger } from "../log/logger.js";
import type { AppEnv } from "./app-deps.js";

const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Gives every request an id (a valid incoming `X-Request-Id` is kept, so a caller can correlate)
 * and writes one log line per request. Headers are not logged: Authorization carries the token.
 */
export function requestContext(
  logger: Logger,
  clock: () => number,
  newRequestId: () => string = randomUUID,
): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const started = clock();
    const incoming = c.req.header("x-request-id");
    const requestId = incoming !== undefined && uuid.test(incoming) ? incoming.toLowerCase() : newRequestId();
    c.set("requestId", requestId);
    await next();
    c.res.headers.set("X-Request-Id", requestId);
    // Hono answers HEAD with a body-less copy of the GET response, and @hono/node-server's
    // Response builds that copy from the headers the response was created with: rebuild it so
    // the copy carries the id too.
    if (c.req.method === "HEAD")
      c.res = new Response(null, { status: c.res.status, headers: new Headers(c.res.headers) });
    const status = c.res.status;
    const fields = {
      method: c.req.method,
      path: c.req.path,
      status,
      ms: Math.round((clock() - started) * 10) / 10,
      requestId,
    };
    if (status >= 500) logger.warn("request", fields);
    else logger.info("request", fields);
  };
}
