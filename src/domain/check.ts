export type CheckName =
  "config" | "backup-fresh" | "target-node-ready" | "source-stopped" | "reverse-synced" | "flux-applies";

export type CheckStatus = "pass" | "warn" | "fail" | "skip";

export interface Check {
  name: CheckName;
  status: CheckStatus;
  detail: string;
}

export const checkOrder: readonly CheckName[] = [
  "config",
  "backup-fresh",
  "target-node-ready",
  "source-stopped",
  "reverse-synced",
  "flux-applies",
];

export function failing(checks: readonly Check[]): Check[] {
  return checks.filter((c) => c.status === "fail");
}
