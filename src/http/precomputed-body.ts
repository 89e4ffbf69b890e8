import { createHash } from "node:crypto";
import { gzipSync } from "node:zlib";
import type { Context } from "hono";
import { acceptsGzip } from "./accept-encoding.js";

/** A response body serialised once and answered many times (a read path's hot body). */
export interface PrecomputedBody {
  readonly body: Uint8Array<ArrayBuffer>;
  /** A strong validator of the exact bytes of `body`. */
  readonly etag: string;
  /** Compressed on first demand, then kept with the body. */
  gzip(): Uint8Array<ArrayBuffer>;
}

export function precomputeJson(value: unknown): PrecomputedBody {
  const body = new TextEncoder().encode(JSON.stringify(value));
  const etag = `"${createHash("sha256").update(body).digest("base64url").slice(0, 27)}"`;
  let gzip: Uint8Array<ArrayBuffer> | undefined;
  return {
    body,
    etag,
    gzip: () => (gzip ??= new Uint8Array(gzipSync(body, { level: 6 }))),
  };
}

/**
 * RFC 9110 §13.1.2: `If-None-Match` matches when it is `*` or lists the entity tag, compared
 * weakly (a `W/` prefix on either side is ignored).
 */
export function ifNoneMatchMatches(header: string | undefined, etag: string): boolean {
  if (header === undefined) return false;
  const opaque = etag.replace(/^W\//, "");
  return header.split(",").some((candidate) => {
    const tag = candidate.trim();
    return tag === "*" || tag.replace(/^W\//, "") === opaque;
  });
}

/**
 * Answers with a precomputed JSON body: 304 without a body when the client already has these
 * bytes, else the body (gzip when accepted). No serialisation happens per request.
 */
export function sendPrecomputed(c: Context, pre: PrecomputedBody): Response {
  const headers: Record<string, string> = {
    "Content-Type": "application/json",
    ETag: pre.etag,
    // Always revalidate: the body changes with every fetch that moved the branch.
    "Cache-Control": "no-cache",
    Vary: "Accept-Encoding",
  };
  if (ifNoneMatchMatches(c.req.header("if-none-match"), pre.etag))
    return new Response(null, { status: 304, headers });
  if (acceptsGzip(c.req.header("accept-encoding"))) {
    headers["Content-Encoding"] = "gzip";
    return new Response(pre.gzip(), { status: 200, headers });
  }
  return new Response(pre.body, { status: 200, headers });
}
