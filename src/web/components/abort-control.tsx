import { useState } from "preact/hooks";
import type { LiveOperation } from "../api/api-types";
import { useApp } from "../state/app-context";
import { Dialog } from "./dialog";

/** Abort a planned move before its switch: confirm, then POST /api/operations/{id}/abort. */
export function AbortControl({
  op,
  service,
  onError,
}: {
  op: LiveOperation;
  service: string;
  onError: (message: string | null) => void;
}) {
  const { session, live } = useApp();
  const [confirming, setConfirming] = useState(false);
  const [reason, setReason] = useState("");
  const [busy, setBusy] = useState(false);

  const abort = async () => {
    setConfirming(false);
    setBusy(true);
    onError(null);
    try {
      const body: Record<string, unknown> = reason.trim() === "" ? {} : { reason: reason.trim() };
      const answer = await session.api<LiveOperation>(`/api/operations/${encodeURIComponent(op.id)}/abort`, {
        method: "POST",
        body,
      });
      live.operationSeen(answer);
      setReason("");
    } catch (error) {
      onError(error instanceof Error ? error.message : String(error));
    } finally {
      setBusy(false);
    }
  };

  return (
    <>
      <button type="button" class="button danger big" disabled={busy} onClick={() => setConfirming(true)}>
        {busy ? "Aborting…" : "Abort and roll back…"}
      </button>
      {confirming ? (
        <Dialog
          id="abort"
          title={`Abort the planned ${op.action} of ${service}?`}
          onClose={() => setConfirming(false)}
        >
          <p>
            A rollback commit puts back the replica count and the VolSync trigger exactly as they were before
            the move; {service} then starts again where it was, nothing lost. Nothing has switched yet.
          </p>
          <div class="stack">
            <label for="abort-reason">Reason (recorded in the rollback commit)</label>
            <input
              id="abort-reason"
              type="text"
              maxLength={200}
              value={reason}
              onInput={(e) => setReason(e.currentTarget.value)}
            />
          </div>
          <div class="button-row">
            <button type="button" class="button danger" onClick={() => void abort()}>
              Abort the move
            </button>
            <button type="button" class="button" onClick={() => setConfirming(false)}>
              Keep it running
            </button>
          </div>
        </Dialog>
      ) : null}
    </>
  );
}
