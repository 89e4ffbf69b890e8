import { mkdtemp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse, stringify } from "yaml";
import { beforeAll, describe, expect, it } from "vitest";
import { homelabDir } from "../support/homelab.js";
import { runBin, stackFrame } from "../support/run-bin.js";
import { operatorToken, tokensYaml } from "../support/serve-config.js";

const privateKey =
  "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA\n-----END OPENSSH PRIVATE KEY-----\n";
const publicKey = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIKy0 flux\n";

/** `config validate` catches what would stop `serve`, naming the key; a missing config says how to give one. */
describe("config validate and a missing configuration", () => {
  let dir: string;
  let example: Record<string, unknown>;
  const write = async (name: string, git: Record<string, unknown>, auth?: Record<string, unknown>) => {
    const path = join(dir, name);
    const { auth: _ignored, ...rest } = example;
    await writeFile(path, stringify({ ...rest, git, ...(auth === undefined ? {} : { auth }) }));
    return path;
  };
  const sshGit = (files: Record<string, string>) => ({
    url: "ssh://git@127.0.0.1:2222/homelab.git",
    ...files,
  });

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "failover-validate-"));
    example = parse(await readFile(join(homelabDir, "failover-api.yaml"), "utf8")) as Record<string, unknown>;
    await writeFile(join(dir, "identity"), privateKey, { mode: 0o600 });
    await writeFile(join(dir, "identity.pub"), publicKey);
    await writeFile(join(dir, "known_hosts"), "[127.0.0.1]:2222 ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIKy0\n");
    await writeFile(join(dir, "tokens.yaml"), tokensYaml);
    await writeFile(
      join(dir, "short-tokens.yaml"),
      stringify([{ name: "ops", role: "operator", token: "short" }]),
    );
  });

  it("names every unreadable file by its key, and a missing auth section with both ways out", async () => {
    const config = await write(
      "missing-files.yaml",
      sshGit({
        sshKeyFile: join(dir, "nope", "identity"),
        knownHostsFile: join(dir, "nope", "known_hosts"),
      }),
    );
    const result = await runBin(["config", "validate", config]);
    expect(result.code).toBe(2);
    expect(result.stdout.trimEnd().split("\n")).toEqual([
      `git.sshKeyFile: ${join(dir, "nope", "identity")}: not found`,
      `git.knownHostsFile: ${join(dir, "nope", "known_hosts")}: not found`,
      "auth: missing, so token auth reads the default auth.tokensFile /etc/failover-api/auth/tokens.yaml: not found; set auth.tokensFile to your tokens file, or auth.mode: none to run without auth",
    ]);
    expect(result.stderr).toBe(`${config}: invalid (3 errors)\n`);
  });

  it("catches a public key, an empty known_hosts, an unreadable or invalid tokens file", async () => {
    await writeFile(join(dir, "empty_known_hosts"), "");
    const config = await write(
      "wrong-files.yaml",
      sshGit({ sshKeyFile: join(dir, "identity.pub"), knownHostsFile: join(dir, "empty_known_hosts") }),
      { mode: "token", tokensFile: join(dir, "short-tokens.yaml") },
    );
    const result = await runBin(["config", "validate", "--config", config]);
    expect(result.code).toBe(2);
    const lines = result.stdout.trimEnd().split("\n");
    expect(lines[0]).toBe(
      `git.sshKeyFile: ${join(dir, "identity.pub")} holds a public key; use the private key (Flux's "identity", not "identity.pub")`,
    );
    expect(lines[1]).toMatch(/^git\.knownHostsFile: .*empty_known_hosts is empty; add the remote's host key/);
    expect(lines[2]).toMatch(/^auth\.tokensFile: .*short-tokens\.yaml: \[0\]\.token: /);
    const unreadable = await write(
      "no-tokens.yaml",
      sshGit({ sshKeyFile: join(dir, "identity"), knownHostsFile: join(dir, "known_hosts") }),
      {
        mode: "token",
        tokensFile: join(dir, "absent.yaml"),
      },
    );
    const second = await runBin(["config", "validate", unreadable]);
    expect(second.stdout).toBe(
      `auth.tokensFile: ${join(dir, "absent.yaml")}: not found; or set auth.mode: none to run without auth\n`,
    );
  });

  it("passes a configuration whose files are all there; --no-file-checks checks the file alone", async () => {
    const good = await write(
      "good.yaml",
      sshGit({ sshKeyFile: join(dir, "identity"), knownHostsFile: join(dir, "known_hosts") }),
      {
        mode: "token",
        tokensFile: join(dir, "tokens.yaml"),
      },
    );
    const ok = await runBin(["config", "validate", good]);
    expect(ok).toMatchObject({ code: 0, stdout: `${good}: valid (31 services)\n` });
    expect(ok.stdout).not.toContain(operatorToken);
    const away = await write(
      "away.yaml",
      sshGit({
        sshKeyFile: "/etc/failover-api/git/identity",
        knownHostsFile: "/etc/failover-api/git/known_hosts",
      }),
    );
    const skipped = await runBin(["config", "validate", "--no-file-checks", away]);
    expect(skipped).toMatchObject({
      code: 0,
      stdout: `${away}: valid (31 services; the files it names were not checked)\n`,
    });
  });

  it("serve refuses the same problems at start, all at once, without a stack trace", async () => {
    const config = await write(
      "serve-missing.yaml",
      sshGit({
        sshKeyFile: join(dir, "nope", "identity"),
        knownHostsFile: join(dir, "known_hosts"),
      }),
      { mode: "token", tokensFile: join(dir, "absent.yaml") },
    );
    const result = await runBin(["serve", "--config", config, "--port", "0"]);
    expect(result.code).toBe(2);
    expect(result.stderr).not.toMatch(stackFrame);
    expect(result.stderr).toContain(
      `${config}: 2 errors\ngit.sshKeyFile: ${join(dir, "nope", "identity")}: not found\nauth.tokensFile: `,
    );
  });

  it("a missing configuration says --config, FAILOVER_API_CONFIG or --server, and where the path came from", async () => {
    const env = { FAILOVER_API_CONFIG: undefined, FAILOVER_API_URL: undefined };
    const byDefault = await runBin(["services"], env);
    expect(byDefault.code).toBe(2);
    expect(byDefault.stderr).toBe(
      "failover-api: no configuration file: /etc/failover-api/config.yaml (the default) does not exist; pass --config FILE or set FAILOVER_API_CONFIG, or use a running server with --server URL (FAILOVER_API_URL)\n",
    );
    const missing = join(dir, "absent-config.yaml");
    const viaEnv = await runBin(["doctor"], { ...env, FAILOVER_API_CONFIG: missing });
    expect(viaEnv).toMatchObject({ code: 2, stdout: "" });
    expect(viaEnv.stderr).toBe(
      `failover-api: ${missing} (from FAILOVER_API_CONFIG) does not exist; pass --config FILE or set FAILOVER_API_CONFIG\n`,
    );
    const viaFlag = await runBin(["serve", "--config", missing], env);
    expect(viaFlag.code).toBe(2);
    expect(viaFlag.stderr).toContain(`${missing} (from --config) does not exist`);
    const validate = await runBin(["config", "validate"], { ...env, FAILOVER_API_CONFIG: missing });
    expect(validate).toMatchObject({
      code: 2,
      stderr: `failover-api: ${missing} (from FAILOVER_API_CONFIG) does not exist; pass --config FILE or set FAILOVER_API_CONFIG\n`,
    });
  });
});
