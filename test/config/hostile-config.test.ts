import { execFile, spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { runCli } from "../../src/cli/run-cli.js";
import { branchNameProblem } from "../../src/config/branch-name.js";
import { parseConfig } from "../../src/config/parse-config.js";
import { repoPathProblem } from "../../src/domain/repo-path.js";
import { FailoverError } from "../../src/domain/failover-error.js";

const execFileAsync = promisify(execFile);
const bin = join(import.meta.dirname, "../../bin/failover-api.js");

const valid = `git:
  url: file:///srv/homelab.git
defaults: { primaryNode: w1, backupNode: w2 }
services:
  - name: sonarr
    namespace: media
    files: [apps/sonarr.yaml]
    claims: [{ primary: sonarr-config, backup: sonarr-config-backup }]
`;

const bomb = `git: { url: "file:///srv/homelab.git" }
lol1: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]
lol2: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]
lol3: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]
lol4: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]
lol5: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]
lol6: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]
`;

function errorsOf(text: string): string[] {
  try {
    parseConfig(text, "config.yaml");
  } catch (error) {
    expect(error).toBeInstanceOf(FailoverError);
    return (error as FailoverError).details.errors as string[];
  }
  throw new Error("expected the configuration to be rejected");
}

describe("hostile configuration files", () => {
  it("an alias bomb is one error naming the line, not an exception", () => {
    expect(errorsOf(bomb)).toEqual([
      "line 5 column 11: alias *c expands to more than 100 values (a YAML alias bomb?); write the values out instead",
    ]);
  });

  it("deep nesting is refused before parsing (the parser would take seconds and megabytes)", () => {
    expect(errorsOf(`git: ${"[".repeat(20000)}${"]".repeat(20000)}\n`)).toEqual([
      "line 1: flow collections nested 20000 deep, more than the 64 allowed",
    ]);
    expect(errorsOf(`git:\n  ${"- ".repeat(100)}x\n`)).toEqual([
      "line 2: collections nested 100 deep on one line, more than the 64 allowed",
    ]);
    expect(() => parseConfig(`${valid}# ${"[".repeat(60)}\n`, "c")).not.toThrow();
  });

  it("config validate and serve exit 2 on an alias bomb, naming file and line, with no stack trace", () => {
    const dir = mkdtempSync(join(tmpdir(), "bomb-"));
    const file = join(dir, "config.yaml");
    writeFileSync(file, bomb);
    for (const args of [
      ["config", "validate", file],
      ["serve", "--config", file, "--host", "127.0.0.1", "--port", "0"],
    ]) {
      const run = spawnSync("node", [bin, ...args], { encoding: "utf8", timeout: 60_000 });
      expect(run.status, args.join(" ")).toBe(2);
      const output = `${run.stdout}${run.stderr}`;
      expect(output).toContain(file);
      expect(output).toContain("line 5 column 11: alias *c expands");
      expect(output).not.toMatch(/^\s+at /m);
    }
  });

  it("a configuration larger than a ConfigMap can hold is refused without reading it all", async () => {
    const dir = mkdtempSync(join(tmpdir(), "huge-"));
    const file = join(dir, "config.yaml");
    writeFileSync(file, `${valid}# ${"x".repeat(2 * 1024 * 1024)}\n`);
    let out = "";
    const io = { stdout: { write: (t: string) => (out += t) }, stderr: { write: () => true }, env: {} };
    const deps = {
      openClient: () => Promise.reject(new Error("unused")),
      runDoctor: () => Promise.reject(new Error("unused")),
    };
    expect(await runCli(["config", "validate", file], io, deps)).toBe(2);
    expect(out).toMatch(/config\.yaml: is larger than 1048576 bytes/);
  });

  it("paths: control characters, .git in any segment (after normalisation), dot segments", () => {
    const text = valid.replace(
      "files: [apps/sonarr.yaml]",
      'files: ["apps/\\0x.yaml", ./.git/config, apps/.git/hooks/pre-commit, apps/.GIT/config, "./apps/sonarr.yaml", "apps/a\\tb.yaml"]',
    );
    expect(errorsOf(text)).toEqual([
      'services[0].files[0]: "apps/\\u0000x.yaml" contains the control character U+0000 at position 5',
      'services[0].files[1]: "./.git/config" points into .git, the repository\'s own metadata',
      'services[0].files[2]: "apps/.git/hooks/pre-commit" points into .git, the repository\'s own metadata',
      'services[0].files[3]: "apps/.GIT/config" points into .git, the repository\'s own metadata',
      'services[0].files[4]: "./apps/sonarr.yaml" must be written without "." segments: "apps/sonarr.yaml"',
      'services[0].files[5]: "apps/a\\tb.yaml" contains the control character U+0009 at position 6',
    ]);
    for (const ok of ["apps/sonarr.yaml", "a/.gitignore", "a/.github/x.yaml", "weird name/ü.yaml"])
      expect(repoPathProblem(ok), ok).toBeUndefined();
    for (const bad of [".git", "a/.git", ".git/", "a/.git./x", "a/GIT~1/x", "a\u0085b", "a\u007fb"])
      expect(repoPathProblem(bad), bad).toBeDefined();
  });

  it("git.branch is checked with Git's ref-name rules at load", () => {
    for (const [branch, why] of [
      ["--upload-pack=touch /tmp/x", "must not start with '-'"],
      ["main; rm -rf /", "must not contain a space"],
      ["main..other", "must not contain '..'"],
      ["feature/.hidden", "no part between '/' may start with '.'"],
      ["a@{1}", "must not contain '@{'"],
    ]) {
      expect(errorsOf(valid.replace("git:\n", `git:\n  branch: ${JSON.stringify(branch)}\n`))).toEqual([
        `git.branch: ${JSON.stringify(branch)} is not a valid Git branch name: ${why}`,
      ]);
    }
    expect(parseConfig(valid.replace("git:\n", "git:\n  branch: release/2024.1\n"), "c").git.branch).toBe(
      "release/2024.1",
    );
  });

  it("branch names: the same verdict as git check-ref-format --branch", async () => {
    const alphabet = [
      "a",
      "b",
      "/",
      ".",
      "-",
      "@",
      "{",
      "}",
      "~",
      "^",
      ":",
      "?",
      "*",
      "[",
      "\\",
      " ",
      "\t",
      "\u007f",
      "l",
      "o",
      "c",
      "k",
      "é",
      "H",
      "E",
      "A",
      "D",
    ];
    const names = fc
      .array(fc.constantFrom(...alphabet), { minLength: 1, maxLength: 10 })
      .map((a) => a.join(""));
    const samples = fc.sample(names, { numRuns: 250, seed: 15 });
    samples.push("HEAD", "@", "a.lock", "x/.lock", "a/b.lock/c", "-x", "a.", "refs/heads/main", "@{-1}");
    const mismatches: string[] = [];
    for (const name of samples) {
      const gitSays = await execFileAsync("git", ["check-ref-format", "--branch", name], {
        cwd: tmpdir(),
      }).then(
        () => true,
        () => false,
      );
      if (gitSays !== (branchNameProblem(name) === undefined)) mismatches.push(JSON.stringify(name));
    }
    expect(mismatches).toEqual([]);
  });
});
