import { type Document, isAlias, isMap, isSeq, parseDocument, visit } from "yaml";
import type { z } from "zod";
import { parseDuration } from "../domain/duration.js";
import { parseEditPath } from "../domain/edit-path.js";
import { yamlNestingProblem } from "../domain/yaml-nesting.js";
import { FailoverError } from "../domain/failover-error.js";
import type { ExplicitEdit, QuiesceEdit, ServiceSpec } from "../domain/service-spec.js";
import type { AppConfig } from "./app-config.js";
import { resolveAutomation } from "./automation-settings.js";
import { branchNameProblem } from "./branch-name.js";
import { configSchema, type RawConfig, type RawService } from "./config-schema.js";
import { formatIssuePath } from "./format-issue-path.js";
import { repoPathProblem } from "../domain/repo-path.js";

/**
 * Parses and validates configuration text. Throws CONFIG_INVALID whose `details.errors` lists
 * every problem as `<path>: <reason>`, one per entry; nothing is partially applied.
 */
export function parseConfig(text: string, source: string): AppConfig {
  const nesting = yamlNestingProblem(text);
  if (nesting !== undefined) throw invalid(source, [nesting]);
  const doc = parseDocument(text, { prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length > 0) {
    const errors = doc.errors.map((e) => `${position(text, e.pos[0])}: ${e.message.split("\n")[0] ?? ""}`);
    throw invalid(source, errors);
  }
  let value: unknown;
  try {
    value = doc.toJS({ maxAliasCount: maxAliasExpansion });
  } catch {
    // The yaml library refuses to expand an alias bomb (and says nothing about where it is).
    throw invalid(source, [aliasBomb(doc, text)]);
  }
  const parsed = configSchema.safeParse(value ?? {});
  if (!parsed.success) throw invalid(source, parsed.error.issues.flatMap(describeIssue));
  const raw = parsed.data;
  const errors: string[] = [];
  const services = raw.services.map((s, i) => resolveService(raw, s, `services[${i}]`, errors));
  checkAcrossServices(raw, errors);
  checkGit(raw, errors);
  const automation = resolveAutomation(raw.automation, raw.cluster.enabled, errors);
  if (errors.length > 0) throw invalid(source, errors);
  return {
    source,
    git: {
      ...raw.git,
      fetchIntervalSeconds: parseDuration(raw.git.fetchInterval) ?? 30,
      operationTimeoutSeconds: parseDuration(raw.git.operationTimeout) ?? 60,
    },
    cluster: raw.cluster,
    auth: raw.auth,
    authConfigured: typeof value === "object" && value !== null && "auth" in value,
    automation,
    services,
  };
}

function position(text: string, offset: number): string {
  const before = text.slice(0, offset);
  const line = before.split("\n").length;
  const col = offset - before.lastIndexOf("\n");
  return `line ${line} column ${col}`;
}

/** Nodes an alias may expand to; a real configuration uses a handful of small anchors. */
const maxAliasExpansion = 100;

/** Names the first alias that expands to too much: where the alias bomb starts. */
function aliasBomb(doc: Document.Parsed, text: string): string {
  const sizes = new Map<unknown, number>();
  const size = (node: unknown, depth: number): number => {
    if (depth > 50) return Infinity;
    const known = sizes.get(node);
    if (known !== undefined) return known;
    let total = 1;
    if (isAlias(node)) total = size(node.resolve(doc), depth + 1);
    else if (isMap(node))
      for (const pair of node.items) total += size(pair.key, depth + 1) + size(pair.value, depth + 1);
    else if (isSeq(node)) for (const item of node.items) total += size(item, depth + 1);
    sizes.set(node, total);
    return total;
  };
  const uses = new Map<unknown, number>();
  let found: string | undefined;
  visit(doc, {
    Alias(_key, node) {
      const target = node.resolve(doc);
      const count = (uses.get(target) ?? 0) + 1;
      uses.set(target, count);
      const at = position(text, node.range?.[0] ?? 0);
      if (size(node, 0) > maxAliasExpansion)
        found = `${at}: alias *${node.source} expands to more than ${maxAliasExpansion} values (a YAML alias bomb?); write the values out instead`;
      else if (count > maxAliasExpansion)
        found = `${at}: anchor &${node.source} is used more than ${maxAliasExpansion} times; write the values out instead`;
      return found === undefined ? undefined : visit.BREAK;
    },
  });
  return (
    found ??
    `the aliases expand to more than ${maxAliasExpansion} values (a YAML alias bomb?); write the values out instead`
  );
}

function invalid(source: string, errors: string[]): FailoverError {
  const plural = errors.length === 1 ? "error" : "errors";
  return new FailoverError("CONFIG_INVALID", `${source}: ${errors.length} ${plural}\n${errors.join("\n")}`, {
    details: { file: source, errors },
  });
}

function describeIssue(issue: z.core.$ZodIssue): string[] {
  const at = formatIssuePath(issue.path);
  if (issue.code === "unrecognized_keys") {
    return issue.keys.map((k) => `${formatIssuePath([...issue.path, k])}: unknown key`);
  }
  if (issue.code === "invalid_type" && issue.message.includes("received undefined"))
    return [`${at}: required`];
  return [`${at}: ${issue.message.replace(/^Invalid (input|option): /, "")}`];
}

function resolveService(raw: RawConfig, s: RawService, at: string, errors: string[]): ServiceSpec {
  const primaryNode = s.primaryNode ?? raw.defaults.primaryNode;
  const backupNode = s.backupNode ?? raw.defaults.backupNode;
  if (primaryNode === undefined) errors.push(`${at}.primaryNode: required (no defaults.primaryNode either)`);
  if (backupNode === undefined) errors.push(`${at}.backupNode: required (no defaults.backupNode either)`);
  if (primaryNode !== undefined && primaryNode === backupNode) {
    errors.push(`${at}.backupNode: must differ from primaryNode (both are "${primaryNode}")`);
  }
  s.files.forEach((f, j) => {
    const problem = repoPathProblem(f);
    if (problem) errors.push(`${at}.files[${j}]: ${problem}`);
  });
  s.claims.forEach((c, j) => {
    if (c.primary === c.backup) errors.push(`${at}.claims[${j}]: primary and backup are both "${c.primary}"`);
  });
  const edits: ExplicitEdit[] = [];
  s.edits.forEach((e, j) => {
    const problem = repoPathProblem(e.file);
    if (problem) errors.push(`${at}.edits[${j}].file: ${problem}`);
    if (e.primary === e.backup) errors.push(`${at}.edits[${j}]: primary and backup are both "${e.primary}"`);
    const path = parseEditPath(e.path);
    if (typeof path === "string") errors.push(`${at}.edits[${j}].path: ${path}`);
    else
      edits.push({
        file: e.file,
        select: e.select,
        path,
        pathText: e.path,
        primary: e.primary,
        backup: e.backup,
      });
  });
  const quiesce: QuiesceEdit[] = [];
  s.quiesce.forEach((q, j) => {
    const problem = repoPathProblem(q.file);
    if (problem) errors.push(`${at}.quiesce[${j}].file: ${problem}`);
    if (q.running === q.stopped)
      errors.push(`${at}.quiesce[${j}]: running and stopped are both "${q.running}"`);
    const path = parseEditPath(q.path);
    if (typeof path === "string") errors.push(`${at}.quiesce[${j}].path: ${path}`);
    else quiesce.push({ ...q, path, pathText: q.path });
  });
  const seen = new Set<string>();
  s.replication.forEach((r, j) => {
    const key = `${r.kind}/${r.name}`;
    if (seen.has(key)) errors.push(`${at}.replication[${j}]: ${key} is listed twice`);
    seen.add(key);
  });
  return {
    name: s.name,
    namespace: s.namespace,
    workload: s.workload ?? { kind: "Deployment", name: s.name },
    files: s.files,
    claims: s.claims,
    primaryNode: primaryNode ?? "",
    backupNode: backupNode ?? "",
    maxReplicationAgeSeconds: parseDuration(s.maxReplicationAge ?? raw.defaults.maxReplicationAge) ?? 7200,
    replication: s.replication,
    edits,
    quiesce,
    finalSyncTimeoutSeconds: parseDuration(s.finalSyncTimeout ?? raw.defaults.finalSyncTimeout) ?? 1800,
    quiesceTimeoutSeconds: parseDuration(s.quiesceTimeout ?? raw.defaults.quiesceTimeout) ?? 300,
  };
}

function checkAcrossServices(raw: RawConfig, errors: string[]): void {
  const names = new Map<string, number>();
  const claims = new Map<string, string>();
  raw.services.forEach((s, i) => {
    const first = names.get(s.name);
    if (first !== undefined)
      errors.push(`services[${i}].name: duplicate service "${s.name}" (also services[${first}])`);
    else names.set(s.name, i);
    s.claims.forEach((c, j) => {
      for (const [side, claim] of [
        ["primary", c.primary],
        ["backup", c.backup],
      ] as const) {
        const key = `${s.namespace}/${claim}`;
        const owner = claims.get(key);
        if (owner !== undefined && owner !== s.name) {
          errors.push(
            `services[${i}].claims[${j}].${side}: claim "${claim}" is also used by service "${owner}"`,
          );
        } else claims.set(key, s.name);
      }
    });
  });
}

function checkGit(raw: RawConfig, errors: string[]): void {
  const branch = branchNameProblem(raw.git.branch);
  if (branch !== undefined)
    errors.push(`git.branch: ${JSON.stringify(raw.git.branch)} is not a valid Git branch name: ${branch}`);
  const url = raw.git.url;
  const isSsh = url.startsWith("ssh://") || /^[^/:@\s]+@[^/:\s]+:/.test(url);
  const known = isSsh || /^(https?|file):\/\//.test(url) || url.startsWith("/");
  if (!known)
    errors.push(`git.url: unsupported URL "${url}" (use ssh://, git@host:path, https:// or file://)`);
  if (isSsh && raw.git.sshKeyFile === undefined) errors.push("git.sshKeyFile: required for an ssh URL");
  if (isSsh && raw.git.knownHostsFile === undefined && !raw.git.insecureIgnoreHostKey) {
    errors.push("git.knownHostsFile: required for an ssh URL unless insecureIgnoreHostKey is true");
  }
}
