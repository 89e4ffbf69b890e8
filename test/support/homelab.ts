import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { parseConfig } from "../../src/config/parse-config.js";
import type { AppConfig } from "../../src/config/app-config.js";

export const homelabDir = join(import.meta.dirname, "../../examples/homelab");

/** Every file of the example repository, as the manifest engine reads them. */
export function homelabFiles(): Map<string, string> {
  const files = new Map<string, string>();
  const visit = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const full = join(dir, entry.name);
      if (entry.isDirectory()) visit(full);
      else files.set(relative(homelabDir, full), readFileSync(full, "utf8"));
    }
  };
  visit(homelabDir);
  return files;
}

export function homelabConfig(): AppConfig {
  return parseConfig(
    readFileSync(join(homelabDir, "failover-api.yaml"), "utf8"),
    "examples/homelab/failover-api.yaml",
  );
}
