import { gunzipSync } from "node:zlib";
import { request } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startApiServer, type ApiServer } from "../support/api-server.js";
import { createHomelabRemote } from "../support/homelab-remote.js";
import { startSshGitServer, type SshGitServer } from "../support/ssh-git-server.js";

/** A raw GET (fetch would decompress): status, headers and the bytes as sent. */
function rawGet(url: string, headers: Record<string, string> = {}) {
  return new Promise<{
    status: number;
    headers: Record<string, string | string[] | undefined>;
    body: Buffer;
  }>((resolve, reject) => {
    request(url, { headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () =>
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }),
      );
    })
      .on("error", reject)
      .end();
  });
}

const operator = { name: "ops", role: "operator" as const, token: "operator-token-0123456789abcdef" };
const viewer = { name: "grafana", role: "viewer" as const, token: "viewer-token-0123456789abcdef" };

describe("the dashboard's page, assets and /api/dashboard", () => {
  let ssh: SshGitServer;
  let api: ApiServer;

  beforeAll(async () => {
    ssh = await startSshGitServer();
    api = await startApiServer(ssh, await createHomelabRemote(ssh, "dashboard"));
  });
  afterAll(async () => {
    await api.close();
    await ssh.stop();
  });

  it("serves the page with a strict Content-Security-Policy and no inline script or style", async () => {
    const page = await rawGet(`${api.base}/`, { "accept-encoding": "gzip" });
    expect(page.status).toBe(200);
    expect(page.headers["content-type"]).toBe("text/html; charset=utf-8");
    expect(page.headers["content-encoding"]).toBe("gzip");
    expect(page.headers["cache-control"]).toBe("no-cache");
    const csp = String(page.headers["content-security-policy"]);
    for (const directive of [
      "default-src 'self'",
      "script-src 'self'",
      "style-src 'self'",
      "object-src 'none'",
      "frame-ancestors 'none'",
      "base-uri 'none'",
    ])
      expect(csp).toContain(directive);
    expect(csp).not.toMatch(/unsafe-inline|unsafe-eval|\*|https?:/);
    expect(page.headers["x-content-type-options"]).toBe("nosniff");
    expect(page.headers["referrer-policy"]).toBe("no-referrer");
    const html = gunzipSync(page.body).toString("utf8");
    expect(html).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/); // every script is a file
    expect(html).not.toMatch(/<style|style=/);
    expect(html).not.toMatch(/https?:\/\//); // nothing from another host: no CDN, no font service
    const identity = await rawGet(`${api.base}/`, { "accept-encoding": "identity" });
    expect(identity.headers["content-encoding"]).toBeUndefined();
    expect(identity.body.toString("utf8")).toBe(html);
  });

  it("serves every referenced asset, gzipped and cacheable for a year, and 304 when unchanged", async () => {
    const html = (await rawGet(`${api.base}/`)).body.toString("utf8");
    const assets = [...html.matchAll(/(?:src|href)="(\/assets\/[^"]+)"/g)].map((m) => m[1]!);
    expect(assets.some((a) => /^\/assets\/main-[A-Z0-9]+\.js$/.test(a))).toBe(true);
    expect(assets.some((a) => /^\/assets\/main-[A-Z0-9]+\.css$/.test(a))).toBe(true);
    let total = 0;
    for (const path of assets) {
      const asset = await rawGet(`${api.base}${path}`, { "accept-encoding": "gzip, br" });
      expect(asset.status, path).toBe(200);
      expect(asset.headers["content-encoding"], path).toBe("gzip");
      expect(asset.headers["cache-control"], path).toBe("public, max-age=31536000, immutable");
      const type = String(asset.headers["content-type"]);
      if (path.endsWith(".js")) expect(type).toBe("text/javascript; charset=utf-8");
      if (path.endsWith(".css")) expect(type).toBe("text/css; charset=utf-8");
      // No stylesheet or font from elsewhere: a homelab may be offline.
      if (path.endsWith(".css")) expect(gunzipSync(asset.body).toString("utf8")).not.toMatch(/@import|url\(/);
      total += asset.body.length;
      const again = await rawGet(`${api.base}${path}`, { "if-none-match": String(asset.headers["etag"]) });
      expect(again.status, path).toBe(304);
      expect(again.body.length).toBe(0);
    }
    expect(total).toBeLessThan(150 * 1024);
    expect((await rawGet(`${api.base}/assets/main-NOPE.js`)).status).toBe(404);
  });

  it("answers the app's own paths with the same page, and 404 elsewhere", async () => {
    const home = (await rawGet(`${api.base}/`)).body.toString("utf8");
    for (const path of ["/services/sonarr", "/nodes", "/timeline"]) {
      const page = await rawGet(`${api.base}${path}`);
      expect(page.status, path).toBe(200);
      expect(page.body.toString("utf8"), path).toBe(home);
    }
    expect((await rawGet(`${api.base}/services/Not_A_Name`)).status).toBe(404);
    expect((await rawGet(`${api.base}/etc/passwd`)).status).toBe(404);
    const post = await fetch(`${api.base}/`, { method: "POST" });
    expect(post.status).toBe(405);
  });

  it("tells the page who the caller is; the API still decides", async () => {
    const info = async (token?: string) => {
      const response = await fetch(`${api.base}/api/dashboard`, {
        headers: token ? { authorization: `Bearer ${token}` } : {},
      });
      return { status: response.status, body: await response.json() };
    };
    expect((await fetch(`${api.base}/api/dashboard?verbose=1`)).status).toBe(400);
    const none = await info();
    expect(none.body.viewer).toEqual({ name: "anonymous", role: "anonymous", canOperate: true });
    expect(none.body.auth).toEqual({ mode: "none", readRequiresToken: false });
    expect(none.body.services.sonarr).toEqual({
      maxReplicationAgeSeconds: 7200,
      replication: [
        { kind: "ReplicationDestination", name: "sonarr-config-backup", direction: "forward" },
        { kind: "ReplicationSource", name: "sonarr-config", direction: "forward" },
        { kind: "ReplicationSource", name: "sonarr-config-reverse", direction: "reverse" },
        { kind: "ReplicationDestination", name: "sonarr-config-restore", direction: "reverse" },
      ],
    });

    const saved = api.config;
    api.config = { ...saved, auth: { ...saved.auth, mode: "token", readRequiresToken: false } };
    api.tokens = [operator, viewer];
    try {
      expect((await info()).body.viewer).toEqual({ name: "anonymous", role: "anonymous", canOperate: false });
      expect((await info(viewer.token)).body.viewer).toEqual({
        name: "grafana",
        role: "viewer",
        canOperate: false,
      });
      expect((await info(operator.token)).body.viewer).toEqual({
        name: "ops",
        role: "operator",
        canOperate: true,
      });
      expect((await info("not-a-valid-token-at-all")).status).toBe(401);
      // The hint grants nothing: a viewer's promote is still refused by the API.
      const promote = await fetch(`${api.base}/api/failover/sonarr/promote`, {
        method: "POST",
        headers: { authorization: `Bearer ${viewer.token}` },
      });
      expect(promote.status).toBe(403);
      api.config = { ...saved, auth: { ...saved.auth, mode: "token", readRequiresToken: true } };
      expect((await info()).status).toBe(401);
      expect((await info(viewer.token)).status).toBe(200);
    } finally {
      api.config = saved;
      api.tokens = [];
    }
  });

  it("does not open a stream for HEAD /api/events", async () => {
    const head = await fetch(`${api.base}/api/events`, { method: "HEAD" });
    expect(head.status).toBe(200);
    expect(head.headers.get("content-type")).toBe("text/event-stream");
    expect(api.events.clients).toBe(0);
  });
});
