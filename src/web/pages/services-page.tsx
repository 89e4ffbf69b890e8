import { useState } from "preact/hooks";
import type { ServiceStatus, ServiceSummary } from "../api/api-types";
import { RoleBadge } from "../components/role-badge";
import { freshness, oldestOf } from "../components/replication-age";
import { BackupAge, PodsLine, Troubles } from "../components/service-facts";
import { plural } from "../format";
import type { DashboardInfo } from "../api/api-types";
import { type AppState, useApp } from "../state/app-context";

type Filter = "all" | "backup" | "attention";

/** Whether a service needs a look: not on its primary, a problem, a blocker, or a stale backup. */
function needsAttention(
  { live, session }: AppState,
  summary: ServiceSummary,
  status: ServiceStatus | undefined,
): boolean {
  if (summary.role !== "primary" || summary.problems.length > 0) return true;
  if ((status?.live?.blockers.length ?? 0) > 0) return true;
  const settings = session.info.value?.services[summary.name];
  if (!status?.replication || !settings) return false;
  const forward = new Set(
    settings.replication.filter((r) => r.direction === "forward").map((r) => `${r.kind}/${r.name}`),
  );
  const oldest = oldestOf(
    status.replication,
    forward,
    live.receivedAt.value.get(summary.name),
    live.now.value,
  );
  return oldest !== null && freshness(oldest.age, settings.maxReplicationAgeSeconds) === "stale";
}

/** The home page: every service at a glance. */
export function ServicesPage() {
  const state = useApp();
  const { live, session } = state;
  const [filter, setFilter] = useState<Filter>("all");
  const [search, setSearch] = useState("");
  const list = live.services.value;
  if (list === null)
    return (
      <p class="muted" role="status">
        Loading services…
      </p>
    );
  const all = list.services;
  const onBackup = all.filter((s) => s.role === "backup").length;
  const attention = all.filter((s) => needsAttention(state, s, live.statuses.value.get(s.name)));
  const query = search.trim().toLowerCase();
  const shown = all.filter(
    (s) =>
      (filter === "all" || (filter === "backup" ? s.role === "backup" : attention.includes(s))) &&
      (query === "" || s.name.includes(query) || s.namespace.includes(query)),
  );
  // Without a cluster nothing live is known: say it once, not on every row.
  const noCluster = all.length > 0 && all.every((s) => live.statuses.value.get(s.name)?.live === null);
  const filters: [Filter, string][] = [
    ["all", `All (${all.length})`],
    ["backup", `On backup (${onBackup})`],
    ["attention", `Needs attention (${attention.length})`],
  ];
  return (
    <>
      <h1>Services</h1>
      <p class="summary">
        {plural(all.length, "service")} · {all.length - onBackup} on primary · {onBackup} on backup ·{" "}
        {attention.length} need attention
      </p>
      {noCluster ? (
        <p class="banner" data-no-cluster>
          This server does not see a cluster: pods, replication ages and blockers are not known. Roles come
          from Git.
        </p>
      ) : null}
      <div class="toolbar">
        <div class="button-row" role="group" aria-label="Filter">
          {filters.map(([value, label]) => (
            <button
              key={value}
              type="button"
              class="button"
              aria-pressed={filter === value}
              onClick={() => setFilter(value)}
            >
              {label}
            </button>
          ))}
        </div>
        <label class="search">
          <span class="visually-hidden">Search services</span>
          <input
            type="search"
            placeholder="Search"
            value={search}
            onInput={(e) => setSearch(e.currentTarget.value)}
          />
        </label>
      </div>
      <ul class="service-list" aria-label="Services">
        {shown.map((summary) => (
          <ServiceRow
            key={summary.name}
            summary={summary}
            status={live.statuses.value.get(summary.name)}
            settings={session.info.value?.services[summary.name]}
            now={live.now.value}
          />
        ))}
      </ul>
      {shown.length === 0 ? <p class="muted">No service matches.</p> : null}
    </>
  );
}

function ServiceRow({
  summary,
  status,
  settings,
  now,
}: {
  summary: ServiceSummary;
  status: ServiceStatus | undefined;
  settings: DashboardInfo["services"][string] | undefined;
  now: number;
}) {
  return (
    <li class={`service-row role-${summary.role}`} data-service={summary.name} data-role={summary.role}>
      <div class="service-head">
        <h2 class="service-name">
          <a href={`/services/${summary.name}`}>{summary.name}</a>
        </h2>
        <span class="muted small">{summary.namespace}</span>
        <RoleBadge role={summary.role} node={summary.activeNode} />
      </div>
      {status?.live === null ? null : (
        <dl class="facts">
          <div>
            <dt>Pods</dt>
            <dd>
              <PodsLine live={status?.live} />
            </dd>
          </div>
          <div>
            <dt>Backup copy</dt>
            <dd>
              <BackupAge status={status} settings={settings} now={now} />
            </dd>
          </div>
        </dl>
      )}
      <Troubles status={status} problems={summary.problems} />
    </li>
  );
}
