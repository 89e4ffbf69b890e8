// `doctor`'s one line about automation: what this configuration would do, and whether it can.
import { describe, expect, it } from "vitest";
import { automationCheck } from "../../src/doctor/automation-check.js";
import { homelabConfig } from "../support/homelab.js";

describe("doctor: automation", () => {
  const base = homelabConfig();
  const withAutomation = (automation: Partial<typeof base.automation>) => ({
    ...base,
    automation: { ...base.automation, ...automation },
  });

  it("says when it is off", () => {
    expect(automationCheck(base, true)).toEqual({
      name: "automation",
      status: "pass",
      detail: "off (automation.enabled: false): nothing acts on its own",
    });
  });

  it("summarises the triggers and guard rails", () => {
    const config = withAutomation({
      enabled: true,
      dryRun: true,
      nodeWatcher: { enabled: true, notReadyForSeconds: 300, requireOutOfServiceTaint: true },
      alertmanager: {
        enabled: true,
        minFiringSeconds: 120,
        rules: [{ alertname: "KubeNodeNotReady", action: "evacuate", nodeLabel: "node" }],
      },
      failback: {
        enabled: true,
        healthyForSeconds: 1800,
        window: { start: 120, end: 300, text: "02:00-05:00" },
      },
    });
    const summary =
      "enabled, dry run (decides and records would-act, commits nothing); node watcher: evacuate a node NotReady " +
      "for 5m and fenced (out-of-service taint); Alertmanager after 2m firing: KubeNodeNotReady → evacuate; " +
      "failback after 30m healthy inside 02:00-05:00; cooldown 30m, at most 3 actions per hour, none with more " +
      "than 1 node(s) NotReady or a stale backup";
    // The example's overseerr and kiwix have no reverse ReplicationSource: no final-sync demote.
    expect(automationCheck(config, true)).toEqual({
      name: "automation",
      status: "warn",
      detail:
        `${summary}; failback cannot bring overseerr, kiwix home: a final-sync demote needs a reverse ` +
        "ReplicationSource in the service's `replication` (fail those back by hand)",
    });
    const movable = {
      ...config,
      services: config.services.filter((s) => !["overseerr", "kiwix"].includes(s.name)),
    };
    expect(automationCheck(movable, true)).toEqual({ name: "automation", status: "pass", detail: summary });
  });

  it("warns when nothing can trigger, fails without a cluster", () => {
    const idle = withAutomation({
      enabled: true,
      nodeWatcher: { enabled: false, notReadyForSeconds: 300, requireOutOfServiceTaint: false },
    });
    expect(automationCheck(idle, true)).toMatchObject({
      status: "warn",
      detail: expect.stringContaining("no trigger is on"),
    });
    expect(automationCheck(idle, false)).toMatchObject({
      status: "fail",
      detail: expect.stringContaining("no cluster"),
    });
  });
});
