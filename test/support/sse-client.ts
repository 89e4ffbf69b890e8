/* eslint-disable @typescript-eslint/no-explicit-any -- event data is JSON; tests probe it */
/** One block of a text/event-stream, comments included (EventSource hides those). */
export interface SseBlock {
  event?: string;
  id?: string;
  data?: string;
  retry?: number;
  comment?: string;
}

function parseBlock(text: string): SseBlock {
  const block: SseBlock = {};
  const data: string[] = [];
  for (const line of text.split("\n")) {
    if (line.startsWith(":")) {
      block.comment = line.slice(1).trim();
      continue;
    }
    const colon = line.indexOf(":");
    const field = colon === -1 ? line : line.slice(0, colon);
    const value = colon === -1 ? "" : line.slice(colon + 1).replace(/^ /, "");
    if (field === "event") block.event = value;
    else if (field === "id") block.id = value;
    else if (field === "data") data.push(value);
    else if (field === "retry") block.retry = Number(value);
  }
  if (data.length > 0) block.data = data.join("\n");
  return block;
}

/** A raw reader of `GET /api/events` for tests: every block in order, with a timeout per read. */
export class SseClient {
  readonly response: Response;
  readonly #controller: AbortController;
  readonly #reader: ReadableStreamDefaultReader<Uint8Array>;
  readonly #decoder = new TextDecoder();
  #buffer = "";
  readonly #blocks: SseBlock[] = [];

  private constructor(response: Response, controller: AbortController) {
    this.response = response;
    this.#controller = controller;
    if (!response.body) throw new Error("no response body");
    this.#reader = response.body.getReader();
  }

  static async open(url: string, headers: Record<string, string> = {}): Promise<SseClient> {
    const controller = new AbortController();
    const response = await fetch(url, { headers, signal: controller.signal });
    return new SseClient(response, controller);
  }

  /** The next block, or an error after `timeoutMs`. */
  async next(timeoutMs = 10_000): Promise<SseBlock> {
    const deadline = Date.now() + timeoutMs;
    while (this.#blocks.length === 0) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no event within ${timeoutMs} ms`);
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<"timeout">(
        (resolve) => (timer = setTimeout(() => resolve("timeout"), left)),
      );
      const read = await Promise.race([this.#reader.read(), timeout]);
      clearTimeout(timer);
      if (read === "timeout") throw new Error(`no event within ${timeoutMs} ms`);
      if (read.done) throw new Error("the stream ended");
      this.#buffer += this.#decoder.decode(read.value, { stream: true });
      let end: number;
      while ((end = this.#buffer.indexOf("\n\n")) !== -1) {
        this.#blocks.push(parseBlock(this.#buffer.slice(0, end)));
        this.#buffer = this.#buffer.slice(end + 2);
      }
    }
    return this.#blocks.shift()!;
  }

  /** The next block that is an event (skips comments and `retry:`). */
  async nextEvent(timeoutMs = 10_000): Promise<Required<Pick<SseBlock, "event" | "id" | "data">>> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const block = await this.next(Math.max(1, deadline - Date.now()));
      if (block.event !== undefined && block.id !== undefined && block.data !== undefined)
        return { event: block.event, id: block.id, data: block.data };
    }
  }

  /** Events until `stop` says so (inclusive), in order. */
  async until(stop: (event: { event: string; id: string; data: any }) => boolean, timeoutMs = 15_000) {
    const deadline = Date.now() + timeoutMs;
    const seen: { event: string; id: string; data: any }[] = [];
    for (;;) {
      const raw = await this.nextEvent(Math.max(1, deadline - Date.now()));
      const event = { event: raw.event, id: raw.id, data: JSON.parse(raw.data) };
      seen.push(event);
      if (stop(event)) return seen;
    }
  }

  close(): void {
    this.#controller.abort();
  }
}
