// SPEC §10's `automation` section: strict, every error with its path, durations and the failback
// window validated, and automation without a cluster refused (exit 2).
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runCli } from "../../src/cli/run-cli.js";
import { parseConfig } from "../../src/config/parse-config.js";
import { FailoverError } from "../../src/domain/failover-error.js";

const base = `git:
  url: ssh://git@github.com/acme/homelab.git
  sshKeyFile: /etc/failover-api/git/identity
  knownHostsFile: /etc/failover-api/git/known_hosts
`;

function errorsOf(text: string): string[] {
  try {
    parseConfig(text, "config.yaml");
  } catch (error) {
    if (error instanceof FailoverError) return error.details.errors as string[];
    throw error;
  }
  throw new Error("expected the configuration to be rejected");
}

describe("automation configuration", () => {
  it("is all off by default, with SPEC §10's defaults", () => {
    expect(parseConfig(base, "c").automation).toEqual({
      enabled: false,
      dryRun: false,
      nodeWatcher: { enabled: true, notReadyForSeconds: 300, requireOutOfServiceTaint: false },
      alertmanager: { enabled: true, minFiringSeconds: 120, rules: [] },
      cooldownSeconds: 1800,
      maxActionsPerHour: 3,
      maxNodesDown: 1,
      failback: { enabled: false, healthyForSeconds: 1800, window: null },
    });
  });

  it("reads every key", () => {
    const config = parseConfig(
      `${base}automation:
  enabled: true
  dryRun: true
  nodeWatcher: { enabled: false, notReadyFor: 90s, requireOutOfServiceTaint: true }
  alertmanager:
    enabled: true
    minFiring: 1m30s
    rules:
      - { alertname: KubeNodeNotReady, action: evacuate, nodeLabel: node }
      - { alertname: SonarrDown, action: promote, serviceLabel: app }
      - { alertname: RadarrDown, action: promote }
  cooldown: 1h
  maxActionsPerHour: 5
  maxNodesDown: 2
  failback: { enabled: false, healthyFor: 45m, window: "22:00-04:00" }
`,
      "c",
    );
    expect(config.automation).toEqual({
      enabled: true,
      dryRun: true,
      nodeWatcher: { enabled: false, notReadyForSeconds: 90, requireOutOfServiceTaint: true },
      alertmanager: {
        enabled: true,
        minFiringSeconds: 90,
        rules: [
          { alertname: "KubeNodeNotReady", action: "evacuate", nodeLabel: "node" },
          { alertname: "SonarrDown", action: "promote", serviceLabel: "app" },
          { alertname: "RadarrDown", action: "promote", serviceLabel: "service" },
        ],
      },
      cooldownSeconds: 3600,
      maxActionsPerHour: 5,
      maxNodesDown: 2,
      failback: {
        enabled: false,
        healthyForSeconds: 2700,
        window: { start: 1320, end: 240, text: "22:00-04:00" },
      },
    });
  });

  it.each([
    ["automation: {enabeld: true}", "automation.enabeld: unknown key"],
    ["automation: {nodeWatcher: {notReadyfor: 5m}}", "automation.nodeWatcher.notReadyfor: unknown key"],
    [
      "automation: {nodeWatcher: {notReadyFor: 5 minutes}}",
      "automation.nodeWatcher.notReadyFor: must be a duration like 90s, 15m, 2h",
    ],
    ["automation: {cooldown: 30}", "automation.cooldown: expected string, received number"],
    ["automation: {maxActionsPerHour: 0}", "automation.maxActionsPerHour: must be at least 1"],
    ["automation: {maxNodesDown: -1}", "automation.maxNodesDown: must be at least 0"],
    ["automation: {maxNodesDown: 1.5}", "automation.maxNodesDown: expected int, received number"],
    [
      "automation: {failback: {window: '2am-5am'}}",
      'automation.failback.window: must be "HH:MM-HH:MM" on a 24-hour clock, e.g. "02:00-05:00" (got "2am-5am")',
    ],
    [
      "automation: {failback: {window: '03:00-03:00'}}",
      "automation.failback.window: start and end are the same time: the window would be empty or the whole day",
    ],
    [
      "automation: {alertmanager: {rules: [{alertname: X, action: demote}]}}",
      'automation.alertmanager.rules[0].action: must be "evacuate" or "promote"',
    ],
    [
      "automation: {alertmanager: {rules: [{alertname: X, action: evacuate, serviceLabel: s}]}}",
      "automation.alertmanager.rules[0].serviceLabel: unknown key",
    ],
    [
      "automation: {alertmanager: {rules: [{action: promote}]}}",
      "automation.alertmanager.rules[0].alertname: required",
    ],
    [
      "automation: {alertmanager: {rules: [{alertname: X, action: promote, serviceLabel: 'a-b'}]}}",
      "automation.alertmanager.rules[0].serviceLabel: must be a Prometheus label name (letters, digits, '_')",
    ],
    [
      "automation: {alertmanager: {rules: [{alertname: X, action: promote}, {alertname: X, action: evacuate}]}}",
      'automation.alertmanager.rules[1].alertname: "X" already has a rule (rules[0]); one rule per alert',
    ],
  ])("%s → %s", (yaml, error) => {
    expect(errorsOf(`${base}${yaml}\n`)).toEqual([error]);
  });

  it("takes failback.enabled (a final-sync demote, SPEC §5.1), off by default even with automation on", () => {
    const on = parseConfig(
      `${base}automation: {enabled: true, failback: {enabled: true, window: "02:00-05:00"}}\n`,
      "c",
    );
    expect(on.automation.failback).toEqual({
      enabled: true,
      healthyForSeconds: 1800,
      window: { start: 120, end: 300, text: "02:00-05:00" },
    });
    expect(parseConfig(`${base}automation: {enabled: true}\n`, "c").automation.failback.enabled).toBe(false);
  });

  it("refuses automation with cluster.enabled: false, saying why", () => {
    expect(errorsOf(`${base}cluster: {enabled: false}\nautomation: {enabled: true}\n`)).toEqual([
      "automation.enabled: automation needs the cluster's live facts (node readiness, replication age) " +
        "and would act blind without them; set cluster.enabled to true or auto, or automation.enabled to false",
    ]);
    expect(() =>
      parseConfig(`${base}cluster: {enabled: false}\nautomation: {enabled: false}\n`, "c"),
    ).not.toThrow();
  });

  it("config validate exits 2 for automation without a cluster", async () => {
    const dir = mkdtempSync(join(tmpdir(), "cfg-"));
    const file = join(dir, "c.yaml");
    writeFileSync(file, `${base}cluster: {enabled: false}\nautomation: {enabled: true}\n`);
    let out = "";
    const io = { stdout: { write: (t: string) => (out += t) }, stderr: { write: () => undefined }, env: {} };
    const code = await runCli(["config", "validate", file], io, {
      openClient: () => Promise.reject(new Error("not used")),
      runDoctor: () => Promise.reject(new Error("not used")),
    });
    expect(code).toBe(2);
    expect(out).toMatch(/^automation\.enabled: automation needs the cluster's live facts/);
  });
});
