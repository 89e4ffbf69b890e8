import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { plannedRepo, startPlannedWorld, type PlannedWorld } from "../support/planned-world.js";
import { runBin } from "../support/run-bin.js";
import { startSshGitServer, type SshGitServer } from "../support/ssh-git-server.js";
import { git } from "../support/test-git.js";

interface Op {
  id: string;
  state: string;
  step: string;
  steps: { name: string; state: string }[];
}

/**
 * The planned-move commands as real processes: through a server (whose driver this test
 * process runs, playing the cluster's part with scripted facts), and locally on Git alone.
 */
describe("failover-api CLI: --final-sync, --wait, operations, abort", () => {
  let ssh: SshGitServer;
  let world: PlannedWorld;
  let base: string;
  let config: string;
  let dataDir: string;

  beforeAll(async () => {
    ssh = await startSshGitServer();
    world = await startPlannedWorld(ssh, "planned-cli");
    world.live.runningOn("media", "sonarr", "w1");
    base = await world.serve();
    const dir = await mkdtemp(join(tmpdir(), "planned-cli-"));
    dataDir = join(dir, "data");
    config = join(dir, "config.yaml");
    await writeFile(config, world.configText(dataDir));
  });
  afterAll(async () => {
    await world.close();
    await ssh.stop();
  });

  it("promote --final-sync --wait prints each step as it happens and exits 0 when the move succeeded", async () => {
    world.driver.start();
    const run = runBin([
      "promote",
      "sonarr",
      "--final-sync",
      "--wait",
      "--reason",
      "kernel update",
      "--server",
      base,
    ]);
    // The cluster's part, as each step lands in Git.
    for (let i = 0; i < 600; i++) {
      await new Promise((r) => setTimeout(r, 50));
      const [step, id] = (
        await git(
          [
            "log",
            "-1",
            "--format=%(trailers:key=Failover-Step,valueonly=true)%(trailers:key=Failover-Operation,valueonly=true)",
          ],
          world.repo,
        )
      )
        .split("\n")
        .filter((l) => l !== "");
      await world.fluxApplies();
      if (step === "quiesce") world.live.stopped("media", "sonarr");
      if (step === "final-sync" && id) {
        world.live.synced("media", "ReplicationSource", "sonarr-config", id, new Date().toISOString());
        world.live.synced(
          "media",
          "ReplicationDestination",
          "sonarr-config-backup",
          id,
          new Date().toISOString(),
        );
      }
      if (step === "switch") {
        world.live.runningOn("media", "sonarr", "w2");
        break;
      }
    }
    const result = await run;
    expect(result.code, result.stderr).toBe(0);
    const lines = result.stdout.split("\n");
    expect(lines[0]).toMatch(/^[0-9a-f-]{36}: promote sonarr started$/);
    const order = [
      "quiesce: running",
      "quiesce: succeeded",
      "final-sync: running",
      "final-sync: succeeded",
      "switch: succeeded",
    ];
    const at = order.map((text) => lines.findIndex((l) => l.startsWith(text)));
    expect(at.every((i) => i > 0)).toBe(true);
    expect([...at].sort((a, b) => a - b)).toEqual(at);
    expect(result.stdout).toMatch(/: succeeded\n/);
    await world.driver.stop();
  });

  it("operations lists them newest first; operations <id> -o json is the API's object", async () => {
    const list = await runBin(["operations", "--server", base]);
    expect(list.code).toBe(0);
    expect(list.stdout.split("\n")[0]).toMatch(/^ID +ACTION +SERVICES +FINAL-SYNC +STATE +STEP +STARTED$/);
    expect(list.stdout).toMatch(/ promote +sonarr +yes +succeeded +switch /);
    const id = list.stdout.split("\n")[1]?.split(" ")[0] ?? "";
    const one = await runBin(["operations", id, "-o", "json", "--server", base]);
    expect(JSON.parse(one.stdout)).toEqual(await (await fetch(`${base}/api/operations/${id}`)).json());
    const unknown = await runBin(["operations", "00000000-0000-4000-8000-000000000000", "--server", base]);
    expect(unknown.code).toBe(2);
  });

  it("abort through the server rolls back; a second abort is refused (exit 1)", async () => {
    const started = await runBin(["demote", "sonarr", "--final-sync", "-o", "json", "--server", base]);
    expect(started.code, started.stderr).toBe(0);
    const op = JSON.parse(started.stdout) as Op;
    expect(op).toMatchObject({ state: "running", step: "quiesce" });
    const abort = await runBin(["abort", op.id, "--reason", "not today", "--server", base]);
    expect(abort.code, abort.stderr).toBe(0);
    expect(abort.stdout).toContain("rollback");
    const again = await runBin(["abort", op.id, "--server", base]);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain("nothing to abort");
  });

  it("locally: --final-sync is refused (no cluster) with what to do; operations and abort work from Git", async () => {
    const head = await world.remoteHead();
    const refused = await runBin([
      "promote",
      "sonarr",
      "--final-sync",
      "--config",
      config,
      "--data-dir",
      dataDir,
    ]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain("a final sync needs the cluster");
    expect(refused.stderr).toContain("use --server");
    expect(await world.remoteHead()).toBe(head);
    expect((await runBin(["promote", "sonarr", "--wait", "--config", config])).code).toBe(2);

    // A planned move whose server went away: abort it locally (break-glass), from Git alone.
    const started = JSON.parse(
      (await runBin(["demote", "sonarr", "--final-sync", "-o", "json", "--server", base])).stdout,
    ) as Op;
    const list = await runBin(["operations", "-o", "json", "--config", config, "--data-dir", dataDir]);
    const ops = (JSON.parse(list.stdout) as { operations: Op[] }).operations;
    expect(ops[0]).toMatchObject({ id: started.id, state: "running", step: "quiesce" });
    const abort = await runBin(["abort", started.id, "--config", config, "--data-dir", dataDir]);
    expect(abort.code, abort.stderr).toBe(0);
    const actor = await git(
      ["log", "-1", "--format=%(trailers:key=Failover-Error,valueonly)", "main"],
      world.repo,
    );
    expect(actor).toMatch(/^aborted by cli:/);
    expect(await world.remoteFile("apps/sonarr/deployment.yaml")).toBe(
      plannedRepo["apps/sonarr/deployment.yaml"]!.replace(
        "claimName: sonarr-config #",
        "claimName: sonarr-config-backup #",
      ),
    );
  });
});
