import type { ServiceSpec } from "../domain/service-spec.js";
import type { AutomationSettings } from "./automation-settings.js";
import type { RawConfig } from "./config-schema.js";

/** The validated configuration with defaults applied to every service. */
export interface AppConfig {
  /** Absolute path of the file it was loaded from, or a label such as `<demo>`. */
  source: string;
  git: RawConfig["git"] & { fetchIntervalSeconds: number; operationTimeoutSeconds: number };
  cluster: RawConfig["cluster"];
  auth: RawConfig["auth"];
  /** False when the file has no `auth` section (token auth with the default tokens file). */
  authConfigured?: boolean;
  automation: AutomationSettings;
  services: ServiceSpec[];
}

export function findService(config: AppConfig, name: string): ServiceSpec | undefined {
  return config.services.find((s) => s.name === name);
}
