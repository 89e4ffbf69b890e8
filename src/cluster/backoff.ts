export interface BackoffOptions {
  /** First delay after an error, in milliseconds. */
  initialMs: number;
  /** Upper bound of the delay, in milliseconds. */
  maxMs: number;
}

export const defaultBackoff: BackoffOptions = { initialMs: 500, maxMs: 30_000 };

/**
 * Delay before retry number `attempt` (0-based): exponential, capped, with ±25 % jitter so that
 * several informers failing together (an API server restart) do not reconnect in lockstep.
 */
export function backoffDelay(
  attempt: number,
  options: BackoffOptions,
  random: () => number = Math.random,
): number {
  const base = Math.min(options.maxMs, options.initialMs * 2 ** Math.min(attempt, 20));
  return Math.round(base * (0.75 + random() * 0.5));
}
