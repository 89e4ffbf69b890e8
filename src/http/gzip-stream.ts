import { constants, createGzip } from "node:zlib";

/**
 * Gzip for a stream of events: every chunk written is flushed (Z_SYNC_FLUSH), so an event is
 * never held back waiting for more. A small window and memory level keep the zlib state at about
 * 32 KiB per open stream (a default gzip stream takes 256 KiB); event JSON repeats its keys and
 * names within a few KiB, so it still compresses several times. `closed` (the connection ended)
 * frees the zlib state at once.
 */
export function gzipEachChunk(closed?: AbortSignal): TransformStream<Uint8Array, Uint8Array> {
  const gzip = createGzip({ level: 6, windowBits: 12, memLevel: 5 });
  // A write in flight when the connection ends must still settle, or its writer waits forever.
  const pending = new Set<() => void>();
  gzip.once("close", () => {
    for (const settle of pending) settle();
    pending.clear();
  });
  closed?.addEventListener("abort", () => gzip.destroy(), { once: true });
  const drain = (controller: TransformStreamDefaultController<Uint8Array>) => {
    for (let chunk = gzip.read() as Buffer | null; chunk !== null; chunk = gzip.read() as Buffer | null)
      controller.enqueue(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength));
  };
  const step = (controller: TransformStreamDefaultController<Uint8Array>, run: (done: () => void) => void) =>
    new Promise<void>((resolve) => {
      if (gzip.destroyed) return resolve();
      const done = () => {
        pending.delete(done);
        if (!gzip.destroyed) drain(controller);
        resolve();
      };
      pending.add(done);
      run(done);
    });
  return new TransformStream({
    transform: (chunk, controller) =>
      step(controller, (done) => {
        gzip.write(chunk);
        gzip.flush(constants.Z_SYNC_FLUSH, done);
      }),
    flush: (controller) => step(controller, (done) => gzip.end(done)),
  });
}
