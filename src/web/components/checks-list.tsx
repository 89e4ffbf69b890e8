import type { Check } from "../api/api-types";

const marks: Record<Check["status"], string> = { pass: "✓", warn: "!", fail: "✗", skip: "–" };

/** Preflight checks, each with its result as a word (PASS, WARN, FAIL, SKIP) and a mark. */
export function ChecksList({ checks }: { checks: readonly Check[] }) {
  if (checks.length === 0) return null;
  return (
    <ul class="checks" aria-label="Preflight checks">
      {checks.map((check) => (
        <li
          key={check.name}
          class={`check check-${check.status}`}
          data-check={check.name}
          data-status={check.status}
        >
          <span class="check-mark" aria-hidden="true">
            {marks[check.status]}
          </span>
          <span class="check-status">{check.status.toUpperCase()}</span>
          <span class="check-name">{check.name}</span>
          <span class="check-detail">{check.detail}</span>
        </li>
      ))}
    </ul>
  );
}
