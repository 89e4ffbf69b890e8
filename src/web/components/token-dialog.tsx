import { useState } from "preact/hooks";
import { useApp } from "../state/app-context";
import { Dialog } from "./dialog";

const reasons = {
  start: "This server uses API tokens. Enter yours to act; without one you can only look.",
  "sign-in": "Enter an operator token to promote, demote and evacuate.",
  invalid: "That token was not accepted. Check it and try again.",
  required: "This server requires a token even to read.",
} as const;

/**
 * Asks for the bearer token once per tab. The token is kept in sessionStorage and sent only as an
 * Authorization header; the server decides what it may do.
 */
export function TokenDialog({ onSubmit }: { onSubmit: (token: string) => Promise<void> }) {
  const { session } = useApp();
  const why = session.prompt.value;
  const [value, setValue] = useState("");
  const [busy, setBusy] = useState(false);
  if (why === null) return null;
  const readAllowed = session.info.value?.auth.readRequiresToken !== true && why !== "required";
  const submit = async (event: Event) => {
    event.preventDefault();
    if (value.trim() === "") return;
    setBusy(true);
    try {
      await onSubmit(value.trim());
      setValue("");
    } finally {
      setBusy(false);
    }
  };
  return (
    <Dialog
      id="token"
      title="Sign in with an API token"
      dismissible={readAllowed}
      onClose={() => (readAllowed ? session.chooseReadOnly() : undefined)}
    >
      <form onSubmit={(e) => void submit(e)} class="stack">
        <p
          role={why === "invalid" ? "alert" : undefined}
          class={why === "invalid" ? "error-text" : undefined}
        >
          {reasons[why]}
        </p>
        <label for="token-input">API token</label>
        <input
          id="token-input"
          name="token"
          type="password"
          autocomplete="off"
          spellcheck={false}
          autoFocus
          value={value}
          onInput={(e) => setValue(e.currentTarget.value)}
        />
        <div class="button-row">
          <button type="submit" class="button primary" disabled={busy || value.trim() === ""}>
            Sign in
          </button>
          {readAllowed ? (
            <button type="button" class="button" onClick={() => session.chooseReadOnly()}>
              Continue read-only
            </button>
          ) : null}
        </div>
      </form>
    </Dialog>
  );
}
