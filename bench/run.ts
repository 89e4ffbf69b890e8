/**
 * SPEC §13 benchmark (`npm run bench`): every part in one run on one machine, with the load
 * average recorded, and the table of targets at the end. Parts: the Git operations against a
 * generated repository over SSH on loopback (bench/git-operations.ts), GET /api/services under
 * load, 100 event streams, the dashboard's first load, and promote → Flux applied on the test
 * control plane with the real Flux controllers.
 */
import { execFile } from "node:child_process";
import { readFile } from "node:fs/promises";
import { cpus, totalmem } from "node:os";
import { promisify } from "node:util";
import { loadAverage, type TargetRow } from "./bench-stats.js";
import { runDashboardLoadBench } from "./dashboard-load.js";
import { runFluxBench } from "./flux-apply.js";
import { runGitBench } from "./git-operations.js";
import { runEventsClientsBench } from "./http-events.js";
import { runHttpServicesBench } from "./http-services.js";

const execFileAsync = promisify(execFile);

async function machine(): Promise<Record<string, string>> {
  const cpuinfo = await readFile("/proc/cpuinfo", "utf8").catch(() => "");
  const model = /^model name\s*:\s*(.*)$/m.exec(cpuinfo)?.[1] ?? cpus()[0]?.model ?? "unknown";
  return {
    cpu: model,
    cores: String(cpus().length),
    memory: `${(totalmem() / 2 ** 30).toFixed(1)} GiB`,
    node: process.version,
    git: (await execFileAsync("git", ["--version"])).stdout.trim(),
    ssh: (await execFileAsync("ssh", ["-V"])).stderr.trim(),
    "load average at start": await loadAverage(),
    "started at": new Date().toISOString(),
  };
}

const parts = ["git", "http", "events", "web", "flux"] as const;

/** `bench/run.ts [git|http|events|web|flux] [--profile]`: every part by default, or one of them. */
async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const only = parts.find((p) => args.includes(p));
  const unknown = args.filter((a) => a !== only && a !== "--profile");
  if (unknown.length > 0)
    throw new Error(`usage: bench/run.ts [${parts.join("|")}] [--profile]; got ${unknown.join(" ")}`);
  const wanted = (part: (typeof parts)[number]) => only === undefined || only === part;
  const info = await machine();
  console.log("Machine");
  for (const [k, v] of Object.entries(info)) console.log(`  ${k.padEnd(22)} ${v}`);

  const targets: TargetRow[] = [];
  const loads: string[] = [];
  const run = async (part: (typeof parts)[number], bench: () => Promise<TargetRow[]>) => {
    if (!wanted(part)) return;
    const before = await loadAverage();
    targets.push(...(await bench()));
    loads.push(`${part}: ${before} → ${await loadAverage()}`);
  };
  await run("git", runGitBench);
  await run(
    "http",
    async () => (await runHttpServicesBench({ profile: args.includes("--profile") })).targets,
  );
  await run("events", runEventsClientsBench);
  await run("web", runDashboardLoadBench);
  await run("flux", runFluxBench);

  console.log("\nSPEC §13 targets");
  console.log(`  ${"metric".padEnd(46)} ${"measured".padEnd(12)} ${"target".padEnd(10)} met`);
  for (const [name, value, target, met] of targets)
    console.log(`  ${name.padEnd(46)} ${value.padEnd(12)} ${target.padEnd(10)} ${met ? "yes" : "NO"}`);
  console.log("\nLoad average (1/5/15 min) before → after each part");
  for (const line of loads) console.log(`  ${line}`);
  console.log(`Finished at ${new Date().toISOString()}`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
