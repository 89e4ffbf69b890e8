import type { ReplicationState } from "../api/api-types";
import { duration } from "../format";

export type Freshness = "ok" | "aging" | "stale" | "never";

/** Against `maxReplicationAge`: past it `backup-fresh` fails; past three quarters, a warning. */
export function freshness(ageSeconds: number | null, maxSeconds: number): Freshness {
  if (ageSeconds === null) return "never";
  if (ageSeconds > maxSeconds) return "stale";
  return ageSeconds > 0.75 * maxSeconds ? "aging" : "ok";
}

const words: Record<Freshness, string> = { ok: "OK", aging: "aging", stale: "STALE", never: "never synced" };

/** The age now: the server's figure plus the time since it was sent. */
export function currentAge(
  object: ReplicationState,
  receivedAt: number | undefined,
  now: number,
): number | null {
  if (object.ageSeconds === null) return null;
  return object.ageSeconds + Math.max(0, (now - (receivedAt ?? now)) / 1000);
}

export function AgeText({ age, maxSeconds }: { age: number | null; maxSeconds: number }) {
  const state = freshness(age, maxSeconds);
  return (
    <span class={`age age-${state}`} data-freshness={state}>
      {age === null ? "never synced" : `${duration(age)} ago`}{" "}
      <span class="age-word">
        ({words[state] === "never synced" ? "no sync" : words[state]}, limit {duration(maxSeconds)})
      </span>
    </span>
  );
}

/** The oldest of the objects of one direction (forward: what `backup-fresh` judges on a promote). */
export function oldestOf(
  replication: readonly ReplicationState[],
  names: ReadonlySet<string>,
  receivedAt: number | undefined,
  now: number,
): { object: ReplicationState; age: number | null } | null {
  let worst: { object: ReplicationState; age: number | null } | null = null;
  for (const object of replication) {
    if (!names.has(`${object.kind}/${object.name}`)) continue;
    const age = currentAge(object, receivedAt, now);
    if (worst === null || age === null || (worst.age !== null && age > worst.age)) worst = { object, age };
    if (age === null) break; // never synced: nothing is older
  }
  return worst;
}
