import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parseConfig } from "../../src/config/parse-config.js";
import { runCli } from "../../src/cli/run-cli.js";
import { FailoverError } from "../../src/domain/failover-error.js";

const valid = `git:
  url: ssh://git@github.com/acme/homelab.git
  sshKeyFile: /etc/failover-api/git/identity
  knownHostsFile: /etc/failover-api/git/known_hosts
defaults:
  primaryNode: w1
  backupNode: w2
services:
  - name: sonarr
    namespace: media
    files: [apps/media/sonarr/deployment.yaml]
    claims:
      - { primary: sonarr-config, backup: sonarr-config-backup }
    replication:
      - { kind: ReplicationDestination, name: sonarr-config-backup, direction: forward }
  - name: radarr
    namespace: media
    primaryNode: w2
    backupNode: w1
    maxReplicationAge: 90m
    workload: { kind: HelmRelease, name: radarr }
    files: [apps/media/radarr/helmrelease.yaml]
    claims:
      - { primary: radarr-config, backup: radarr-config-backup }
    edits:
      - file: apps/media/radarr/helmrelease.yaml
        select: { kind: HelmRelease, name: radarr }
        path: spec.values.env["NODE.NAME"]
        primary: w2
        backup: w1
`;

function errorsOf(text: string): string[] {
  try {
    parseConfig(text, "config.yaml");
  } catch (error) {
    expect(error).toBeInstanceOf(FailoverError);
    const e = error as FailoverError;
    expect(e.code).toBe("CONFIG_INVALID");
    return e.details.errors as string[];
  }
  throw new Error("expected the configuration to be rejected");
}

describe("parseConfig", () => {
  it("applies defaults and per-service overrides", () => {
    const config = parseConfig(valid, "config.yaml");
    const [sonarr, radarr] = config.services;
    expect(sonarr).toMatchObject({
      primaryNode: "w1",
      backupNode: "w2",
      maxReplicationAgeSeconds: 7200,
      workload: { kind: "Deployment", name: "sonarr" },
    });
    expect(radarr).toMatchObject({ primaryNode: "w2", backupNode: "w1", maxReplicationAgeSeconds: 5400 });
    expect(radarr?.edits[0]?.path).toEqual(["spec", "values", "env", "NODE.NAME"]);
    expect(config.git).toMatchObject({ branch: "main", pushRetries: 5, dataDir: "/var/lib/failover-api" });
    expect(config.auth.mode).toBe("token");
    expect(config.cluster.enabled).toBe("auto");
  });

  it("names the path of a missing field and of an unknown key", () => {
    const text = valid.replace("backup: sonarr-config-backup }", "}").replace("  branch", "  brnach");
    expect(errorsOf(text.replace("knownHostsFile:", "knownHostFile:"))).toEqual([
      "git.knownHostFile: unknown key",
      "services[0].claims[0].backup: required",
    ]);
  });

  it("rejects duplicate names, shared claims, equal primary and backup, unsafe paths", () => {
    const text = valid
      .replace("radarr-config, backup: radarr-config-backup", "sonarr-config, backup: sonarr-config")
      .replace("namespace: media\n    primaryNode", "namespace: media\n    primaryNode")
      .replace("[apps/media/radarr/helmrelease.yaml]", "[/abs.yaml, ../up.yaml, a//b.yaml]")
      .replace("backupNode: w1", "backupNode: w2");
    expect(errorsOf(text)).toEqual([
      'services[1].backupNode: must differ from primaryNode (both are "w2")',
      'services[1].files[0]: "/abs.yaml" must be relative to the repository root',
      'services[1].files[1]: "../up.yaml" must not contain ".."',
      'services[1].files[2]: "a//b.yaml" has an empty path segment',
      'services[1].claims[0]: primary and backup are both "sonarr-config"',
      'services[1].claims[0].primary: claim "sonarr-config" is also used by service "sonarr"',
      'services[1].claims[0].backup: claim "sonarr-config" is also used by service "sonarr"',
    ]);
    expect(errorsOf(valid.replace("name: radarr\n", "name: sonarr\n"))).toEqual([
      'services[1].name: duplicate service "sonarr" (also services[0])',
    ]);
  });

  it("rejects bad names, durations, enums, edit paths and missing nodes", () => {
    const text = valid
      .replace("name: sonarr", "name: Sonarr_1")
      .replace("maxReplicationAge: 90m", "maxReplicationAge: soon")
      .replace("direction: forward", "direction: sideways")
      .replace('path: spec.values.env["NODE.NAME"]', "path: spec..values")
      .replace("defaults:\n  primaryNode: w1\n  backupNode: w2\n", "");
    expect(errorsOf(text)).toEqual([
      "services[0].name: must be a DNS-1123 label (lowercase letters, digits, '-')",
      'services[0].replication[0].direction: expected one of "forward"|"reverse"',
      "services[1].maxReplicationAge: must be a duration like 90s, 15m, 2h",
    ]);
    expect(errorsOf(valid.replace("defaults:\n  primaryNode: w1\n  backupNode: w2\n", ""))).toEqual([
      "services[0].primaryNode: required (no defaults.primaryNode either)",
      "services[0].backupNode: required (no defaults.backupNode either)",
    ]);
    expect(errorsOf(valid.replace('path: spec.values.env["NODE.NAME"]', "path: spec..values"))).toEqual([
      "services[1].edits[0].path: empty key at position 5",
    ]);
  });

  it("requires ssh credentials for an ssh URL and rejects unknown URL schemes", () => {
    expect(errorsOf(valid.replace(/ {2}sshKeyFile.*\n {2}knownHostsFile.*\n/, ""))).toEqual([
      "git.sshKeyFile: required for an ssh URL",
      "git.knownHostsFile: required for an ssh URL unless insecureIgnoreHostKey is true",
    ]);
    expect(errorsOf(valid.replace("ssh://git@github.com/acme/homelab.git", "ftp://x/y"))).toEqual([
      'git.url: unsupported URL "ftp://x/y" (use ssh://, git@host:path, https:// or file://)',
    ]);
  });

  it("reports YAML syntax errors with their line", () => {
    expect(errorsOf("git:\n  url: [\n")[0]).toMatch(/^line \d+ column \d+: /);
    expect(errorsOf("git: {url: a}\ngit: {url: b}\n")[0]).toMatch(
      /^line 2 column 1: Map keys must be unique/,
    );
  });
});

describe("failover-api config validate", () => {
  function run(args: string[]) {
    let out = "";
    let err = "";
    const io = {
      stdout: { write: (t: string) => (out += t) },
      stderr: { write: (t: string) => (err += t) },
      env: {},
    };
    return runCli(args, io, {
      openClient: () => Promise.reject(new Error("not used")),
      runDoctor: () => Promise.reject(new Error("not used")),
    }).then((code) => ({
      code,
      out,
      err,
    }));
  }

  it("exits 0 for a valid file and 2 with one error per line for an invalid one", async () => {
    const dir = mkdtempSync(join(tmpdir(), "cfg-"));
    writeFileSync(join(dir, "ok.yaml"), valid);
    writeFileSync(
      join(dir, "bad.yaml"),
      valid.replace("namespace: media", "namespace: media\n    colour: red"),
    );
    // The key and known_hosts paths of this configuration do not exist here: the file alone.
    const ok = await run(["config", "validate", "--no-file-checks", join(dir, "ok.yaml")]);
    expect(ok).toMatchObject({
      code: 0,
      out: `${join(dir, "ok.yaml")}: valid (2 services; the files it names were not checked)\n`,
    });
    const bad = await run(["config", "validate", join(dir, "bad.yaml")]);
    expect(bad.code).toBe(2);
    expect(bad.out).toBe("services[0].colour: unknown key\n");
    const missing = await run(["config", "validate", join(dir, "nope.yaml")]);
    expect(missing).toMatchObject({ code: 2, out: `${join(dir, "nope.yaml")}: file not found\n` });
  });
});
