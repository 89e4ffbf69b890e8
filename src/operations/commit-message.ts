import type { Action } from "../domain/service-spec.js";

export interface CommitMessageInput {
  action: Action;
  services: string[];
  /** The node the apps move to (promote/demote) or the evacuated node. */
  node: string;
  actor: string;
  reason: string;
  requestId: string;
  forced: boolean;
}

/**
 * Reasons reach Git from untrusted requests: one line, no control or bidirectional-formatting
 * characters, at most 200 characters, so nothing can forge a trailer or a second paragraph, or
 * read differently from what it is.
 */
export function sanitizeReason(reason: string | undefined, fallback: string): string {
  const oneLine = (reason ?? "")
    // Bidirectional overrides and isolates (U+202E …) make a log or `git log` show text in
    // another order than it is stored ("Trojan Source"); they carry nothing a reason needs.
    .replace(/[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\ufeff]/g, "")
    // eslint-disable-next-line no-control-regex
    .replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]+/g, " ")
    .replace(/\s+/g, " ")
    .trim();
  const text = oneLine === "" ? fallback : oneLine;
  return [...text].slice(0, 200).join("");
}

export function sanitizeActor(actor: string): string {
  return sanitizeReason(actor, "unknown").slice(0, 100);
}

/** The exact commit message of SPEC §5. */
export function commitMessage(input: CommitMessageInput): string {
  const subject =
    input.action === "evacuate"
      ? `failover: evacuate ${input.node} (${input.services.length} services)`
      : input.action === "promote"
        ? `failover(${input.services[0] ?? ""}): promote to backup on ${input.node}`
        : `failover(${input.services[0] ?? ""}): demote to primary on ${input.node}`;
  const trailers = [
    ...input.services.map((s) => `Failover-Service: ${s}`),
    `Failover-Action: ${input.action}`,
    `Failover-Actor: ${input.actor}`,
    `Failover-Reason: ${input.reason}`,
    `Failover-Request-Id: ${input.requestId}`,
    ...(input.forced ? ["Failover-Forced: true"] : []),
  ];
  return `${subject}\n\n${input.reason}\n\n${trailers.join("\n")}\n`;
}
