import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startApiServer, type ApiServer } from "../support/api-server.js";
import { createHomelabRemote } from "../support/homelab-remote.js";
import { startSshGitServer, type SshGitServer } from "../support/ssh-git-server.js";
import { runBin } from "../support/run-bin.js";
import { git } from "../support/test-git.js";

const cli = runBin;

/** The same commands through a running server (SPEC §8): same objects, same tables. */
describe("failover-api CLI, remote mode (--server)", () => {
  let ssh: SshGitServer;
  let api: ApiServer;

  beforeAll(async () => {
    ssh = await startSshGitServer();
    api = await startApiServer(ssh, await createHomelabRemote(ssh, "remote-cli"));
  });
  afterAll(async () => {
    await api.close();
    await ssh.stop();
  });

  it("prints the API's objects with -o json and the same tables as local mode", async () => {
    const json = await cli(["services", "-o", "json", "--server", api.base]);
    expect(json.code).toBe(0);
    const direct = await (await fetch(`${api.base}/api/services`)).json();
    expect(JSON.parse(json.stdout)).toEqual(direct);
    const table = await cli(["services"], { FAILOVER_API_URL: api.base });
    expect(table.stdout).toMatch(/^sonarr +media +primary +w1 +w1 +w2\s*$/m);
  });

  it("promotes through the server, then reports status and history", async () => {
    const dry = await cli(["promote", "sonarr", "--dry-run", "--server", api.base]);
    expect(dry.stdout).toContain("sonarr: promote primary -> backup (dry run, nothing written)");
    const real = await cli(["promote", "sonarr", "--reason", "remote", "-o", "json", "--server", api.base]);
    expect(real.code).toBe(0);
    const result = JSON.parse(real.stdout) as { commit: string; changed: boolean };
    expect(result.changed).toBe(true);
    expect(await git(["rev-parse", "main"], ssh.repoPath("remote-cli"))).toBe(result.commit);
    const status = await cli(["status", "sonarr", "--server", api.base]);
    expect(status.stdout.split("\n")[0]).toBe("sonarr (media): backup on w2");
    const history = await cli(["history", "sonarr", "-o", "json", "--server", api.base]);
    expect(JSON.parse(history.stdout)).toMatchObject({
      name: "sonarr",
      operations: [{ action: "promote", reason: "remote", actor: "anonymous" }],
    });
  });

  it("exits 1 for a refused operation and 2 for an unknown service, with the problem on stderr", async () => {
    const refused = await cli(["promote", "uptime-kuma", "--server", api.base]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain("409");
    expect(refused.stderr).toContain("flux-applies");
    const unknown = await cli(["promote", "nope", "--server", api.base]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain("404");
  });
});
