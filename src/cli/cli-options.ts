import { InvalidArgumentError, Option } from "@commander-js/extra-typings";
import { defaultConfigPath } from "../config/load-config.js";

/**
 * The options several commands share, each defined once so that its flag, environment variable
 * and help text are the same everywhere (commander prints `(env: …)` and `(default: …)` in help).
 */
export const configOption = () =>
  new Option("--config <file>", "configuration file").env("FAILOVER_API_CONFIG").default(defaultConfigPath);

export const dataDirOption = () =>
  new Option(
    "--data-dir <dir>",
    "where the local working clone lives (default: a directory per remote under $XDG_CACHE_HOME/failover-api/clones or ~/.cache/failover-api/clones; git.dataDir is the server's)",
  ).env("FAILOVER_API_DATA_DIR");

/**
 * `http://host:port` or `https://…`; a bare `host:port` (as people type it) means http://. Any
 * other scheme is refused with what to write instead.
 */
export function parseServerUrl(value: string): string {
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(value)?.[1]?.toLowerCase();
  if (scheme !== undefined && scheme !== "http" && scheme !== "https") {
    throw new InvalidArgumentError(
      `use an http:// or https:// URL, e.g. http://127.0.0.1:8080 (not ${scheme}://)`,
    );
  }
  const full = scheme === undefined ? `http://${value}` : value;
  let url: URL;
  try {
    url = new URL(full);
  } catch {
    throw new InvalidArgumentError("not a URL; write it like http://127.0.0.1:8080");
  }
  if (url.hostname === "" || url.search !== "" || url.hash !== "") {
    throw new InvalidArgumentError("write it like http://127.0.0.1:8080 (host, port and optional path only)");
  }
  return full.replace(/\/+$/, "");
}

export const serverOption = () =>
  new Option(
    "--server <url>",
    "act through a running failover-api server instead of locally on Git (http:// is assumed without a scheme)",
  )
    .env("FAILOVER_API_URL")
    .argParser(parseServerUrl);

export const tokenOption = () =>
  new Option("--token <token>", "bearer token for --server").env("FAILOVER_API_TOKEN");

export const outputOption = () =>
  new Option("-o, --output <format>", "output format").choices(["table", "json"] as const).default("table");

export const reasonOption = () => new Option("--reason <text>", "why; recorded in the commit");

export const dryRunOption = () => new Option("--dry-run", "plan and run the checks; write nothing");

export const finalSyncOption = () =>
  new Option(
    "--final-sync",
    "a planned move that loses nothing: stop the app, copy its data last, then switch (needs a cluster, so --server)",
  );

export const waitOption = () =>
  new Option(
    "--wait",
    "with --final-sync: follow the move, print each step as it happens, exit 0 only if it succeeded",
  );

export const forceOption = () => new Option("--force", "override failing (forceable) preflight checks");

export function parseInteger(min: number, max: number): (value: string) => number {
  return (value) => {
    const n = Number(value);
    if (!/^\d+$/.test(value) || !Number.isInteger(n) || n < min || n > max) {
      throw new InvalidArgumentError(`must be an integer from ${min} to ${max}`);
    }
    return n;
  };
}

export const hostOption = (fallback: string) =>
  new Option("--host <address>", "address to listen on").default(fallback);

export const portOption = (fallback: number) =>
  new Option("--port <port>", "port to listen on (0 picks a free one)")
    .argParser(parseInteger(0, 65535))
    .default(fallback);

/** An "Examples:" block for the end of a command's help. */
export function examples(...lines: string[]): string {
  return `\nExamples:\n${lines.map((l) => `  $ ${l}`).join("\n")}\n`;
}
