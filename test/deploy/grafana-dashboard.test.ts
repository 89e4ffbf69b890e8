import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { parser } from "@prometheus-io/lezer-promql";
import parsePrometheusTextFormat from "parse-prometheus-text-format";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse as parseYaml, parseAllDocuments } from "yaml";
import { execFileSync } from "node:child_process";
import { createMetrics } from "../../src/metrics/failover-metrics.js";
import { type RealServer, startRealServer } from "../support/real-server.js";
import { eventually } from "../support/serve-config.js";
import { startSshGitServer, type SshGitServer } from "../support/ssh-git-server.js";

const repoRoot = join(import.meta.dirname, "../..");
const dashboardFile = join(repoRoot, "deploy/components/monitoring/grafana-dashboard.json");

interface Panel {
  title: string;
  type: string;
  targets?: { expr: string }[];
}

/** What a query reads: each metric with the labels it matches on or groups by. */
interface Reference {
  query: string;
  metric: string;
  labels: string[];
}

interface Family {
  type: string;
  labels: Set<string>;
  samples: number;
}

/**
 * The /metrics text through the Prometheus text-format parser, as family → type, label names and
 * number of samples. That parser folds the series of a labelled histogram into one and loses
 * their labels, so histograms are handed to it as untyped: each `_bucket`, `_sum` and `_count`
 * series then keeps its labels, and is counted to its family here.
 */
function exposition(text: string): Map<string, Family> {
  const histograms = new Set([...text.matchAll(/^# TYPE (\S+) histogram$/gm)].map((m) => m[1]!));
  const parsed = parsePrometheusTextFormat(
    text.replaceAll(/^# TYPE (\S+) histogram$/gm, "# TYPE $1 untyped"),
  );
  const families = new Map<string, Family>();
  for (const f of parsed) {
    const base = f.name.replace(/_(bucket|sum|count)$/, "");
    const name = histograms.has(base) ? base : f.name;
    const family = families.get(name) ?? {
      type: histograms.has(name) ? "HISTOGRAM" : f.type,
      labels: new Set<string>(),
      samples: 0,
    };
    for (const m of f.metrics) for (const label of Object.keys(m.labels ?? {})) family.labels.add(label);
    family.samples += f.metrics.length;
    families.set(name, family);
  }
  return families;
}

/** Grafana's own variables become values PromQL accepts before parsing. */
const substitute = (expr: string) =>
  expr.replaceAll(/\$__(rate_interval|interval|range)/g, "5m").replaceAll(/\$\{?(\w+)\}?/g, "$1");

/**
 * Parses a query with Prometheus's own PromQL grammar (lezer) and lists every metric selector
 * with its matcher labels, plus the labels of the enclosing `by (…)` groupings.
 */
function references(query: string): Reference[] {
  const text = substitute(query);
  const tree = parser.parse(text);
  const found: Reference[] = [];
  const errors: string[] = [];
  const cursor = tree.cursor();
  const grouping: string[][] = [];
  const visit = (): void => {
    do {
      const node = cursor.node;
      if (node.type.isError) errors.push(`${text.slice(node.from, node.to)} at ${node.from}`);
      if (node.name === "VectorSelector") {
        const identifier = node.getChild("Identifier");
        const matchers = node.getChild("LabelMatchers");
        const labels = matchers
          ? matchers
              .getChildren("UnquotedLabelMatcher")
              .map((m) => text.slice(m.firstChild!.from, m.firstChild!.to))
          : [];
        if (identifier)
          found.push({
            query,
            metric: text.slice(identifier.from, identifier.to),
            labels: [...labels, ...grouping.flat()],
          });
      }
      let pushed = false;
      if (node.name === "AggregateExpr") {
        const by = node.getChild("AggregateModifier");
        grouping.push(
          by
            ? by
                .getChild("GroupingLabels")!
                .getChildren("LabelName")
                .map((l) => text.slice(l.from, l.to))
            : [],
        );
        pushed = true;
      }
      if (cursor.firstChild()) {
        visit();
        cursor.parent();
      }
      if (pushed) grouping.pop();
    } while (cursor.nextSibling());
  };
  visit();
  expect(errors, `PromQL syntax of ${query}`).toEqual([]);
  expect(found.length, `metrics in ${query}`).toBeGreaterThan(0);
  return found;
}

describe("the Grafana dashboard (deploy/components/monitoring)", () => {
  let ssh: SshGitServer;
  let app: RealServer;
  let families: Map<string, Family>;
  let dashboard: {
    panels: Panel[];
    templating: { list: { name: string; type: string; definition?: string }[] };
  };

  beforeAll(async () => {
    dashboard = JSON.parse(await readFile(dashboardFile, "utf8")) as typeof dashboard;
    ssh = await startSshGitServer();
    app = await startRealServer(ssh, "grafana", { mode: "none" });
    // Give every family what makes it appear with labels: an operation (operations, duration,
    // push attempts), a refused one, and a configuration reload.
    expect((await fetch(`${app.base}/api/failover/sonarr/promote`, { method: "POST" })).status).toBe(200);
    expect((await fetch(`${app.base}/api/failover/uptime-kuma/promote`, { method: "POST" })).status).toBe(
      409,
    );
    await writeFile(app.configPath, `${await readFile(app.configPath, "utf8")}\n# touched\n`);
    const text = await eventually(
      async () => (await fetch(`${app.base}/metrics`)).text(),
      (t) => t.includes('failover_config_reloads_total{result="success"}'),
    );
    families = exposition(text);
  });
  afterAll(async () => {
    await app?.stop();
    await ssh?.stop();
  });

  it("queries only metrics and labels the server exposes", () => {
    const declared = createMetrics().registry;
    const queries = dashboard.panels.flatMap((p) => (p.targets ?? []).map((t) => t.expr));
    expect(queries.length).toBeGreaterThanOrEqual(12);
    const checked = new Set<string>();
    for (const ref of queries.flatMap(references)) {
      const histogram = ref.metric.replace(/_(bucket|sum|count)$/, "");
      const name = families.has(ref.metric) ? ref.metric : histogram;
      const family = families.get(name);
      expect(family, `${ref.metric} (in ${ref.query}) is in /metrics`).toBeDefined();
      if (name !== ref.metric) expect(family!.type, `${ref.metric} is a histogram series`).toBe("HISTOGRAM");
      // Labels on the samples; a family with no samples yet (it needs a cluster or an alert) is
      // checked against the label names the server declares for it.
      const known =
        family!.samples > 0
          ? new Set(family!.labels)
          : new Set((declared.getSingleMetric(name) as unknown as { labelNames: string[] }).labelNames);
      for (const label of ref.labels)
        expect(known.has(label), `${ref.metric} has label ${label} (${ref.query})`).toBe(true);
      checked.add(name);
    }
    // Every SPEC §11 metric the server has today is on the dashboard.
    for (const name of [...families.keys()].filter((n) => n.startsWith("failover_")))
      expect(checked.has(name), `${name} is on the dashboard`).toBe(true);
  });

  it("has a service variable from a real label", () => {
    const variable = dashboard.templating.list.find((v) => v.name === "service")!;
    const match = /^label_values\((\w+), (\w+)\)$/.exec(variable.definition ?? "");
    expect(match).not.toBeNull();
    expect(families.get(match![1]!)?.labels.has(match![2]!)).toBe(true);
  });

  it("ships as a ConfigMap labelled for Grafana's sidecar, in the homelab overlay", () => {
    const docs = parseAllDocuments(
      execFileSync("kubectl", ["kustomize", join(repoRoot, "deploy/overlays/homelab")], { encoding: "utf8" }),
    ).map(
      (d) =>
        d.toJSON() as {
          kind: string;
          metadata: { name: string; labels?: Record<string, string> };
          data?: Record<string, string>;
        },
    );
    const map = docs.find(
      (d) => d.kind === "ConfigMap" && d.metadata.name === "failover-api-grafana-dashboard",
    );
    expect(map?.metadata.labels).toMatchObject({ grafana_dashboard: "1" });
    expect(JSON.parse(map!.data!["failover-api.json"]!)).toEqual(dashboard);
    expect(parseYaml(JSON.stringify(dashboard))).toBeTruthy();
  });
});
