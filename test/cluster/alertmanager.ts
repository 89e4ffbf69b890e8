// A real Prometheus Alertmanager for tests (built by components/alertmanager.sh), on loopback,
// with one webhook receiver pointed at failover-api. Its grouping, group_interval re-sends,
// repeat_interval re-sends and retries after a failed delivery are what the webhook must survive.
import { spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { existsSync, openSync, closeSync, readFileSync } from "node:fs";
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { stringify } from "yaml";
import { freePort } from "../support/free-port.js";
import { defaultBinDir, type ControlPlane } from "./control-plane.js";

/** Keep in sync with ALERTMANAGER_VERSION in components/alertmanager.sh. */
export const ALERTMANAGER_VERSION = "v0.31.1";

export interface AlertmanagerOptions {
  /** The webhook receiver's URL (failover-api's POST /api/webhooks/alertmanager). */
  webhookUrl: string;
  /** Sent as `Authorization: Bearer <token>` (http_config.authorization). */
  token?: string;
  groupBy?: string[];
  /** Durations in Alertmanager's syntax; seconds make a test quick. */
  groupWait?: string;
  groupInterval?: string;
  repeatInterval?: string;
  binDir?: string;
}

export interface PostedAlert {
  labels: Record<string, string>;
  annotations?: Record<string, string>;
  startsAt?: string;
  /** In the past: the alert is resolved. */
  endsAt?: string;
}

export interface Alertmanager {
  /** http://127.0.0.1:<port> */
  url: string;
  logPath: string;
  /** POST /api/v2/alerts, as Prometheus does. */
  postAlerts(alerts: PostedAlert[]): Promise<void>;
  stop(): Promise<void>;
}

export async function startAlertmanager(cp: ControlPlane, o: AlertmanagerOptions): Promise<Alertmanager> {
  const bin = join(o.binDir ?? defaultBinDir(), `alertmanager-${ALERTMANAGER_VERSION}`);
  if (!existsSync(bin)) {
    throw new Error(
      `${bin} not found: run test/cluster/build.sh (npm run test:cluster does) to build Alertmanager`,
    );
  }
  const dir = join(cp.dir, `alertmanager-${Date.now()}`);
  await mkdir(join(dir, "data"), { recursive: true });
  const configFile = join(dir, "alertmanager.yml");
  await writeFile(
    configFile,
    stringify({
      route: {
        receiver: "failover-api",
        group_by: o.groupBy ?? ["alertname", "node"],
        group_wait: o.groupWait ?? "1s",
        group_interval: o.groupInterval ?? "1s",
        repeat_interval: o.repeatInterval ?? "2s",
      },
      receivers: [
        {
          name: "failover-api",
          webhook_configs: [
            {
              url: o.webhookUrl,
              send_resolved: true,
              ...(o.token
                ? { http_config: { authorization: { type: "Bearer", credentials: o.token } } }
                : {}),
            },
          ],
        },
      ],
    }),
  );
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const logPath = join(dir, "alertmanager.log");
  const fd = openSync(logPath, "a");
  const child: ChildProcess = spawn(
    bin,
    [
      `--config.file=${configFile}`,
      `--storage.path=${join(dir, "data")}`,
      `--web.listen-address=127.0.0.1:${port}`,
      // No HA gossip listener (it would bind 0.0.0.0:9094): one instance, loopback only.
      "--cluster.listen-address=",
      "--log.level=debug",
    ],
    { stdio: ["ignore", fd, fd] },
  );
  closeSync(fd);
  let exited = false;
  const exit = once(child, "exit").then(() => (exited = true));
  const kill = () => child.kill("SIGKILL");
  process.once("exit", kill);
  const stop = async () => {
    process.off("exit", kill);
    if (!exited) {
      child.kill("SIGTERM");
      const timer = setTimeout(kill, 5000);
      await exit;
      clearTimeout(timer);
    }
  };
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (exited)
      throw new Error(`alertmanager exited at start; log:\n${readFileSync(logPath, "utf8").slice(-3000)}`);
    const ready = await fetch(`${url}/-/ready`).then(
      (r) => r.status === 200,
      () => false,
    );
    if (ready) break;
    if (Date.now() > deadline) {
      await stop();
      throw new Error(
        `alertmanager not ready after 30 s; log:\n${readFileSync(logPath, "utf8").slice(-3000)}`,
      );
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    url,
    logPath,
    async postAlerts(alerts) {
      const response = await fetch(`${url}/api/v2/alerts`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(alerts),
      });
      if (response.status !== 200) {
        throw new Error(`POST /api/v2/alerts: ${response.status} ${await response.text()}`);
      }
    },
    stop,
  };
}
