import type { DashboardInfo, LiveState, ServiceStatus } from "../api/api-types";
import { plural } from "../format";
import { useApp } from "../state/app-context";
import { AgeText, oldestOf } from "./replication-age";

/** "1/1 ready on w2", or what is wrong: the pods line of a service. */
export function PodsLine({ live }: { live: LiveState | null | undefined }) {
  if (live === undefined) return <span class="muted">loading…</span>;
  if (live === null) return <span class="muted">no cluster data</span>;
  if (live.pods.length === 0) return <span class="warn-text">no pods</span>;
  const ready = live.pods.filter((p) => p.ready && !p.terminating);
  const nodes = [...new Set(live.pods.map((p) => p.node ?? "unscheduled"))];
  const odd = live.pods.filter((p) => !p.ready || p.terminating);
  return (
    <span class={odd.length > 0 ? "warn-text" : undefined}>
      {ready.length}/{live.pods.length} ready on {nodes.join(", ")}
      {odd.length > 0
        ? ` (${odd.map((p) => `${p.name}: ${p.terminating ? "Terminating" : p.phase}`).join("; ")})`
        : ""}
    </span>
  );
}

/** The backup copy's age: the oldest forward object, against maxReplicationAge. */
export function BackupAge({
  status,
  settings,
  now,
}: {
  status: ServiceStatus | undefined;
  settings: DashboardInfo["services"][string] | undefined;
  now: number;
}) {
  const { live } = useApp();
  if (status === undefined || settings === undefined) return <span class="muted">loading…</span>;
  if (status.replication === null) return <span class="muted">no cluster data</span>;
  const forward = new Set(
    settings.replication.filter((r) => r.direction === "forward").map((r) => `${r.kind}/${r.name}`),
  );
  if (forward.size === 0) return <span class="muted">no forward replication configured</span>;
  const oldest = oldestOf(status.replication, forward, live.receivedAt.value.get(status.name), now);
  if (oldest === null) return <span class="muted">not found in the cluster</span>;
  return <AgeText age={oldest.age} maxSeconds={settings.maxReplicationAgeSeconds} />;
}

/** Blockers (what stops the app, with the remedy) and configuration problems, each in words. */
export function Troubles({ status, problems }: { status: ServiceStatus | undefined; problems: string[] }) {
  const blockers = status?.live?.blockers ?? [];
  if (blockers.length === 0 && problems.length === 0) return null;
  return (
    <ul class="troubles" aria-label={plural(blockers.length + problems.length, "problem")}>
      {blockers.map((b) => (
        <li key={b} class="blocker">
          <span aria-hidden="true">⚠ </span>
          <strong>Blocked:</strong> {b}
        </li>
      ))}
      {problems.map((p) => (
        <li key={p} class="problem">
          <span aria-hidden="true">✗ </span>
          <strong>Problem:</strong> {p}
        </li>
      ))}
    </ul>
  );
}
