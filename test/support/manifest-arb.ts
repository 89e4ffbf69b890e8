import fc from "fast-check";
import type { ExplicitEdit, ReplicationRef, ServiceSpec } from "../../src/domain/service-spec.js";
import { serviceSpec } from "./service-spec.js";

/**
 * Generated manifests for the editor's property tests: every supported place a reference can
 * sit (pod templates of each workload kind, HelmRelease values, Kustomization substitutions,
 * node pins, VolSync `spec.paused`, explicit edits), written in the styles real repositories
 * use — quoting, anchors and aliases, flow collections, comments everywhere (some naming the
 * claim), indentation, CRLF, a BOM, directives and document markers, no final newline.
 * The references all read as the primary role.
 */

type Quote = "plain" | "single" | "double";

type Y =
  | { t: "map"; entries: [string, Y][]; flow?: boolean }
  | { t: "seq"; items: Y[]; flow?: boolean }
  | { t: "scalar"; value: string; quote?: Quote; anchor?: string }
  | { t: "alias"; name: string }
  | { t: "block"; lines: string[]; indicator: "|" | ">-" | "|+" };

const map = (entries: [string, Y][], flow = false): Y => ({ t: "map", entries, flow });
const seq = (items: Y[], flow = false): Y => ({ t: "seq", items, flow });
const str = (value: string, quote?: Quote, anchor?: string): Y => ({
  t: "scalar",
  value,
  ...(quote === undefined ? {} : { quote }),
  ...(anchor === undefined ? {} : { anchor }),
});

/** A small deterministic PRNG, seeded by fast-check, for the many formatting choices. */
class Dice {
  #state: number;
  constructor(seed: number) {
    this.#state = seed >>> 0 || 1;
  }
  next(): number {
    // mulberry32
    this.#state = (this.#state + 0x6d2b79f5) >>> 0;
    let t = this.#state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)] as T;
  }
}

const comments = [
  "#",
  "# note",
  "# claimName: sonarr-config",
  "# primary on w1, backup on w2",
  "# ü ✓ — «quoted»",
  "#  paused: true",
  '# {"$imagepolicy": "flux-system:sonarr"}',
];

function quoted(value: string, quote: Quote): string {
  if (quote === "double") return JSON.stringify(value);
  if (quote === "single") return `'${value.replace(/'/g, "''")}'`;
  return value;
}

function flowText(node: Y, dice: Dice): string {
  switch (node.t) {
    case "scalar":
      return `${node.anchor ? `&${node.anchor} ` : ""}${quoted(node.value, node.quote ?? "plain")}`;
    case "alias":
      return `*${node.name}`;
    case "map": {
      const pad = dice.chance(0.5) ? " " : "";
      return `{${pad}${node.entries.map(([k, v]) => `${k}: ${flowText(v, dice)}`).join(", ")}${pad}}`;
    }
    case "seq":
      return `[${node.items.map((i) => flowText(i, dice)).join(", ")}]`;
    case "block":
      return "~";
  }
}

interface Style {
  unit: number;
  indentSeq: boolean;
  commentRate: number;
}

function inline(node: Y): boolean {
  return node.t === "scalar" || node.t === "alias" || (node.t !== "block" && node.flow === true);
}

function trailing(dice: Dice, style: Style): string {
  return dice.chance(style.commentRate) ? ` ${dice.pick(comments)}` : "";
}

function emitMap(
  node: Extract<Y, { t: "map" }>,
  indent: number,
  dice: Dice,
  style: Style,
  out: string[],
  firstPrefix?: string,
): void {
  node.entries.forEach(([key, value], i) => {
    const prefix = i === 0 && firstPrefix !== undefined ? firstPrefix : " ".repeat(indent);
    if (i > 0 || firstPrefix === undefined) {
      if (dice.chance(style.commentRate / 2)) out.push(`${" ".repeat(indent)}${dice.pick(comments)}`);
      if (dice.chance(style.commentRate / 4)) out.push("");
    }
    if (value.t === "block") {
      out.push(`${prefix}${key}: ${value.indicator}${trailing(dice, style)}`);
      for (const line of value.lines)
        out.push(line === "" ? "" : `${" ".repeat(indent + style.unit)}${line}`);
    } else if (inline(value)) {
      out.push(`${prefix}${key}: ${flowText(value, dice)}${trailing(dice, style)}`);
    } else if (value.t === "map") {
      out.push(`${prefix}${key}:${trailing(dice, style)}`);
      emitMap(value, indent + style.unit, dice, style, out);
    } else if (value.t === "seq") {
      out.push(`${prefix}${key}:${trailing(dice, style)}`);
      emitSeq(value, style.indentSeq ? indent + style.unit : indent, dice, style, out);
    }
  });
}

function emitSeq(
  node: Extract<Y, { t: "seq" }>,
  indent: number,
  dice: Dice,
  style: Style,
  out: string[],
): void {
  for (const item of node.items) {
    const dash = `${" ".repeat(indent)}- `;
    if (item.t === "block") {
      out.push(`${dash}${item.indicator}`);
      for (const line of item.lines) out.push(line === "" ? "" : `${" ".repeat(indent + 2)}${line}`);
    } else if (inline(item)) out.push(`${dash}${flowText(item, dice)}${trailing(dice, style)}`);
    else if (item.t === "map") emitMap(item, indent + 2, dice, style, out, dash);
    else if (item.t === "seq") {
      out.push(`${dash.trimEnd()}`);
      emitSeq(item, indent + 2, dice, style, out);
    }
  }
}

export interface GeneratedRepo {
  files: Record<string, string>;
  spec: ServiceSpec;
  /** How it was written, for the failure message. */
  description: string;
}

interface Choice {
  seed: number;
  kinds: ("Deployment" | "StatefulSet" | "CronJob" | "Pod" | "HelmRelease" | "Kustomization" | "Patch")[];
  replication: boolean;
  reverse: boolean;
  pausedPresent: boolean;
  files: number;
  crlf: boolean;
  bom: boolean;
  finalNewline: boolean;
  directive: boolean;
  leadingMarker: boolean;
  endMarkers: boolean;
  unit: 2 | 4;
  indentSeq: boolean;
  commentRate: number;
}

const q = (dice: Dice): Quote => dice.pick(["plain", "plain", "single", "double"] as const);

function podSpec(dice: Dice, pins: boolean, env: boolean, cache: boolean): Y {
  const anchored = dice.chance(0.3);
  const claim = str("sonarr-config", q(dice), anchored ? "claim" : undefined);
  const volumes: Y[] = [
    dice.chance(0.3)
      ? map(
          [
            ["name", str("config")],
            ["persistentVolumeClaim", map([["claimName", claim]], true)],
          ],
          true,
        )
      : map([
          ["name", str("config", q(dice))],
          ["persistentVolumeClaim", map([["claimName", claim]], dice.chance(0.3))],
        ]),
  ];
  if (anchored && dice.chance(0.5))
    volumes.push(
      map([
        ["name", str("config-again")],
        ["persistentVolumeClaim", map([["claimName", { t: "alias", name: "claim" }]])],
      ]),
    );
  if (cache)
    volumes.push(
      map([
        ["name", str("cache")],
        ["persistentVolumeClaim", map([["claimName", str("sonarr-cache", q(dice))]])],
      ]),
    );
  volumes.push(
    map([
      ["name", str("tmp")],
      ["emptyDir", map([], true)],
    ]),
  );
  const entries: [string, Y][] = [];
  const container: [string, Y][] = [
    ["name", str("app")],
    ["image", str("ghcr.io/home-operations/sonarr:4.0.14@sha256:0123abc", q(dice))],
  ];
  if (dice.chance(0.4))
    // A block scalar that mentions the claim and the node: text, not references.
    container.push([
      "args",
      seq([
        {
          t: "block",
          indicator: dice.pick(["|", ">-", "|+"] as const),
          lines: ["--config=/config # sonarr-config", "", "--node=w1  "],
        },
      ]),
    ]);
  if (env)
    container.push([
      "env",
      seq([
        map([
          ["name", str("PRIMARY_NODE")],
          ["value", str("w1", dice.pick(["single", "double"] as const))],
        ]),
        map([
          ["name", str("TZ")],
          ["value", str("Europe/Berlin")],
        ]),
      ]),
    ]);
  entries.push(["containers", seq([map(container)])]);
  if (pins) {
    entries.push(["nodeSelector", map([['"kubernetes.io/hostname"', str("w1", q(dice))]], dice.chance(0.3))]);
    if (dice.chance(0.5))
      entries.push([
        "affinity",
        map([
          [
            "nodeAffinity",
            map([
              [
                "requiredDuringSchedulingIgnoredDuringExecution",
                map([
                  [
                    "nodeSelectorTerms",
                    seq([
                      map([
                        [
                          "matchExpressions",
                          seq([
                            map([
                              ["key", str("kubernetes.io/hostname")],
                              ["operator", str("In")],
                              ["values", seq([str("w1", q(dice))], dice.chance(0.5))],
                            ]),
                          ]),
                        ],
                      ]),
                    ]),
                  ],
                ]),
              ],
            ]),
          ],
        ]),
      ]);
  }
  entries.push(["volumes", seq(volumes)]);
  // Order of keys is the author's: shuffle a little.
  if (dice.chance(0.5)) entries.reverse();
  return map(entries);
}

function metadata(name: string, dice: Dice, namespace = true): Y {
  const entries: [string, Y][] = [["name", str(name, q(dice))]];
  if (namespace) entries.push(["namespace", str("media")]);
  if (dice.chance(0.4))
    entries.push(["labels", map([["app.kubernetes.io/name", str(name)]], dice.chance(0.5))]);
  return map(entries);
}

function documentFor(kind: Choice["kinds"][number], dice: Dice, first: boolean, cache: boolean): Y {
  const template = (spec: Y) =>
    map([
      ["metadata", map([["labels", map([["app", str("sonarr")]])]])],
      ["spec", spec],
    ]);
  switch (kind) {
    case "Deployment":
    case "StatefulSet":
      return map([
        ["apiVersion", str("apps/v1")],
        ["kind", str(kind)],
        ["metadata", metadata("sonarr", dice)],
        [
          "spec",
          map([
            ["replicas", str("1")],
            ...(kind === "Deployment"
              ? ([["strategy", map([["type", str("Recreate")]])]] as [string, Y][])
              : []),
            ["template", template(podSpec(dice, true, first, cache))],
          ]),
        ],
      ]);
    case "CronJob":
      return map([
        ["apiVersion", str("batch/v1")],
        ["kind", str("CronJob")],
        ["metadata", metadata("sonarr-backup", dice)],
        [
          "spec",
          map([
            ["schedule", str("0 3 * * *", dice.pick(["single", "double"] as const))],
            [
              "jobTemplate",
              map([["spec", map([["template", template(podSpec(dice, true, false, false))]])]]),
            ],
          ]),
        ],
      ]);
    case "Pod":
      return map([
        ["apiVersion", str("v1")],
        ["kind", str("Pod")],
        ["metadata", metadata("sonarr-debug", dice)],
        ["spec", podSpec(dice, dice.chance(0.5), false, false)],
      ]);
    case "Patch":
      // A kustomize patch: a partial Deployment holding only the volumes.
      return map([
        ["apiVersion", str("apps/v1")],
        ["kind", str("Deployment")],
        ["metadata", map([["name", str("sonarr-sidecar")]])],
        ["spec", map([["template", map([["spec", podSpec(dice, false, false, false)]])]])],
      ]);
    case "HelmRelease": {
      const anchored = dice.chance(0.4);
      const persistence: [string, Y][] = [
        [
          "config",
          map([
            ["enabled", str("true")],
            ["existingClaim", str("sonarr-config", q(dice), anchored ? "hr" : undefined)],
            ["globalMounts", seq([map([["path", str("/config")]])])],
          ]),
        ],
      ];
      if (anchored) persistence.push(["config-copy", map([["existingClaim", { t: "alias", name: "hr" }]])]);
      return map([
        ["apiVersion", str("helm.toolkit.fluxcd.io/v2")],
        ["kind", str("HelmRelease")],
        ["metadata", metadata("sonarr", dice)],
        [
          "spec",
          map([
            ["interval", str("30m")],
            [
              "chart",
              map([
                [
                  "spec",
                  map([
                    ["chart", str("app-template")],
                    ["version", str("3.7.3", q(dice))],
                  ]),
                ],
              ]),
            ],
            [
              "values",
              map([
                [
                  "controllers",
                  map([
                    [
                      "sonarr",
                      map([
                        [
                          "pod",
                          map([["nodeSelector", map([["kubernetes.io/hostname", str("w1", q(dice))]])]]),
                        ],
                      ]),
                    ],
                  ]),
                ],
                ["persistence", map(persistence)],
              ]),
            ],
          ]),
        ],
      ]);
    }
    case "Kustomization":
      return map([
        ["apiVersion", str("kustomize.toolkit.fluxcd.io/v1")],
        ["kind", str("Kustomization")],
        [
          "metadata",
          map([
            ["name", str("sonarr", "plain", "app")],
            ["namespace", str("flux-system")],
          ]),
        ],
        [
          "spec",
          map([
            ["path", str("./kubernetes/apps/media/sonarr/app")],
            [
              "postBuild",
              map([
                [
                  "substitute",
                  map(
                    [
                      ["APP", { t: "alias", name: "app" }],
                      ["VOLSYNC_CLAIM", str("sonarr-config", q(dice))],
                      ["VOLSYNC_CAPACITY", str("5Gi")],
                    ],
                    dice.chance(0.3),
                  ),
                ],
              ]),
            ],
          ]),
        ],
      ]);
  }
}

function replicationDoc(
  kind: "ReplicationDestination" | "ReplicationSource",
  name: string,
  paused: string | undefined,
  dice: Dice,
): Y {
  const spec: [string, Y][] = [];
  if (paused !== undefined) spec.push(["paused", str(paused)]);
  spec.push(["trigger", map([["schedule", str("0 * * * *", "double")]])]);
  spec.push([
    kind === "ReplicationSource" ? "sourcePVC" : "destinationPVC",
    str(kind === "ReplicationSource" ? "sonarr-config-backup" : "sonarr-config-backup"),
  ]);
  spec.push([
    "rsyncTLS",
    map([
      ["copyMethod", str("Direct")],
      ["keySecret", str("volsync-sonarr")],
    ]),
  ]);
  if (paused !== undefined && dice.chance(0.5)) spec.reverse();
  return map([
    ["apiVersion", str("volsync.backube/v1alpha1")],
    ["kind", str(kind)],
    ["metadata", metadata(name, dice)],
    ["spec", map(spec)],
  ]);
}

const otherDoc = (dice: Dice): Y =>
  map([
    ["apiVersion", str("v1")],
    ["kind", str("ConfigMap")],
    [
      "metadata",
      map([
        ["name", str("sonarr-env")],
        ["labels", map([["a", str("b")]], true)],
      ]),
    ],
    [
      "data",
      map([
        ["NOTE", str("sonarr-config is the claim; w1 is the node", dice.pick(["single", "double"] as const))],
      ]),
    ],
  ]);

function render(docs: Y[], choice: Choice, dice: Dice): string {
  const style: Style = { unit: choice.unit, indentSeq: choice.indentSeq, commentRate: choice.commentRate };
  const lines: string[] = [];
  if (choice.directive) lines.push("%YAML 1.2");
  docs.forEach((doc, i) => {
    if (i > 0 || choice.leadingMarker || choice.directive)
      lines.push(dice.chance(0.2) ? `--- ${dice.pick(comments)}` : "---");
    if (dice.chance(choice.commentRate)) lines.push(dice.pick(comments));
    emitMap(doc as Extract<Y, { t: "map" }>, 0, dice, style, lines);
    if (choice.endMarkers && i < docs.length - 1) lines.push("...");
  });
  const eol = choice.crlf ? "\r\n" : "\n";
  return (choice.bom ? "\ufeff" : "") + lines.join(eol) + (choice.finalNewline ? eol : "");
}

const choiceArb: fc.Arbitrary<Choice> = fc.record({
  seed: fc.integer(),
  kinds: fc.uniqueArray(
    fc.constantFrom("Deployment", "StatefulSet", "CronJob", "Pod", "HelmRelease", "Kustomization", "Patch"),
    { minLength: 1, maxLength: 4 },
  ),
  replication: fc.boolean(),
  reverse: fc.boolean(),
  pausedPresent: fc.boolean(),
  files: fc.integer({ min: 1, max: 3 }),
  crlf: fc.boolean(),
  bom: fc.boolean(),
  finalNewline: fc.boolean(),
  directive: fc.boolean(),
  leadingMarker: fc.boolean(),
  endMarkers: fc.boolean(),
  unit: fc.constantFrom(2 as const, 4 as const),
  indentSeq: fc.boolean(),
  commentRate: fc.constantFrom(0, 0.2, 0.6),
});

/**
 * A repository of 1–3 files for one service, on primary. With `pausedAlways`, VolSync objects
 * always spell out `spec.paused` (the editor inserts it when absent, so only then is a round
 * trip byte-identical).
 */
export function generatedRepo({ pausedAlways }: { pausedAlways: boolean }): fc.Arbitrary<GeneratedRepo> {
  return choiceArb.map((choice) => {
    const dice = new Dice(choice.seed);
    const cache = choice.kinds.includes("Deployment") || choice.kinds.includes("StatefulSet");
    const docs: { doc: Y; edits: boolean }[] = choice.kinds.map((kind, i) => ({
      doc: documentFor(kind, dice, i === 0 && (kind === "Deployment" || kind === "StatefulSet"), cache),
      edits: i === 0 && (kind === "Deployment" || kind === "StatefulSet"),
    }));
    const replication: ReplicationRef[] = [];
    const pausedPresent = pausedAlways || choice.pausedPresent;
    if (choice.replication) {
      docs.push({
        doc: replicationDoc(
          "ReplicationDestination",
          "sonarr-config-backup",
          pausedPresent ? "false" : undefined,
          dice,
        ),
        edits: false,
      });
      replication.push({
        kind: "ReplicationDestination",
        name: "sonarr-config-backup",
        direction: "forward",
      });
    }
    if (choice.reverse) {
      docs.push({
        doc: replicationDoc("ReplicationSource", "sonarr-config-reverse", "true", dice),
        edits: false,
      });
      replication.push({ kind: "ReplicationSource", name: "sonarr-config-reverse", direction: "reverse" });
    }
    if (dice.chance(0.5))
      docs.splice(Math.floor(dice.next() * (docs.length + 1)), 0, { doc: otherDoc(dice), edits: false });
    const names = Array.from(
      { length: Math.min(choice.files, docs.length) },
      (_, i) => `apps/sonarr/part-${i}.yaml`,
    );
    const byFile = new Map<string, Y[]>(names.map((n) => [n, []]));
    const edits: ExplicitEdit[] = [];
    docs.forEach(({ doc, edits: hasEdit }, i) => {
      const file = names[i % names.length] as string;
      byFile.get(file)?.push(doc);
      if (hasEdit) {
        const kind = choice.kinds[0] as string;
        edits.push({
          file,
          select: { kind, name: "sonarr" },
          path: ["spec", "template", "spec", "containers", 0, "env", 0, "value"],
          pathText: "spec.template.spec.containers[0].env[0].value",
          primary: "w1",
          backup: "w2",
        });
      }
    });
    const files: Record<string, string> = {};
    for (const [file, list] of byFile) files[file] = render(list, choice, dice);
    const claims = [{ primary: "sonarr-config", backup: "sonarr-config-backup" }];
    if (cache) claims.push({ primary: "sonarr-cache", backup: "sonarr-cache-backup" });
    const spec = serviceSpec({ files: names, claims, replication, edits });
    return { files, spec, description: JSON.stringify({ ...choice, pausedPresent }) };
  });
}
