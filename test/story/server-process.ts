// failover-api as a real process (`node bin/failover-api.js serve`), so a test can kill it the way
// a node dies (SIGKILL: no graceful stop, the leader Lease is not given up).
import { spawn, type ChildProcess } from "node:child_process";
import { join } from "node:path";
import { freePort } from "../support/free-port.js";
import { waitFor } from "./wait-for.js";

const root = join(import.meta.dirname, "../..");

export interface ServerProcess {
  url: string;
  /** POD_NAME given to it: its leader Lease identity starts with this. */
  name: string;
  log: string[];
  kill(): Promise<void>;
  stop(): Promise<void>;
}

export async function startServerProcess(o: {
  configPath: string;
  kubeconfig: string;
  name: string;
  namespace: string;
}): Promise<ServerProcess> {
  const port = await freePort();
  const child: ChildProcess = spawn(
    "node",
    ["bin/failover-api.js", "serve", "--config", o.configPath, "--host", "127.0.0.1", "--port", String(port)],
    {
      cwd: root,
      stdio: ["ignore", "ignore", "pipe"],
      env: { ...process.env, KUBECONFIG: o.kubeconfig, POD_NAME: o.name, POD_NAMESPACE: o.namespace },
    },
  );
  const log: string[] = [];
  child.stderr?.on("data", (chunk: Buffer) => log.push(...chunk.toString().split("\n").filter(Boolean)));
  let exited = false;
  const exit = new Promise<void>((resolve) => child.once("exit", () => ((exited = true), resolve())));
  const kill = () => child.kill("SIGKILL");
  process.once("exit", kill);
  await waitFor(
    `failover-api (${o.name}) listening`,
    () => Promise.resolve(exited ? "exited" : log.some((l) => l.includes("Listening on"))),
    (v) => v === true || v === "exited",
    60_000,
  );
  if (exited) throw new Error(`failover-api (${o.name}) exited at start:\n${log.slice(-20).join("\n")}`);
  return {
    url: `http://127.0.0.1:${port}`,
    name: o.name,
    log,
    kill: async () => {
      process.off("exit", kill);
      kill();
      await exit;
    },
    stop: async () => {
      process.off("exit", kill);
      if (exited) return;
      child.kill("SIGTERM");
      const timer = setTimeout(kill, 15_000);
      await exit;
      clearTimeout(timer);
    },
  };
}
