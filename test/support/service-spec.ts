import type { ServiceSpec } from "../../src/domain/service-spec.js";

export function serviceSpec(overrides: Partial<ServiceSpec> = {}): ServiceSpec {
  return {
    name: "sonarr",
    namespace: "media",
    workload: { kind: "Deployment", name: "sonarr" },
    files: ["app.yaml"],
    claims: [{ primary: "sonarr-config", backup: "sonarr-config-backup" }],
    primaryNode: "w1",
    backupNode: "w2",
    maxReplicationAgeSeconds: 7200,
    replication: [],
    edits: [],
    quiesce: [],
    finalSyncTimeoutSeconds: 1800,
    quiesceTimeoutSeconds: 300,
    ...overrides,
  };
}
