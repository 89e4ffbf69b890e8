import { constants, gunzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { gzipEachEvent } from "../../src/http/gzip-stream.js";

const encode = (text: string) => new TextEncoder().encode(text);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Writes chunks into the transform and collects what comes out, as it comes out. */
function harness(idleMs: number, closed?: AbortSignal) {
  const transform = gzipEachEvent(closed, idleMs);
  const out: Uint8Array[] = [];
  const reading = (async () => {
    const reader = transform.readable.getReader();
    for (let read = await reader.read(); !read.done; read = await reader.read()) out.push(read.value);
  })();
  const writer = transform.writable.getWriter();
  const bytes = () => Buffer.concat(out);
  /** What a client can decode from the bytes so far (no end of stream yet). */
  const decodedSoFar = () => gunzipSync(bytes(), { finishFlush: constants.Z_SYNC_FLUSH }).toString("utf8");
  return { writer, reading, bytes, decodedSoFar };
}

describe("gzipEachEvent", () => {
  it("makes one valid gzip stream across idle gaps (deflater freed and renewed), stored heartbeats and split events", async () => {
    const { writer, reading, bytes, decodedSoFar } = harness(5);
    const snapshot = `event: snapshot\ndata: ${JSON.stringify({ services: Array.from({ length: 50 }, (_, i) => ({ name: `svc-${i}`, role: "primary" })) })}\nid: `;
    const sent: string[] = [];
    const write = async (text: string) => {
      sent.push(text);
      await writer.write(encode(text));
    };
    await write("retry: 2000\n\n");
    expect(decodedSoFar()).toBe("retry: 2000\n\n");
    // An event in two parts: nothing is flushed until the blank line has come.
    await write(snapshot);
    await write("b00t-7\n\n");
    expect(decodedSoFar()).toBe(sent.join(""));
    // Idle longer than idleMs: the next burst starts a fresh deflater in the same stream.
    await sleep(30);
    await write(": heartbeat\n\n");
    await write('event: service\ndata: {"name":"é"}\nid: b00t-8\n\n');
    expect(decodedSoFar()).toBe(sent.join(""));
    await sleep(30);
    await write(": heartbeat\n\n");
    expect(decodedSoFar()).toBe(sent.join(""));
    await writer.close();
    await reading;
    // Whole, with the trailer: gunzip checks the CRC-32 and the length.
    expect(gunzipSync(bytes()).toString("utf8")).toBe(sent.join(""));
    // Compressed: the 50 repeated service entries shrink.
    expect(bytes().length).toBeLessThan(Buffer.byteLength(sent.join("")) / 3);
  });

  it("ends a stream that had only stored blocks, or nothing, as valid gzip", async () => {
    for (const texts of [[], [": heartbeat\n\n"]]) {
      const { writer, reading, bytes } = harness(5);
      for (const text of texts) await writer.write(encode(text));
      await writer.close();
      await reading;
      expect(gunzipSync(bytes()).toString("utf8")).toBe(texts.join(""));
    }
  });

  it("settles a write in flight when the connection ends, and writes nothing after", async () => {
    const closed = new AbortController();
    const { writer, bytes } = harness(1000, closed.signal);
    await writer.write(encode("event: service\ndata: {}\nid: 1\n\n"));
    const length = bytes().length;
    const inFlight = writer.write(encode(`event: snapshot\ndata: ${"x".repeat(100_000)}\nid: 2\n\n`));
    closed.abort();
    await inFlight;
    await writer.write(encode(": heartbeat\n\n"));
    expect(bytes().length).toBe(length);
  });
});
