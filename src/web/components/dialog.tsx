import type { ComponentChildren } from "preact";
import { useEffect, useRef } from "preact/hooks";

/**
 * A modal built on the native <dialog> (focus trap, Escape, a label from its heading): used for
 * every confirmation, so a mis-tap at 2 a.m. never runs an operation.
 */
export function Dialog({
  title,
  children,
  onClose,
  id,
  dismissible = true,
}: {
  title: string;
  children: ComponentChildren;
  onClose: () => void;
  id: string;
  /** False: Escape does not close it (the page cannot be used without an answer). */
  dismissible?: boolean;
}) {
  const ref = useRef<HTMLDialogElement>(null);
  // Closed because the parent removed it: not a user's "close", so onClose is not called.
  const unmounting = useRef(false);
  useEffect(() => {
    const dialog = ref.current;
    if (dialog && !dialog.open) dialog.showModal();
    return () => {
      unmounting.current = true;
      dialog?.close();
    };
  }, []);
  return (
    <dialog
      ref={ref}
      class="dialog"
      aria-labelledby={`${id}-title`}
      onClose={() => {
        if (!unmounting.current) onClose();
      }}
      onCancel={(event) => {
        if (!dismissible) event.preventDefault();
      }}
    >
      <h2 id={`${id}-title`}>{title}</h2>
      {children}
    </dialog>
  );
}
