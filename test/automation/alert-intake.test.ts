// Dedupe before deciding: Alertmanager re-sends the same alerts; each firing episode
// (fingerprint + startsAt) is decided once, resolved never acts.
import { describe, expect, it } from "vitest";
import { AlertIntake, type ReceivedAlert } from "../../src/automation/alert-intake.js";
import type { AlertRule } from "../../src/config/automation-settings.js";

const rules: AlertRule[] = [
  { alertname: "KubeNodeNotReady", action: "evacuate", nodeLabel: "node" },
  { alertname: "SonarrDown", action: "promote", serviceLabel: "app" },
];
const t0 = new Date("2026-03-01T03:00:00Z");
const at = (seconds: number) => new Date(t0.getTime() + seconds * 1000);

function alert(overrides: Partial<ReceivedAlert> = {}): ReceivedAlert {
  return {
    status: "firing",
    labels: { alertname: "KubeNodeNotReady", node: "w1" },
    startsAt: t0,
    fingerprint: "a1b2c3",
    ...overrides,
  };
}

describe("AlertIntake", () => {
  it("turns a firing alert a rule names into a pending decision for its target", () => {
    const intake = new AlertIntake();
    const result = intake.receive([alert()], rules, at(1));
    expect(result.pending).toHaveLength(1);
    expect(result.pending[0]!.facts).toEqual({
      trigger: "alertmanager",
      action: "evacuate",
      node: "w1",
      alert: { alertname: "KubeNodeNotReady", fingerprint: "a1b2c3", startsAt: t0 },
    });
    const promote = intake.receive(
      [alert({ labels: { alertname: "SonarrDown", app: "sonarr" }, fingerprint: "ff" })],
      rules,
      at(2),
    );
    expect(promote.pending[0]!.facts).toMatchObject({ action: "promote", service: "sonarr" });
  });

  it("drops redeliveries of a pending or decided alert (same fingerprint and startsAt)", () => {
    const intake = new AlertIntake();
    const first = intake.receive([alert()], rules, at(1));
    expect(intake.receive([alert()], rules, at(30))).toMatchObject({ pending: [], duplicates: 1 });
    intake.decided(first.pending[0]!.key);
    expect(intake.isPending(first.pending[0]!.key)).toBe(false);
    expect(intake.receive([alert()], rules, at(600))).toMatchObject({ pending: [], duplicates: 1 });
  });

  it("decides a new firing of the same alert (new startsAt) afresh", () => {
    const intake = new AlertIntake();
    const first = intake.receive([alert()], rules, at(1));
    intake.decided(first.pending[0]!.key);
    const again = intake.receive([alert({ startsAt: at(3600) })], rules, at(3601));
    expect(again.pending).toHaveLength(1);
  });

  it("never acts on resolved; a resolved alert ends a pending wait with a record", () => {
    const intake = new AlertIntake();
    const first = intake.receive([alert()], rules, at(1));
    const resolved = intake.receive([alert({ status: "resolved" })], rules, at(60));
    expect(resolved.pending).toEqual([]);
    expect(resolved.immediate).toEqual([
      expect.objectContaining({ reason: "resolved", target: { node: "w1" } }),
    ]);
    expect(intake.isPending(first.pending[0]!.key)).toBe(false);
    // A late redelivery of the firing notification changes nothing.
    expect(intake.receive([alert()], rules, at(61))).toMatchObject({ pending: [], duplicates: 1 });
    // Resolved for an alert never seen firing: nothing to do, and its firing is never decided.
    const other = intake.receive([alert({ status: "resolved", fingerprint: "zz" })], rules, at(62));
    expect(other).toMatchObject({ pending: [], immediate: [] });
    expect(intake.receive([alert({ fingerprint: "zz" })], rules, at(63)).pending).toEqual([]);
  });

  it("ignores alerts no rule names, and records a rule whose label is missing", () => {
    const intake = new AlertIntake();
    const result = intake.receive(
      [alert({ labels: { alertname: "Watchdog" } }), alert({ labels: { alertname: "KubeNodeNotReady" } })],
      rules,
      at(1),
    );
    expect(result.unmatched).toBe(1);
    expect(result.pending).toEqual([]);
    expect(result.immediate).toEqual([
      expect.objectContaining({
        reason: "label-missing",
        detail: expect.stringContaining('no "node" label'),
      }),
    ]);
  });

  it("forgets alerts not seen for a day, keeps those re-sent meanwhile", () => {
    const intake = new AlertIntake();
    const kept = intake.receive([alert()], rules, at(0));
    intake.receive([alert({ fingerprint: "old" })], rules, at(0));
    intake.decided(kept.pending[0]!.key);
    intake.receive([alert()], rules, at(20 * 3600)); // re-sent: refreshed
    const later = at(26 * 3600);
    expect(intake.receive([alert()], rules, later).duplicates).toBe(1);
    expect(intake.receive([alert({ fingerprint: "old" })], rules, later).pending).toHaveLength(1);
  });
});
