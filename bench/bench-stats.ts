import { readFile } from "node:fs/promises";
import { performance } from "node:perf_hooks";

/** [metric, measured, target, met]: one row of the SPEC §13 table. */
export type TargetRow = [string, string, string, boolean];

export function percentile(samples: readonly number[], p: number): number {
  if (samples.length === 0) return Number.NaN;
  const sorted = [...samples].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank] ?? Number.NaN;
}

export async function timed(fn: () => Promise<unknown>): Promise<number> {
  const start = performance.now();
  await fn();
  return performance.now() - start;
}

export const ms = (v: number) => (Number.isFinite(v) ? `${v.toFixed(v < 10 ? 2 : 0)} ms` : "n/a");

/** The 1, 5 and 15 minute load averages, as `uptime` shows them. */
export async function loadAverage(): Promise<string> {
  const text = await readFile("/proc/loadavg", "utf8").catch(() => "n/a");
  return text.split(" ").slice(0, 3).join(" ");
}

/** `p50 … p95 … (n=…)` for a table row. */
export function summary(samples: readonly number[]): string {
  return `p50 ${ms(percentile(samples, 50))}  p95 ${ms(percentile(samples, 95))}  (n=${samples.length})`;
}
