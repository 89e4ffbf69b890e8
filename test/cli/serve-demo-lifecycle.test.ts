import { spawn } from "node:child_process";
import { createServer, type Server } from "node:net";
import { mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDemo, type DemoSetup } from "../../src/server/demo-setup.js";
import { bin, runBin, stackFrame } from "../support/run-bin.js";

/** Holds a port on 127.0.0.1, as another program would. */
function occupy(): Promise<{ port: number; server: Server }> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, "127.0.0.1", () => {
      const address = server.address();
      resolve({ port: typeof address === "object" && address !== null ? address.port : 0, server });
    });
  });
}

/** Starts the demo with its own TMPDIR, waits for its instructions, stops it with `signal`. */
async function runDemoUntil(signal: NodeJS.Signals, args: string[], tmp: string) {
  const child = spawn("node", [bin, "demo", "--port", "0", ...args], {
    env: { ...process.env, TMPDIR: tmp },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`demo did not start: ${stderr}`)), 60_000);
    child.stdout.on("data", (chunk: Buffer) => {
      stdout += chunk.toString();
      if (stdout.includes("Press Ctrl-C")) {
        clearTimeout(timer);
        resolve();
      }
    });
  });
  const during = await readdir(tmp);
  child.kill(signal);
  return { code: await exited, stdout, stderr: () => stderr, during };
}

describe("serve and demo: a busy port, and what the demo leaves on disk", () => {
  let busy: { port: number; server: Server };
  let demo: DemoSetup;

  beforeAll(async () => {
    busy = await occupy();
    // A valid configuration for serve: the demo's (a local repository, auth off).
    demo = await createDemo();
  });
  afterAll(async () => {
    await rm(demo.directory, { recursive: true, force: true });
    await new Promise<void>((resolve) => busy.server.close(() => resolve()));
  });

  it("serve on a taken port: exit 2, one line saying so and how to pick another, no stack trace", async () => {
    const result = await runBin([
      "serve",
      "--config",
      demo.configPath,
      "--host",
      "127.0.0.1",
      "--port",
      String(busy.port),
    ]);
    expect(result.code).toBe(2);
    expect(result.stderr).not.toMatch(stackFrame);
    expect(result.stderr).toContain(
      `failover-api: port ${busy.port} on 127.0.0.1 is already in use (another failover-api, or another server?); choose another port with --port (e.g. --port ${busy.port + 1}, or --port 0 for any free one)`,
    );
    expect(result.stdout).toBe("");
  });

  it("demo on a taken port: the same, with the npm form under npm start, and nothing left in TMPDIR", async () => {
    const tmp = await mkdtemp(join(tmpdir(), "failover-demo-tmp-"));
    const result = await runBin(["demo", "--port", String(busy.port)], {
      TMPDIR: tmp,
      npm_lifecycle_event: "start",
    });
    expect(result.code).toBe(2);
    expect(result.stderr).not.toMatch(stackFrame);
    expect(result.stderr).toContain(`port ${busy.port} on 127.0.0.1 is already in use`);
    expect(result.stderr).toContain("(through npm: npm start -- --port 8081)");
    expect(await readdir(tmp)).toEqual([]);
  });

  it("demo removes its temporary directory on Ctrl-C and on SIGTERM", async () => {
    for (const signal of ["SIGINT", "SIGTERM"] as const) {
      const tmp = await mkdtemp(join(tmpdir(), "failover-demo-tmp-"));
      const run = await runDemoUntil(signal, [], tmp);
      expect(
        run.during.some((name) => name.startsWith("failover-api-demo-")),
        signal,
      ).toBe(true);
      expect(run.stdout).toContain("(removed when the demo stops; --keep keeps it)");
      expect(run.code, run.stderr()).toBe(0);
      expect(await readdir(tmp), signal).toEqual([]);
    }
  });

  it("demo --keep keeps it and says where", async () => {
    const tmp = await mkdtemp(join(tmpdir(), "failover-demo-tmp-"));
    const run = await runDemoUntil("SIGINT", ["--keep"], tmp);
    expect(run.code, run.stderr()).toBe(0);
    const kept = (await readdir(tmp)).filter((name) => name.startsWith("failover-api-demo-"));
    expect(kept).toHaveLength(1);
    expect(run.stderr()).toContain(`failover-api demo: kept ${join(tmp, kept[0]!)}`);
    expect(await readdir(join(tmp, kept[0]!))).toEqual(
      expect.arrayContaining(["homelab.git", "failover-api.yaml"]),
    );
  });
});
