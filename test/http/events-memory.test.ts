import { request } from "node:http";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { createGunzip } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startApiServer, type ApiServer } from "../support/api-server.js";
import { createHomelabRemote } from "../support/homelab-remote.js";
import { startSshGitServer, type SshGitServer } from "../support/ssh-git-server.js";

// A full collection on demand, so that what stays on the heap is what is retained.
setFlagsFromString("--expose-gc");
const gc = runInNewContext("gc") as () => void;
const retainedHeap = () => {
  gc();
  gc();
  return process.memoryUsage().heapUsed;
};

/** One reader of the stream that counts the events named `marker` it has received. */
function openStream(base: string, gzip: boolean) {
  let count = 0;
  let tail = "";
  const req = request(`${base}/api/events`, { headers: gzip ? { "accept-encoding": "gzip" } : {} }, (res) => {
    const body = res.headers["content-encoding"] === "gzip" ? res.pipe(createGunzip()) : res;
    body.setEncoding("utf8");
    body.on("error", () => undefined);
    body.on("data", (chunk: string) => {
      const text = tail + chunk;
      count += text.split('"marker":1').length - 1;
      tail = text.slice(-12);
    });
  });
  req.on("error", () => undefined);
  req.end();
  return { received: () => count, close: () => req.destroy() };
}

describe("GET /api/events: a long-lived stream's memory does not grow with the events it carries", () => {
  let ssh: SshGitServer;
  let api: ApiServer;

  beforeAll(async () => {
    ssh = await startSshGitServer();
    api = await startApiServer(ssh, await createHomelabRemote(ssh, "events-memory"));
  });
  afterAll(async () => {
    await api.close();
    await ssh.stop();
  });

  /** Publishes `n` small events in batches the clients keep up with (no client is dropped). */
  async function publish(streams: ReturnType<typeof openStream>[], from: number, n: number) {
    for (let sent = from; sent < from + n;) {
      for (let i = 0; i < 100; i++, sent++)
        api.events.publish("operation", `operation:mem-${sent % 10}`, { marker: 1, n: sent });
      const started = Date.now();
      while (streams.some((s) => s.received() < sent)) {
        if (Date.now() - started > 10_000)
          throw new Error(
            `clients received ${streams.map((s) => s.received()).join(", ")} of ${sent} events`,
          );
        await new Promise((r) => setTimeout(r, 2));
      }
    }
  }

  it("20,000 events through a plain and a gzip stream leave the heap where 1,000 left it", async () => {
    const streams = [openStream(api.base, false), openStream(api.base, true)];
    try {
      for (const started = Date.now(); api.events.clients < 2; await new Promise((r) => setTimeout(r, 10)))
        if (Date.now() - started > 10_000) throw new Error(`${api.events.clients} of 2 streams connected`);
      // Warm-up: code paths, the resume ring (1,024 events) and the state fill up once.
      await publish(streams, 0, 2_000);
      const before = retainedHeap();
      await publish(streams, 2_000, 20_000);
      const grown = retainedHeap() - before;
      // A retained promise per chunk written (what @hono/node-server 1.x did) grew it by 5.7 MB:
      // two chunks per plain event, one per gzip event, ~90 bytes each.
      expect(grown, `heap grew by ${(grown / 1024).toFixed(0)} KiB over 20,000 events`).toBeLessThan(
        1024 * 1024,
      );
      expect(api.events.clients).toBe(2);
    } finally {
      for (const s of streams) s.close();
    }
  });
});
