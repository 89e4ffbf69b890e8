import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { extname, join, relative } from "node:path";
import { gzipSync } from "node:zlib";

/** Where `npm run build` writes the dashboard (`scripts/build-web.ts`), from src/http or dist/http alike. */
export const defaultWebDir = join(import.meta.dirname, "../../dist/web");

export interface Asset {
  contentType: string;
  body: Uint8Array<ArrayBuffer>;
  gzip: Uint8Array<ArrayBuffer>;
  etag: string;
  /** Content-hashed file names never change: cache them for a year. */
  immutable: boolean;
}

export type DashboardAssets =
  { ok: true; index: Asset; files: ReadonlyMap<string, Asset> } | { ok: false; reason: string };

const contentTypes: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".json": "application/json",
};

function toAsset(path: string, immutable: boolean): Asset {
  const body = new Uint8Array(readFileSync(path));
  // The build writes a .gz beside each file; compressing here covers a hand-made build.
  const gzip = existsSync(`${path}.gz`)
    ? new Uint8Array(readFileSync(`${path}.gz`))
    : new Uint8Array(gzipSync(body, { level: 9 }));
  const etag = `"${createHash("sha256").update(body).digest("base64url").slice(0, 22)}"`;
  return {
    contentType: contentTypes[extname(path)] ?? "application/octet-stream",
    body,
    gzip,
    etag,
    immutable,
  };
}

/**
 * The built dashboard, read into memory once (a few files; the root filesystem is read-only in
 * production anyway). Missing (not built): a reason the routes answer with instead.
 */
export function loadDashboardAssets(dir: string = defaultWebDir): DashboardAssets {
  const indexPath = join(dir, "index.html");
  if (!existsSync(indexPath)) {
    return { ok: false, reason: `the dashboard is not built (${indexPath} is missing): run npm run build` };
  }
  const files = new Map<string, Asset>();
  const assetsDir = join(dir, "assets");
  if (existsSync(assetsDir)) {
    for (const entry of readdirSync(assetsDir, { recursive: true, withFileTypes: true })) {
      if (!entry.isFile() || entry.name.endsWith(".gz")) continue;
      const path = join(entry.parentPath, entry.name);
      files.set(`/assets/${relative(assetsDir, path).split("\\").join("/")}`, toAsset(path, true));
    }
  }
  return { ok: true, index: toAsset(indexPath, false), files };
}
