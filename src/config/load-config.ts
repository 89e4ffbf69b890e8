import { readFile } from "node:fs/promises";
import { resolve } from "node:path";
import { FailoverError } from "../domain/failover-error.js";
import type { AppConfig } from "./app-config.js";
import { parseConfig } from "./parse-config.js";

export const defaultConfigPath = "/etc/failover-api/config.yaml";

export function configPathFrom(flag: string | undefined, env: NodeJS.ProcessEnv): string {
  return resolve(flag ?? env.FAILOVER_API_CONFIG ?? defaultConfigPath);
}

export async function loadConfig(path: string): Promise<AppConfig> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (cause) {
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
