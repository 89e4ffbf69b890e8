import { execFile } from "node:child_process";
import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { runBin } from "../support/run-bin.js";

/** Runs the generated completion function in a real bash for the words typed so far. */
function complete(script: string, words: string[]): Promise<string[]> {
  const program = [
    `source ${JSON.stringify(script)}`,
    `COMP_WORDS=(${words.map((w) => JSON.stringify(w)).join(" ")})`,
    `COMP_CWORD=${words.length - 1}`,
    "_failover_api",
    'printf "%s\\n" "${COMPREPLY[@]}"',
  ].join("\n");
  return new Promise((resolve, reject) => {
    execFile("bash", ["-c", program], (error, stdout) => {
      if (error) reject(new Error(error.message));
      else resolve(stdout.split("\n").filter((l) => l !== ""));
    });
  });
}

describe("failover-api completion", () => {
  let script: string;

  beforeAll(async () => {
    const result = await runBin(["completion"]);
    expect(result.code).toBe(0);
    script = join(await mkdtemp(join(tmpdir(), "failover-completion-")), "failover-api.bash");
    await writeFile(script, result.stdout);
  });

  it("completes commands, subcommands, options and option values from the command tree", async () => {
    expect(await complete(script, ["failover-api", "pro"])).toEqual(["promote"]);
    expect(await complete(script, ["failover-api", "promote", "sonarr", "--dr"])).toEqual(["--dry-run"]);
    expect(await complete(script, ["failover-api", "history", "sonarr", "--l"])).toEqual(["--limit"]);
    expect(await complete(script, ["failover-api", "services", "-o", ""])).toEqual(["table", "json"]);
    expect(await complete(script, ["failover-api", "config", "v"])).toEqual(["validate"]);
    expect(await complete(script, ["failover-api", "config", "validate", "--no"])).toEqual([
      "--no-file-checks",
    ]);
    expect(await complete(script, ["failover-api", "demo", "--k"])).toEqual(["--keep"]);
    expect(await complete(script, ["failover-api", "--v"])).toEqual(["--version"]);
  });

  it("offers no hidden option", async () => {
    expect(await complete(script, ["failover-api", "doctor", "--s"])).toEqual([]);
  });
});
