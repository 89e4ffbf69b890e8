import { constants, crc32, createDeflateRaw, type DeflateRaw } from "node:zlib";

/** gzip member header: deflate, no name or time, OS unknown (RFC 1952 §2.3). */
const gzipHeader = Uint8Array.of(0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff);
/** A final, empty block with fixed Huffman codes: ends a deflate stream at a byte boundary. */
const finalEmptyBlock = Uint8Array.of(0x03, 0x00);
/** Below this, a chunk with no deflater alive goes out as a stored block (a heartbeat, say). */
const storedUpTo = 64;

/** A chunk that ends with a blank line completes a Server-Sent Event (or a comment). */
function endsEvent(chunk: Uint8Array): boolean {
  return chunk.length >= 2 && chunk[chunk.length - 1] === 0x0a && chunk[chunk.length - 2] === 0x0a;
}

/** A stored (uncompressed) deflate block, not final: valid only at a byte boundary. */
function storedBlock(chunk: Uint8Array): Uint8Array {
  const block = new Uint8Array(5 + chunk.length);
  block.set([
    0x00,
    chunk.length & 0xff,
    chunk.length >> 8,
    ~chunk.length & 0xff,
    (~chunk.length >> 8) & 0xff,
  ]);
  block.set(chunk, 5);
  return block;
}

function littleEndian32(value: number): Uint8Array {
  return Uint8Array.of(value & 0xff, (value >>> 8) & 0xff, (value >>> 16) & 0xff, (value >>> 24) & 0xff);
}

/**
 * Gzip for a stream of events: every chunk that completes an event (ends with a blank line) is
 * flushed (Z_SYNC_FLUSH), so an event is never held back waiting for more, and an event written
 * in parts costs one flush.
 *
 * An open events stream is idle nearly all the time, and a deflater costs about 96 KiB of zlib
 * state even with a small window (Node's zlib keeps a 64 KiB hash table whatever memLevel asks):
 * 100 dashboards would hold 10 MB for nothing. So the deflater lives only while events come: after
 * `idleMs` without one it is freed, and the next burst gets a fresh raw deflater continuing the
 * same gzip stream. That is valid deflate: after a sync flush the output is byte-aligned with all
 * input emitted, and a fresh deflater never refers back to bytes it did not see (the price is the
 * shared dictionary of the previous burst). Small chunks with no deflater alive, heartbeats,
 * go out as stored blocks. The gzip trailer's CRC-32 and length are kept here across deflaters.
 * `closed` (the connection ended) frees the zlib state at once.
 */
export function gzipEachEvent(closed?: AbortSignal, idleMs = 1000): TransformStream<Uint8Array, Uint8Array> {
  let deflater: DeflateRaw | undefined;
  let idle: NodeJS.Timeout | undefined;
  let started = false;
  let crc = 0;
  let size = 0;
  let ended = closed?.aborted ?? false;
  // A write in flight when the connection ends must still settle, or its writer waits forever.
  const pending = new Set<() => void>();
  const release = () => {
    clearTimeout(idle);
    idle = undefined;
    deflater?.destroy();
    deflater = undefined;
  };
  closed?.addEventListener(
    "abort",
    () => {
      ended = true;
      release();
      for (const settle of pending) settle();
      pending.clear();
    },
    { once: true },
  );
  const drain = (from: DeflateRaw, controller: TransformStreamDefaultController<Uint8Array>) => {
    for (let chunk = from.read() as Buffer | null; chunk !== null; chunk = from.read() as Buffer | null)
      controller.enqueue(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength));
  };
  const step = (
    controller: TransformStreamDefaultController<Uint8Array>,
    run: (zlib: DeflateRaw, done: () => void) => void,
  ) =>
    new Promise<void>((resolve) => {
      if (ended) return resolve();
      const zlib = (deflater ??= createDeflateRaw({
        level: 6,
        windowBits: 12,
        memLevel: 5,
        chunkSize: 4 * 1024,
      }));
      const done = () => {
        pending.delete(done);
        if (!ended && !zlib.destroyed) drain(zlib, controller);
        resolve();
      };
      pending.add(done);
      run(zlib, done);
    });
  return new TransformStream({
    transform: async (chunk, controller) => {
      if (ended) return;
      clearTimeout(idle);
      if (!started) controller.enqueue(gzipHeader);
      started = true;
      crc = crc32(chunk, crc);
      size = (size + chunk.length) >>> 0;
      if (deflater === undefined && chunk.length <= storedUpTo && endsEvent(chunk)) {
        controller.enqueue(storedBlock(chunk));
        return;
      }
      await step(controller, (zlib, done) => {
        if (!endsEvent(chunk)) return void zlib.write(chunk, () => done());
        zlib.write(chunk);
        zlib.flush(constants.Z_SYNC_FLUSH, done);
      });
      if (endsEvent(chunk) && !ended) idle = setTimeout(release, idleMs).unref();
    },
    flush: async (controller) => {
      if (ended) return;
      clearTimeout(idle);
      if (!started) controller.enqueue(gzipHeader);
      if (deflater === undefined) controller.enqueue(finalEmptyBlock);
      else await step(controller, (zlib, done) => zlib.end(done));
      release();
      controller.enqueue(littleEndian32(crc));
      controller.enqueue(littleEndian32(size));
    },
  });
}
