import { gunzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ifNoneMatchMatches } from "../../src/http/precomputed-body.js";
import { startApiServer, type ApiServer } from "../support/api-server.js";
import { createHomelabRemote } from "../support/homelab-remote.js";
import { rawGet } from "../support/raw-get.js";
import { startSshGitServer, type SshGitServer } from "../support/ssh-git-server.js";
import { git } from "../support/test-git.js";

describe("If-None-Match", () => {
  it("matches the tag, weakly, in a list, or *; nothing else", () => {
    const tag = '"abc"';
    expect(ifNoneMatchMatches('"abc"', tag)).toBe(true);
    expect(ifNoneMatchMatches('W/"abc"', tag)).toBe(true);
    expect(ifNoneMatchMatches('"x", "abc"', tag)).toBe(true);
    expect(ifNoneMatchMatches("*", tag)).toBe(true);
    expect(ifNoneMatchMatches('"abcd"', tag)).toBe(false);
    expect(ifNoneMatchMatches("abc", tag)).toBe(false);
    expect(ifNoneMatchMatches("", tag)).toBe(false);
    expect(ifNoneMatchMatches(undefined, tag)).toBe(false);
  });
});

describe("GET /api/services: one body per snapshot, validated by its ETag", () => {
  let ssh: SshGitServer;
  let api: ApiServer;
  const list = () => `${api.base}/api/services`;

  beforeAll(async () => {
    ssh = await startSshGitServer();
    api = await startApiServer(ssh, await createHomelabRemote(ssh, "list"));
  });
  afterAll(async () => {
    await api.close();
    await ssh.stop();
  });

  it("answers 304 without a body while the tag is current, gzip when accepted, and a new tag after a promote", async () => {
    const first = await rawGet(list(), { "accept-encoding": "identity" });
    expect(first.status).toBe(200);
    const etag = String(first.headers.etag);
    expect(etag).toMatch(/^"[A-Za-z0-9_-]+"$/);
    expect(first.headers["cache-control"]).toBe("no-cache");
    expect(first.headers.vary).toBe("Accept-Encoding");
    expect(first.headers["content-encoding"]).toBeUndefined();
    const body = JSON.parse(first.body.toString("utf8")) as {
      revision: string;
      services: { name: string; role: string }[];
    };
    expect(body.revision).toBe(await git(["rev-parse", "main"], ssh.repoPath("list")));

    // The same bytes, compressed; the same tag (it names the content, not the encoding).
    const gzipped = await rawGet(list(), { "accept-encoding": "gzip, deflate" });
    expect(gzipped.headers["content-encoding"]).toBe("gzip");
    expect(gzipped.headers.etag).toBe(etag);
    expect(gunzipSync(gzipped.body).equals(first.body)).toBe(true);
    expect(gzipped.body.length).toBeLessThan(first.body.length / 4);

    const unchanged = await rawGet(list(), { "if-none-match": etag });
    expect(unchanged.status).toBe(304);
    expect(unchanged.body.length).toBe(0);
    expect(unchanged.headers.etag).toBe(etag);
    expect(typeof unchanged.headers["x-request-id"]).toBe("string");
    expect((await rawGet(list(), { "if-none-match": '"something-else"' })).status).toBe(200);

    const promoted = await fetch(`${api.base}/api/failover/sonarr/promote`, { method: "POST" });
    expect(promoted.status).toBe(200);
    const after = await rawGet(list(), { "if-none-match": etag });
    expect(after.status).toBe(200);
    expect(after.headers.etag).not.toBe(etag);
    const next = JSON.parse(after.body.toString("utf8")) as typeof body;
    expect(next.services.find((s) => s.name === "sonarr")?.role).toBe("backup");
    expect(next.revision).not.toBe(body.revision);
  });

  it("answers HEAD with the headers of GET and no body", async () => {
    const res = await fetch(list(), { method: "HEAD" });
    expect(res.status).toBe(200);
    expect(res.headers.get("etag")).toMatch(/^"/);
    expect((await res.arrayBuffer()).byteLength).toBe(0);
  });

  it("refuses a body over the limit on POST (the limit applies where bodies exist)", async () => {
    const res = await fetch(`${api.base}/api/failover/sonarr/demote`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ reason: "x".repeat(70 * 1024) }),
    });
    expect(res.status).toBe(413);
  });
});
