// Bounded waits for the story tests: every wait has a description and a deadline, and a
// timeout says what was last observed, so a failing step explains itself.

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function describeValue(value: unknown): string {
  if (value instanceof Error) return `error: ${value.message}`;
  const text = typeof value === "string" ? value : JSON.stringify(value, null, 2);
  return text.length > 4000 ? `${text.slice(0, 4000)}…` : text;
}

/**
 * Polls `probe` until `ok` accepts its value, and returns that value. A probe that throws counts
 * as "not yet" (the error is the last observation). Fails after `timeoutMs` with the description
 * and the last observed value.
 */
export async function waitFor<T>(
  description: string,
  probe: () => Promise<T>,
  ok: (value: T) => boolean,
  timeoutMs: number,
  intervalMs = 200,
): Promise<T> {
  const started = Date.now();
  let last: unknown = "(nothing observed yet)";
  for (;;) {
    try {
      const value = await probe();
      if (ok(value)) return value;
      last = value;
    } catch (error) {
      last = error;
    }
    if (Date.now() - started > timeoutMs) {
      throw new Error(
        `timed out after ${((Date.now() - started) / 1000).toFixed(1)} s waiting for ${description}; ` +
          `last observed:\n${describeValue(last)}`,
      );
    }
    await sleep(intervalMs);
  }
}
