import { createHash, timingSafeEqual } from "node:crypto";
import type { ApiToken, TokenRole } from "../auth/tokens-file.js";

const digest = (value: string): Buffer => createHash("sha256").update(value, "utf8").digest();

/**
 * Finds the token a bearer value belongs to. Both sides are hashed first so the comparison takes
 * the same time whatever the lengths, and every token is compared (no early exit on a match).
 */
export function findToken(tokens: readonly ApiToken[], presented: string): ApiToken | undefined {
  const given = digest(presented);
  let found: ApiToken | undefined;
  for (const token of tokens) {
    if (timingSafeEqual(digest(token.token), given) && found === undefined) found = token;
  }
  return found;
}

export function bearerOf(header: string | undefined): string | undefined {
  const match = /^Bearer[ ]+(\S+)\s*$/i.exec(header ?? "");
  return match?.[1];
}

/** `alert`: the Alertmanager webhook, the one route an `automation` token may call. */
export type Access = "read" | "operate" | "alert";

export const alertWebhookPath = "/api/webhooks/alertmanager";

export function accessFor(method: string, path: string): Access {
  if (method === "GET" || method === "HEAD") return "read";
  return path === alertWebhookPath ? "alert" : "operate";
}

/** Why no bearer token could be taken from the header: absent, another scheme, or malformed. */
function missingBearer(header: string | undefined): string {
  const value = header?.trim() ?? "";
  if (value === "") return "an Authorization: Bearer <token> header is required";
  const scheme = /^\S+/.exec(value)?.[0] ?? "";
  // The value is not echoed: a token sent without its scheme would be in it.
  if (scheme.toLowerCase() !== "bearer")
    return "the Authorization header does not use the Bearer scheme; send Authorization: Bearer <token>";
  return 'the Authorization header is not a valid Bearer token: expected "Bearer <token>", one token without spaces';
}

export type AuthOutcome = { ok: true; actor: string } | { ok: false; status: 401 | 403; detail: string };

export function authorize(
  auth: { mode: "token" | "none"; readRequiresToken: boolean },
  tokens: readonly ApiToken[],
  header: string | undefined,
  access: Access,
): AuthOutcome {
  if (auth.mode === "none") return { ok: true, actor: "anonymous" };
  const needed = access !== "read" || auth.readRequiresToken;
  const presented = bearerOf(header);
  if (presented === undefined) {
    return needed
      ? { ok: false, status: 401, detail: missingBearer(header) }
      : { ok: true, actor: "anonymous" };
  }
  const token = findToken(tokens, presented);
  if (!token) return { ok: false, status: 401, detail: "the bearer token is not valid" };
  // An automation token is for Alertmanager's webhook and nothing else, reads included.
  if (token.role === "automation" && access !== "alert") {
    return {
      ok: false,
      status: 403,
      detail: `token "${token.name}" has role automation, which may only POST ${alertWebhookPath}`,
    };
  }
  const allowed: readonly TokenRole[] =
    access === "operate"
      ? ["operator"]
      : access === "alert"
        ? ["operator", "automation"]
        : ["operator", "viewer"];
  if (!allowed.includes(token.role)) {
    return {
      ok: false,
      status: 403,
      detail: `token "${token.name}" has role ${token.role}; ${allowed.join(" or ")} is required`,
    };
  }
  return { ok: true, actor: token.name };
}
