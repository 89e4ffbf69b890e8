import type { Check } from "../domain/check.js";
import type {
  EvacuateResult,
  Operation,
  OperationResult,
  ServiceSummary,
} from "../operations/operation-types.js";
import type { ServiceStatus } from "../operations/service-status.js";

/** Left-aligned columns, two spaces apart. */
export function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i] ?? 0)))
      .join("  ")
      .trimEnd();
  return [line(header), ...rows.map(line)].join("\n") + "\n";
}

export function renderServices(result: { services: ServiceSummary[]; revision: string }): string {
  const rows = result.services.map((s) => [
    s.name,
    s.namespace,
    s.role,
    s.activeNode ?? "-",
    s.primaryNode,
    s.backupNode,
    s.problems.length === 0 ? "" : `${s.problems.length} problem(s)`,
  ]);
  return (
    table(["NAME", "NAMESPACE", "ROLE", "ACTIVE", "PRIMARY", "BACKUP", "PROBLEMS"], rows) +
    `revision ${result.revision.slice(0, 12)}\n`
  );
}

export function renderChecks(checks: readonly Check[]): string {
  return checks.map((c) => `  ${c.status.padEnd(4)}  ${c.name.padEnd(17)}  ${c.detail}`).join("\n") + "\n";
}

export function renderStatus(s: ServiceStatus): string {
  const lines = [
    `${s.name} (${s.namespace}): ${s.role}${s.activeNode ? ` on ${s.activeNode}` : ""}`,
    `  primary node ${s.primaryNode}, backup node ${s.backupNode}, revision ${s.revision.slice(0, 12)}`,
    ...s.claims.map((c) => `  claim ${c.primary} / ${c.backup}: active ${c.active ?? "unclear"}`),
    ...s.files.map((f) => `  file ${f}`),
    ...s.problems.map((p) => `  problem: ${p}`),
    s.lastOperation
      ? `  last operation: ${s.lastOperation.action} at ${s.lastOperation.at} by ${s.lastOperation.actor} (${s.lastOperation.commit.slice(0, 12)})`
      : "  last operation: none",
  ];
  return lines.join("\n") + "\n";
}

export function renderOperation(r: OperationResult): string {
  const head = !r.changed
    ? `${r.name}: already ${r.to}, nothing to do`
    : r.dryRun
      ? `${r.name}: ${r.action} ${r.from} -> ${r.to} (dry run, nothing written)`
      : `${r.name}: ${r.action} ${r.from} -> ${r.to}: pushed ${r.commit ?? ""}${r.forced ? " (forced)" : ""}`;
  return `${head}\nchecks:\n${renderChecks(r.checks)}${r.diff === "" ? "" : `\n${r.diff}`}`;
}

export function renderEvacuate(r: EvacuateResult): string {
  const head = !r.changed
    ? `evacuate ${r.node}: nothing to promote`
    : r.dryRun
      ? `evacuate ${r.node}: would promote ${r.services.join(", ")} (dry run, nothing written)`
      : `evacuate ${r.node}: promoted ${r.services.join(", ")}: pushed ${r.commit ?? ""}${r.forced ? " (forced)" : ""}`;
  const skipped = r.skipped.map((s) => `  skipped ${s.name}: ${s.reason}`).join("\n");
  return `${head}\n${skipped === "" ? "" : `${skipped}\n`}${r.diff === "" ? "" : `\n${r.diff}`}`;
}

export function renderHistory(result: { name: string; operations: Operation[] }): string {
  if (result.operations.length === 0) return `${result.name}: no operations recorded\n`;
  const rows = result.operations.map((o) => [
    o.at,
    o.action,
    o.actor,
    o.forced ? "yes" : "",
    o.commit.slice(0, 12),
    o.reason,
  ]);
  return table(["AT", "ACTION", "ACTOR", "FORCED", "COMMIT", "REASON"], rows);
}
