// Not a test: prints real CLI output of planned moves for docs/operations.md (scripted cluster facts).
import { execFile } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startPlannedWorld } from "./planned-world.js";
import { startSshGitServer } from "./ssh-git-server.js";
import { git } from "./test-git.js";

const bin = join(import.meta.dirname, "../../bin/failover-api.js");
const run = (args: string[]) =>
  new Promise<string>((resolve) =>
    execFile("node", [bin, ...args], (error, stdout, stderr) =>
      resolve(`$ failover-api ${args.join(" ")}\n${stdout}${stderr}(exit ${error ? String(error.code) : "0"})\n`),
    ),
  );
const ssh = await startSshGitServer();
const world = await startPlannedWorld(ssh, "docs");
world.live.runningOn("media", "sonarr", "w1");
const earlier = new Date(Date.now() - 3600_000).toISOString();
world.live.synced("media", "ReplicationSource", "sonarr-config", null, earlier);
world.live.synced("media", "ReplicationDestination", "sonarr-config-backup", null, earlier);
const base = await world.serve();
world.driver.start();
const dir = mkdtempSync(join(tmpdir(), "docs-"));
writeFileSync(join(dir, "config.yaml"), world.configText(join(dir, "data")));
const waiting = run(["promote", "sonarr", "--final-sync", "--wait", "--reason", "kernel update on w1", "--server", base]);
for (let i = 0; i < 600; i++) {
  await new Promise((r) => setTimeout(r, 300));
  const [step, id] = (await git(["log", "-1", "--format=%(trailers:key=Failover-Step,valueonly=true)%(trailers:key=Failover-Operation,valueonly=true)"], world.repo)).split("\n").filter(Boolean);
  await world.fluxApplies();
  if (step === "quiesce") world.live.stopped("media", "sonarr");
  if (step === "final-sync" && id) {
    await new Promise((r) => setTimeout(r, 2000));
    world.live.synced("media", "ReplicationSource", "sonarr-config", id, new Date().toISOString());
    world.live.synced("media", "ReplicationDestination", "sonarr-config-backup", id, new Date().toISOString());
  }
  if (step === "switch") {
    world.live.runningOn("media", "sonarr", "w2");
    break;
  }
}
console.log(await waiting);
console.log(await run(["operations", "--server", base]));
const started = await run(["demote", "sonarr", "--final-sync", "--server", base]);
console.log(started);
const id = /^([0-9a-f-]{36}) /m.exec(started)?.[1] ?? "";
console.log(await run(["abort", id, "--reason", "maintenance window closed", "--server", base]));
console.log(await run(["abort", id, "--server", base]));
console.log(await run(["promote", "sonarr", "--final-sync", "--config", join(dir, "config.yaml")]));
console.log(await git(["log", "--format=%s%n%b%n----", "-4", "main"], world.repo));
await world.close();
await ssh.stop();
