import { execFile } from "node:child_process";
import { join } from "node:path";

/** The built executable (`npm test` builds first; a focused run needs `npm run build`). */
export const bin = join(import.meta.dirname, "../../bin/failover-api.js");

export interface BinResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `failover-api <args>` as a real process and collects its exit code and output. */
export function runBin(
  args: string[],
  env: Record<string, string | undefined> = {},
  options: { cwd?: string; timeout?: number } = {},
): Promise<BinResult> {
  return new Promise((resolve) => {
    execFile(
      "node",
      [bin, ...args],
      { env: { ...process.env, ...env }, timeout: 60_000, ...options },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === "number" ? error.code : 1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

/** A Node.js stack frame (`    at fn (file:1:2)`) anywhere in the text. */
export const stackFrame = /^\s+at .*(\(.*:\d+:\d+\)|:\d+:\d+$|node:internal)/m;
