import { access, constants } from "node:fs/promises";
import { FailoverError } from "../domain/failover-error.js";

/** Where the configuration path came from: commander's option value source ("default", "env", "cli"). */
export type ConfigSource = string | undefined;

/**
 * A configuration file that does not exist is the most common first mistake: say where the path
 * came from and how to give another (and, for commands that can, how to use a server instead).
 */
export async function requireConfigFile(
  path: string,
  source: ConfigSource,
  options: { server: boolean },
): Promise<void> {
  try {
    await access(path, constants.R_OK);
    return;
  } catch (cause) {
    const code = (cause as NodeJS.ErrnoException).code;
    const orServer = options.server ? ", or use a running server with --server URL (FAILOVER_API_URL)" : "";
    const from =
      source === "env" ? " (from FAILOVER_API_CONFIG)" : source === "cli" ? " (from --config)" : "";
    let message: string;
    if (code === "ENOENT" && source === "default") {
      message = `no configuration file: ${path} (the default) does not exist; pass --config FILE or set FAILOVER_API_CONFIG${orServer}`;
    } else if (code === "ENOENT") {
      message = `${path}${from} does not exist; pass --config FILE or set FAILOVER_API_CONFIG${orServer}`;
    } else if (code === "EACCES") {
      message = `${path}${from}: permission denied`;
    } else {
      return; // anything else is said by loading it
    }
    throw new FailoverError("CONFIG_INVALID", message, {
      cause,
      details: { file: path, errors: [message] },
    });
  }
}
