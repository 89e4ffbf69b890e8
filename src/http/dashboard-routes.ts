import { createRoute, type OpenAPIHono, z } from "@hono/zod-openapi";
import type { Context } from "hono";
import { compress } from "hono/compress";
import type { AppDeps, AppEnv } from "./app-deps.js";
import { acceptsGzip } from "./accept-encoding.js";
import { bearerOf, findToken } from "./authenticate.js";
import { type Asset, type DashboardAssets, loadDashboardAssets } from "./dashboard-assets.js";
import { dashboardInfoSchema, type DashboardInfo } from "./dashboard-schemas.js";
import { readSecurity } from "./api-routes.js";
import { problemSchema } from "./api-schemas.js";
import { makeProblem, problemResponse } from "./problem-details.js";

/**
 * The dashboard's page may load only its own files and talk only to this origin: no inline
 * script or style, no eval, no framing, no plugins, and DOM sinks only through Trusted Types
 * (the app uses none), so an injected string can never become code.
 */
export const contentSecurityPolicy = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "font-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
  "require-trusted-types-for 'script'",
].join("; ");

const securityHeaders = {
  "Content-Security-Policy": contentSecurityPolicy,
  "X-Content-Type-Options": "nosniff",
  "Referrer-Policy": "no-referrer",
  "X-Frame-Options": "DENY",
  "Cross-Origin-Opener-Policy": "same-origin",
  "Cross-Origin-Resource-Policy": "same-origin",
  "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=(), usb=()",
};

/** The dashboard's client-side paths: each answers with the same page (the app routes itself). */
export const dashboardPagePaths = ["/", "/nodes", "/timeline", "/services/:service{[a-z0-9-]{1,63}}"];

const dashboardInfoRoute = createRoute({
  method: "get",
  path: "/api/dashboard",
  tags: ["dashboard"],
  summary: "Who the caller is and the display settings the web dashboard needs",
  description:
    "Read by the dashboard on load. `viewer.canOperate` decides whether it shows action buttons; the " +
    "API checks every request again, so this grants nothing. Scripts should use the other routes.",
  security: readSecurity,
  request: { query: z.strictObject({}) },
  responses: {
    200: {
      description: "The caller and settings.",
      content: { "application/json": { schema: dashboardInfoSchema } },
    },
    ...Object.fromEntries(
      [400, 401, 403, 500].map((status) => [
        status,
        {
          description:
            status === 500
              ? "A bug."
              : status === 400
                ? "Unknown query parameter."
                : "Token missing or invalid (when reads require one).",
          content: { "application/problem+json": { schema: problemSchema } },
        },
      ]),
    ),
  },
});

function send(c: Context<AppEnv>, asset: Asset): Response {
  const headers: Record<string, string> = {
    ...securityHeaders,
    "Content-Type": asset.contentType,
    "Cache-Control": asset.immutable ? "public, max-age=31536000, immutable" : "no-cache",
    ETag: asset.etag,
    Vary: "Accept-Encoding",
  };
  if (c.req.header("if-none-match") === asset.etag) return new Response(null, { status: 304, headers });
  const gzip = acceptsGzip(c.req.header("accept-encoding"));
  if (gzip) headers["Content-Encoding"] = "gzip";
  return new Response(gzip ? asset.gzip : asset.body, { status: 200, headers });
}

/** `GET /` and the dashboard's other pages and assets (SPEC §7.1), and `GET /api/dashboard`. */
export function registerDashboardRoutes(
  app: OpenAPIHono<AppEnv>,
  deps: Pick<AppDeps, "config" | "tokens" | "dashboard">,
): void {
  const assets: DashboardAssets = deps.dashboard ?? loadDashboardAssets();
  const unavailable = (c: Context<AppEnv>) =>
    problemResponse(
      makeProblem(503, "DASHBOARD_NOT_BUILT", assets.ok ? "" : assets.reason, c.get("requestId")),
    );

  for (const path of dashboardPagePaths) {
    app.get(path, (c) => (assets.ok ? send(c, assets.index) : unavailable(c)));
  }
  app.get("/assets/*", (c) => {
    if (!assets.ok) return unavailable(c);
    const asset = assets.files.get(c.req.path);
    if (asset) return send(c, asset);
    return problemResponse(
      makeProblem(404, "NOT_FOUND", `no dashboard asset ${c.req.path}`, c.get("requestId")),
    );
  });

  // Part of every first load, and it grows with the services (a few hundred bytes each).
  app.use("/api/dashboard", compress({ encoding: "gzip" }));
  app.openapi(dashboardInfoRoute, (c) => {
    const config = deps.config();
    const presented = bearerOf(c.req.header("authorization"));
    // The auth middleware has already refused an invalid token, or a missing one where reads need it.
    const token =
      presented === undefined || config.auth.mode === "none"
        ? undefined
        : findToken(deps.tokens(), presented);
    const info: DashboardInfo = {
      viewer: {
        name: token?.name ?? "anonymous",
        // An automation token never gets here: it may only post to the Alertmanager webhook.
        role: token === undefined || token.role === "automation" ? "anonymous" : token.role,
        canOperate: config.auth.mode === "none" || token?.role === "operator",
      },
      auth: { mode: config.auth.mode, readRequiresToken: config.auth.readRequiresToken },
      services: Object.fromEntries(
        config.services.map((s) => [
          s.name,
          {
            maxReplicationAgeSeconds: s.maxReplicationAgeSeconds,
            replication: s.replication.map((r) => ({ kind: r.kind, name: r.name, direction: r.direction })),
          },
        ]),
      ),
    };
    return c.json(info, 200);
  });
}
