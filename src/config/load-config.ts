import { resolve } from "node:path";
import { FailoverError } from "../domain/failover-error.js";
import type { AppConfig } from "./app-config.js";
import { parseConfig } from "./parse-config.js";
import { readLimited } from "./read-limited.js";

export const defaultConfigPath = "/etc/failover-api/config.yaml";

export function configPathFrom(flag: string | undefined, env: NodeJS.ProcessEnv): string {
  return resolve(flag ?? env.FAILOVER_API_CONFIG ?? defaultConfigPath);
}

/** A ConfigMap holds at most 1 MiB; a larger file is not a configuration. */
export const maxConfigBytes = 1024 * 1024;

export async function loadConfig(path: string): Promise<AppConfig> {
  let text: string;
  try {
    const bytes = await readLimited(path, maxConfigBytes);
    if (bytes === undefined) {
      const why = `is larger than ${maxConfigBytes} bytes, more than a configuration (or a ConfigMap) holds`;
      throw new FailoverError("CONFIG_INVALID", `${path}: ${why}`, {
        details: { file: path, errors: [`${path}: ${why}`] },
      });
    }
    text = bytes.toString("utf8");
  } catch (cause) {
    if (cause instanceof FailoverError) throw cause;
    const code = (cause as NodeJS.ErrnoException).code;
    const why =
      code === "ENOENT" ? "file not found" : code === "EACCES" ? "permission denied" : String(cause);
    throw new FailoverError("CONFIG_INVALID", `${path}: ${why}`, {
      cause,
      details: { file: path, errors: [`${path}: ${why}`] },
    });
  }
  return parseConfig(text, path);
}
