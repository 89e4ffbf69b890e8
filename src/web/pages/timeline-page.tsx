import { OperationRow, startedAt } from "../components/operation-view";
import { useApp } from "../state/app-context";

/** Recent operations, newest first: those run through this server and those found in Git. */
export function TimelinePage() {
  const { live } = useApp();
  const ops = [...live.operations.value.values()].sort((a, b) =>
    (startedAt(b) ?? "").localeCompare(startedAt(a) ?? ""),
  );
  return (
    <>
      <h1>Timeline</h1>
      {ops.length === 0 ? <p class="muted">No operations yet.</p> : null}
      <ol class="timeline" aria-label="Recent operations">
        {ops.map((op) => (
          <OperationRow key={op.id} op={op} />
        ))}
      </ol>
    </>
  );
}
