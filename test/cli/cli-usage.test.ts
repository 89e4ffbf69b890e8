import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runBin, stackFrame } from "../support/run-bin.js";

const where = ["FAILOVER_API_CONFIG", "FAILOVER_API_DATA_DIR", "FAILOVER_API_URL", "FAILOVER_API_TOKEN"];
const act = ["--dry-run", "--force", "--reason <text>"];

/** Every command and subcommand of SPEC §8 with what its help must mention. */
const commands: Record<string, string[]> = {
  serve: ["--config <file>", "FAILOVER_API_CONFIG", "--host <address>", "--port <port>"],
  demo: ["--host <address>", "--port <port>", "--keep"],
  services: [...where, "-o, --output <format>"],
  status: [...where, "-o, --output <format>", "<service>"],
  history: [...where, "-o, --output <format>", "--limit <n>"],
  promote: [...where, "-o, --output <format>", ...act],
  demote: [...where, "-o, --output <format>", ...act],
  evacuate: [...where, "-o, --output <format>", ...act, "<node>"],
  doctor: ["FAILOVER_API_CONFIG", "FAILOVER_API_DATA_DIR", "-o, --output <format>"],
  config: ["validate"],
  "config validate": ["FAILOVER_API_CONFIG", "[file]", "--no-file-checks"],
  completion: ["bash_completion.d"],
};

/** One line on standard error, nothing on standard output, no stack trace, exit 2. */
function expectUsageError(result: { code: number; stdout: string; stderr: string }, text: string) {
  expect(result.code, result.stderr).toBe(2);
  expect(result.stderr).not.toMatch(stackFrame);
  expect(result.stderr.trimEnd().split("\n"), result.stderr).toHaveLength(1);
  expect(result.stderr).toContain(text);
  expect(result.stdout).toBe("");
}

describe("failover-api usage, help and version", () => {
  it("--help lists every command, the exit codes and examples", async () => {
    const result = await runBin(["--help"]);
    expect(result.code).toBe(0);
    for (const name of Object.keys(commands).filter((c) => !c.includes(" "))) {
      expect(result.stdout).toMatch(new RegExp(`^  ${name} `, "m"));
    }
    expect(result.stdout).toContain("Exit codes: 0 success");
    expect(result.stdout).toContain("Examples:");
  });

  for (const [path, mentions] of Object.entries(commands)) {
    it(`${path} --help lists its options with their environment variables, and examples`, async () => {
      const result = await runBin([...path.split(" "), "--help"]);
      expect(result.code).toBe(0);
      expect(result.stdout).toContain(`Usage: failover-api ${path} `);
      for (const text of mentions) expect(result.stdout).toContain(text);
      expect(result.stdout).toContain("Examples:\n  $ failover-api ");
      expect(result.stderr).toBe("");
    });
  }

  it("help <command> is the command's --help", async () => {
    const viaHelp = await runBin(["help", "promote"]);
    expect(viaHelp.code).toBe(0);
    expect(viaHelp.stdout).toBe((await runBin(["promote", "--help"])).stdout);
  });

  it("--version prints the package version", async () => {
    const pkg = JSON.parse(readFileSync(join(import.meta.dirname, "../../package.json"), "utf8")) as {
      version: string;
    };
    for (const flag of ["--version", "-V"]) {
      const result = await runBin([flag]);
      expect(result).toMatchObject({ code: 0, stdout: `${pkg.version}\n` });
    }
  });

  it("an unknown option exits 2 with one line on every command, doctor and serve included", async () => {
    const runs = await Promise.all(
      Object.keys(commands).map(
        async (path) => [path, await runBin([...path.split(" "), "--bogus"])] as const,
      ),
    );
    for (const [path, result] of runs) {
      expectUsageError(result, `failover-api ${path}: unknown option '--bogus'`);
      expect(result.stderr).toContain(`see "failover-api ${path} --help"`);
    }
  });

  it("suggests the option or command that was probably meant", async () => {
    expectUsageError(await runBin(["promote", "sonarr", "--frce"]), "(did you mean --force?)");
    expectUsageError(await runBin(["promot", "sonarr"]), "unknown command 'promot' (did you mean promote?)");
    expectUsageError(await runBin(["history", "sonarr", "--limt", "5"]), "(did you mean --limit?)");
  });

  it("bad usage exits 2 with one line naming what is wrong", async () => {
    expectUsageError(await runBin(["promote"]), "missing required argument 'service'");
    expectUsageError(await runBin(["services", "extra"]), "too many arguments for 'services'");
    expectUsageError(await runBin(["services", "-o", "yaml"]), "argument 'yaml' is invalid");
    expectUsageError(await runBin(["history", "sonarr", "--limit", "0"]), "must be an integer from 1 to 200");
    expectUsageError(await runBin(["serve", "--port", "http"]), "must be an integer from 0 to 65535");
    expectUsageError(await runBin(["demo", "--port", "-1"]), "--port");
    expectUsageError(await runBin(["doctor", "--server", "http://127.0.0.1:8080"]), "/readyz");
    expectUsageError(await runBin(["services", "--token", "t0ken"]), "--token is for --server");
    expectUsageError(
      await runBin(["services", "--server", "127.0.0.1:1", "--data-dir", "/tmp/x"]),
      "--data-dir is for local mode",
    );
    expectUsageError(await runBin(["services", "--server", "ftp://h"]), "use an http:// or https:// URL");
  });

  it("no command, or a command group without its subcommand, shows help on stderr and exits 2", async () => {
    for (const args of [[], ["config"]]) {
      const result = await runBin(args);
      expect(result.code).toBe(2);
      expect(result.stderr).toContain("Usage: failover-api");
      expect(result.stderr).not.toMatch(stackFrame);
    }
  });
});
