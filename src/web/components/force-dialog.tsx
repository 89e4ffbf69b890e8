import type { ComponentChildren } from "preact";
import { useState } from "preact/hooks";
import { Dialog } from "./dialog";

/**
 * The confirmation before a forced operation: what forcing means (children), then a box to tick
 * before the button works, so overriding a failing check is always a deliberate second step.
 * Mounted fresh each time it opens, so the box starts unticked.
 */
export function ForceDialog({
  id,
  title,
  confirmLabel,
  onConfirm,
  onClose,
  children,
}: {
  id: string;
  title: string;
  confirmLabel: string;
  onConfirm: () => void;
  onClose: () => void;
  children: ComponentChildren;
}) {
  const [acknowledged, setAcknowledged] = useState(false);
  return (
    <Dialog id={id} title={title} onClose={onClose}>
      {children}
      <label class="checkbox">
        <input
          type="checkbox"
          checked={acknowledged}
          onChange={(e) => setAcknowledged(e.currentTarget.checked)}
        />
        I have read the failing checks and accept the risk
      </label>
      <div class="button-row">
        <button type="button" class="button danger" disabled={!acknowledged} onClick={onConfirm}>
          {confirmLabel}
        </button>
        <button type="button" class="button" onClick={onClose}>
          Cancel
        </button>
      </div>
    </Dialog>
  );
}
