import { useEffect, useState } from "preact/hooks";
import { servicePath } from "../api/api-client";
import type { HistoryEntry, ServiceStatus } from "../api/api-types";
import { ActionPanel, type Outcome } from "../components/action-panel";
import { OperationCard } from "../components/operation-card";
import { ProgressList, startedAt } from "../components/operation-view";
import { AgeText, currentAge } from "../components/replication-age";
import { RoleBadge } from "../components/role-badge";
import { PodsLine, Troubles } from "../components/service-facts";
import { ago, shortSha, when } from "../format";
import { useApp } from "../state/app-context";

/** One service: live state, the plan and actions, running operation and history from Git. */
export function ServicePage({ service }: { service: string }) {
  const { live, session } = useApp();
  const services = live.services;
  const summary = services.value?.services.find((s) => s.name === service);
  const status = live.statuses.value.get(service);
  const [outcome, setOutcome] = useState<Outcome | null>(null);
  useEffect(() => setOutcome(null), [service]);

  if (services.value === null)
    return (
      <p class="muted" role="status">
        Loading…
      </p>
    );
  if (!summary) {
    return (
      <>
        <h1>{service}</h1>
        <p class="error-text">No service named “{service}” is configured.</p>
        <a href="/">All services</a>
      </>
    );
  }
  const ops = [...live.operations.value.values()]
    .filter((op) => op.services.includes(service))
    .sort((a, b) => (startedAt(b) ?? "").localeCompare(startedAt(a) ?? ""));
  const current = ops.find((op) => op.state === "running") ?? ops[0];

  return (
    <>
      <nav class="crumbs" aria-label="Breadcrumb">
        <a href="/">Services</a> / <span aria-current="page">{service}</span>
      </nav>
      <h1 class="service-title">
        {service} <RoleBadge role={summary.role} node={summary.activeNode} />
      </h1>
      <p class="muted">
        Namespace {summary.namespace} · primary {summary.primaryNode} · backup {summary.backupNode}
        {` · revision ${shortSha(services.value.revision)}`}
      </p>
      {outcome ? <OutcomeBanner outcome={outcome} /> : null}
      <Troubles status={status} problems={summary.problems} />

      {current ? <OperationCard key={current.id} op={current} service={service} /> : null}

      <ActionPanel
        key={summary.role}
        summary={summary}
        revision={services.value.revision}
        canOperate={session.canOperate()}
        running={ops.find((op) => op.finalSync && op.state === "running")}
        onOutcome={setOutcome}
      />

      <LiveSection status={status} />
      <ReplicationSection status={status} service={service} />

      <section class="card" aria-labelledby="claims-title">
        <h2 id="claims-title">Claims and files</h2>
        <ul class="plain">
          {summary.claims.map((c) => (
            <li key={c.primary}>
              {c.primary} / {c.backup}: active <strong>{c.active ?? "unknown"}</strong>
            </li>
          ))}
        </ul>
        <ul class="plain small">
          {(status?.files ?? []).map((f) => (
            <li key={f}>
              <code>{f}</code>
            </li>
          ))}
        </ul>
      </section>

      <History service={service} revision={services.value.revision} />
    </>
  );
}

function OutcomeBanner({ outcome }: { outcome: Outcome }) {
  if (outcome.kind === "error") {
    return (
      <p class="banner banner-error" role="alert">
        {outcome.action} failed: {outcome.message}
      </p>
    );
  }
  if (outcome.kind === "started") {
    const op = outcome.operation;
    return (
      <p class="banner banner-ok" role="status">
        Planned {op.action} of {op.services.join(", ")} started (operation {op.id}): its steps show below as
        they happen.
      </p>
    );
  }
  const r = outcome.result;
  return (
    <p class="banner banner-ok" role="status">
      {r.changed
        ? `${r.action === "promote" ? "Promoted" : "Demoted"} ${r.name} to ${r.to}${r.forced ? " (forced)" : ""}: commit ${shortSha(r.commit)} pushed.`
        : `${r.name} was already ${r.to}: nothing to do.`}
    </p>
  );
}

function LiveSection({ status }: { status: ServiceStatus | undefined }) {
  const live = status?.live;
  return (
    <section class="card" aria-labelledby="live-title">
      <h2 id="live-title">In the cluster</h2>
      {live === null || live === undefined ? (
        <p class="muted">
          {live === null ? "No cluster data: this server does not see a cluster." : "Loading…"}
        </p>
      ) : (
        <>
          <p>
            <PodsLine live={live} />
          </p>
          {live.pods.length > 0 ? (
            <ul class="plain">
              {live.pods.map((p) => (
                <li key={p.name}>
                  <code>{p.name}</code> on {p.node ?? "no node"}: {p.terminating ? "Terminating" : p.phase},{" "}
                  {p.ready ? "ready" : "not ready"}
                </li>
              ))}
            </ul>
          ) : null}
          <h3>Nodes</h3>
          <ul class="plain">
            {Object.entries(live.nodes).map(([name, node]) => (
              <li key={name}>
                {name}: {node.ready ? "Ready" : "NOT READY"}
                {node.since ? ` since ${when(node.since)}` : ""}
              </li>
            ))}
          </ul>
        </>
      )}
      {status?.lastOperation?.progress ? <ProgressList progress={status.lastOperation.progress} /> : null}
    </section>
  );
}

function ReplicationSection({ status, service }: { status: ServiceStatus | undefined; service: string }) {
  const { live, session } = useApp();
  const settings = session.info.value?.services[service];
  if (!settings) return null;
  const direction = new Map(settings.replication.map((r) => [`${r.kind}/${r.name}`, r.direction]));
  return (
    <section class="card" aria-labelledby="replication-title">
      <h2 id="replication-title">Replication</h2>
      {status?.replication === null || status === undefined ? (
        <p class="muted">
          No cluster data. Configured:{" "}
          {settings.replication.map((r) => `${r.kind}/${r.name} (${r.direction})`).join(", ") || "none"}.
        </p>
      ) : (
        <ul class="plain">
          {status.replication.map((r) => (
            <li key={`${r.kind}/${r.name}`}>
              <strong>{r.name}</strong> ({r.kind}, {direction.get(`${r.kind}/${r.name}`) ?? "?"}
              {r.paused === null ? ", not found" : r.paused ? ", paused" : ", active"}):{" "}
              <AgeText
                age={currentAge(r, live.receivedAt.value.get(service), live.now.value)}
                maxSeconds={settings.maxReplicationAgeSeconds}
              />
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

function History({ service, revision }: { service: string; revision: string | undefined }) {
  const { live, session } = useApp();
  const [entries, setEntries] = useState<HistoryEntry[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    const controller = new AbortController();
    session
      .api<{ operations: HistoryEntry[] }>(`${servicePath(service)}/history?limit=20`, {
        signal: controller.signal,
      })
      .then(
        (body) => {
          setEntries(body.operations);
          setError(null);
        },
        (e: unknown) => {
          if (!controller.signal.aborted) setError(e instanceof Error ? e.message : String(e));
        },
      );
    return () => controller.abort();
  }, [service, revision]);
  return (
    <section class="card" aria-labelledby="history-title">
      <h2 id="history-title">History (from Git)</h2>
      {error ? <p class="error-text">{error}</p> : null}
      {entries === null && !error ? <p class="muted">Loading…</p> : null}
      {entries?.length === 0 ? <p class="muted">No failover commits yet.</p> : null}
      {entries && entries.length > 0 ? (
        <ol class="history">
          {entries.map((e) => (
            <li key={e.commit} data-commit={e.commit}>
              <strong>{e.action}</strong> {e.forced ? <span class="badge forced">forced</span> : null}{" "}
              <time dateTime={e.at} title={when(e.at)}>
                {ago(e.at, live.now.value)}
              </time>{" "}
              by {e.actor} · <code>{shortSha(e.commit)}</code>
              <div class="small">“{e.reason}”</div>
            </li>
          ))}
        </ol>
      ) : null}
    </section>
  );
}
