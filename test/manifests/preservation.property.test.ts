import fc from "fast-check";
import { parseAllDocuments } from "yaml";
import { describe, expect, it } from "vitest";
import { serviceSpec } from "../support/service-spec.js";
import { switchFiles } from "../support/switch.js";

const comment = fc.stringMatching(/^[a-zA-Z0-9 :#'"-]{0,20}$/).map((t) => `# ${t}`);
const style = fc.constantFrom("plain", "double", "single", "flow", "anchor", "aliased");

interface Generated {
  text: string;
  claimStyle: string;
}

/** A Deployment with the claim written in a chosen style, surrounded by noise that must survive. */
const documentArb = fc
  .record({
    claimStyle: style,
    crlf: fc.boolean(),
    finalNewline: fc.boolean(),
    headerComments: fc.array(comment, { maxLength: 3 }),
    trailing: fc.option(comment, { nil: undefined }),
    blankLines: fc.nat({ max: 2 }),
    extraVolumes: fc.nat({ max: 3 }),
    leadingDoc: fc.boolean(),
  })
  .map((g): Generated => {
    const claim = {
      plain: "claimName: sonarr-config",
      double: 'claimName: "sonarr-config"',
      single: "claimName: 'sonarr-config'",
      flow: "claimName: sonarr-config",
      anchor: "claimName: &c sonarr-config",
      aliased: "claimName: &c sonarr-config",
    }[g.claimStyle];
    const trailing = g.trailing ? ` ${g.trailing}` : "";
    const volume =
      g.claimStyle === "flow"
        ? `        - persistentVolumeClaim: {${claim ?? ""}}${trailing}`
        : `        - name: config\n          persistentVolumeClaim:\n            ${claim ?? ""}${trailing}`;
    const extras = Array.from(
      { length: g.extraVolumes },
      (_, i) => `        - name: x${i}\n          emptyDir: {}`,
    );
    const alias = g.claimStyle === "aliased" ? ["        - persistentVolumeClaim: {claimName: *c}"] : [];
    const lines = [
      ...(g.leadingDoc ? ["apiVersion: v1", "kind: Service", "metadata: {name: sonarr}", "---"] : []),
      ...g.headerComments,
      "apiVersion: apps/v1",
      "kind: Deployment",
      "metadata:",
      "  name: sonarr # the app",
      ...Array.from({ length: g.blankLines }, () => ""),
      "spec:",
      "  template:",
      "    spec:",
      "      volumes:",
      ...extras,
      volume,
      ...alias,
    ];
    const eol = g.crlf ? "\r\n" : "\n";
    const text = lines.join("\n").replace(/\n/g, eol) + (g.finalNewline ? eol : "");
    return { text, claimStyle: g.claimStyle };
  });

function toJs(text: string): unknown[] {
  return parseAllDocuments(text).map((d) => d.toJS() as unknown);
}

describe("preservation (property)", () => {
  it("changes only the claim scalar's bytes, parses the same but for that value, and round-trips", () => {
    fc.assert(
      fc.property(documentArb, ({ text }) => {
        const spec = serviceSpec();
        const promoted = switchFiles(spec, { "app.yaml": text }, "backup");
        expect(promoted.analysis.refusals).toEqual([]);
        expect(promoted.plan.splices).toHaveLength(1);
        const splice = promoted.plan.splices[0]!;
        const after = promoted.after["app.yaml"]!;
        // Only the spliced range differs.
        expect(after.slice(0, splice.start)).toBe(text.slice(0, splice.start));
        expect(after.slice(splice.start + splice.text.length)).toBe(text.slice(splice.end));
        expect(after.slice(splice.start, splice.start + splice.text.length)).toBe(splice.text);
        // Same document except the claim value.
        const expected = JSON.stringify(toJs(text)).replaceAll('"sonarr-config"', '"sonarr-config-backup"');
        expect(JSON.stringify(toJs(after))).toBe(expected);
        // Demote restores the bytes exactly.
        const demoted = switchFiles(spec, { "app.yaml": after }, "primary");
        expect(demoted.after["app.yaml"]).toBe(text);
      }),
      { numRuns: 300 },
    );
  });
});
