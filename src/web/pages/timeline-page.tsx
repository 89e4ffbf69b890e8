import { useEffect, useState } from "preact/hooks";
import type { LiveOperation } from "../api/api-types";
import { OperationRow, startedAt } from "../components/operation-view";
import { useApp } from "../state/app-context";

/**
 * One list from both sources, by id: an event is the newest word on an operation, except that a
 * planned move read back whole (GET /api/operations) beats the one-step summary of its switch
 * commit that the history announces; who asked and why come from whichever has them.
 */
function merge(planned: readonly LiveOperation[], live: Iterable<LiveOperation>): LiveOperation[] {
  const byId = new Map(planned.map((op) => [op.id, op]));
  for (const op of live) {
    const read = byId.get(op.id);
    const newer = read === undefined || op.finalSync ? op : read;
    byId.set(op.id, {
      ...newer,
      actor: op.actor || read?.actor,
      reason: op.reason ?? read?.reason ?? null,
      forced: (op.forced ?? false) || (read?.forced ?? false),
    });
  }
  return [...byId.values()].sort((a, b) => (startedAt(b) ?? "").localeCompare(startedAt(a) ?? ""));
}

/**
 * Recent operations, newest first: those run through this server, those found in Git's history,
 * and planned moves with their steps (GET /api/operations, read again at every new revision).
 */
export function TimelinePage() {
  const { live, session } = useApp();
  const revision = live.services.value?.revision;
  const [planned, setPlanned] = useState<LiveOperation[]>([]);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    const controller = new AbortController();
    session
      .api<{ operations: LiveOperation[] }>("/api/operations?limit=50", { signal: controller.signal })
      .then(
        (body) => {
          setPlanned(body.operations);
          setError(null);
        },
        (e: unknown) => {
          if (!controller.signal.aborted) setError(e instanceof Error ? e.message : String(e));
        },
      );
    return () => controller.abort();
  }, [revision]);
  const ops = merge(planned, live.operations.value.values());
  return (
    <>
      <h1>Timeline</h1>
      {error ? (
        <p class="error-text" role="alert">
          Planned moves could not be read: {error}
        </p>
      ) : null}
      {ops.length === 0 ? <p class="muted">No operations yet.</p> : null}
      <ol class="timeline" aria-label="Recent operations">
        {ops.map((op) => (
          <OperationRow key={op.id} op={op} />
        ))}
      </ol>
    </>
  );
}
