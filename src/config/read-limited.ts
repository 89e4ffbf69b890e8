import { open } from "node:fs/promises";

/**
 * Reads at most `maxBytes` (+1 to tell) of a file. A configuration path can point at anything —
 * a huge file, /dev/zero, a FIFO that never ends — and must not take the process's memory with it.
 * Returns undefined when the file is larger than `maxBytes`.
 */
export async function readLimited(path: string, maxBytes: number): Promise<Buffer | undefined> {
  const handle = await open(path, "r");
  try {
    const buffer = Buffer.alloc(maxBytes + 1);
    let length = 0;
    while (length < buffer.length) {
      const { bytesRead } = await handle.read(buffer, length, buffer.length - length, null);
      if (bytesRead === 0) break;
      length += bytesRead;
    }
    return length > maxBytes ? undefined : buffer.subarray(0, length);
  } finally {
    await handle.close();
  }
}
