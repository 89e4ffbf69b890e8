import type { ServiceSummary } from "../api/api-types";
import { EvacuatePanel } from "../components/evacuate-panel";
import { when } from "../format";
import type { ServiceStatus } from "../api/api-types";
import { useApp } from "../state/app-context";

interface NodeFacts {
  name: string;
  primaryFor: ServiceSummary[];
  backupFor: ServiceSummary[];
  runningHere: ServiceSummary[];
  /** From any service's live view (null: no cluster data). */
  ready: { ready: boolean; since: string | null } | null;
}

function nodesOf(list: readonly ServiceSummary[], statuses: ReadonlyMap<string, ServiceStatus>): NodeFacts[] {
  const nodes = new Map<string, NodeFacts>();
  const node = (name: string): NodeFacts => {
    let facts = nodes.get(name);
    if (!facts) {
      facts = { name, primaryFor: [], backupFor: [], runningHere: [], ready: null };
      nodes.set(name, facts);
    }
    return facts;
  };
  for (const s of list) {
    node(s.primaryNode).primaryFor.push(s);
    node(s.backupNode).backupFor.push(s);
    if (s.activeNode !== null) node(s.activeNode).runningHere.push(s);
    for (const [name, readiness] of Object.entries(statuses.get(s.name)?.live?.nodes ?? {})) {
      node(name).ready = readiness;
    }
  }
  return [...nodes.values()].sort((a, b) => a.name.localeCompare(b.name));
}

const names = (list: readonly ServiceSummary[]) =>
  list.length === 0
    ? "none"
    : list.map((s, i) => (
        <span key={s.name}>
          {i > 0 ? ", " : ""}
          <a href={`/services/${s.name}`}>{s.name}</a>
        </span>
      ));

/** Every node the services name: readiness, who depends on it, and evacuate. */
export function NodesPage() {
  const { live, session } = useApp();
  const list = live.services.value;
  if (list === null)
    return (
      <p class="muted" role="status">
        Loading nodes…
      </p>
    );
  return (
    <>
      <h1>Nodes</h1>
      <ul class="node-list" aria-label="Nodes">
        {nodesOf(list.services, live.statuses.value).map((n) => (
          <li key={n.name} class="card" data-node={n.name}>
            <h2>
              {n.name}{" "}
              <span
                class={`badge ${n.ready === null ? "node-unknown" : n.ready.ready ? "node-ready" : "node-down"}`}
                data-ready={n.ready === null ? "unknown" : String(n.ready.ready)}
              >
                {n.ready === null
                  ? "readiness unknown (no cluster data)"
                  : n.ready.ready
                    ? "Ready"
                    : "NOT READY"}
              </span>
            </h2>
            {n.ready?.since ? <p class="muted small">since {when(n.ready.since)}</p> : null}
            <dl class="facts">
              <div>
                <dt>Primary for ({n.primaryFor.length})</dt>
                <dd>{names(n.primaryFor)}</dd>
              </div>
              <div>
                <dt>Backup for ({n.backupFor.length})</dt>
                <dd>{names(n.backupFor)}</dd>
              </div>
              <div>
                <dt>Served from here now ({n.runningHere.length})</dt>
                <dd>{names(n.runningHere)}</dd>
              </div>
            </dl>
            {session.canOperate() && n.primaryFor.length > 0 ? <EvacuatePanel node={n.name} /> : null}
          </li>
        ))}
      </ul>
    </>
  );
}
