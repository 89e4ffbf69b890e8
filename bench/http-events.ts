/**
 * SPEC §13: 100 open `/api/events` clients cost ≤ 20 MB and do not slow `GET /api/services` (200
 * services) by more than 10 %.
 *
 * The real server runs as a child process (as in http-services.ts). `GET /api/services` is loaded
 * five times, interleaved: without clients (A1), with 100 event streams open and read (B), without
 * (A2), with (B2), without (A3); the mean of the Bs is compared with the mean of the As, so drift
 * on a shared machine cancels out. The memory cost is the
 * server's RSS at rest with the 100 streams open (their initial state sent) minus at rest with one
 * open (so the one-time cost of the first stream is not counted as per-stream), scaled to 100.
 *
 * Run alone: `node --import tsx bench/run.ts events`.
 */
import { request, type ClientRequest } from "node:http";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { createGunzip } from "node:zlib";
import { join } from "node:path";
import { generatedConfigText, generatedHomelabFiles } from "../test/support/generated-homelab.js";
import { startSshGitServer } from "../test/support/ssh-git-server.js";
import { load, memoryOf, type ServerChild, startServerChild, stopChild } from "./http-services.js";

const SERVICES = 200;
const CLIENTS = 100;
const CONNECTIONS = 32;
const WARMUP_SECONDS = 3;
const DURATION_SECONDS = 10;
const SETTLE_MS = 3000;

interface StreamClient {
  request: ClientRequest;
  /** Resolves once the initial state (snapshot + one event per service) has arrived. */
  initial: Promise<void>;
  bytes: () => number;
}

/**
 * One reader of the stream, asking for gzip as browsers do (so the server keeps a zlib state per
 * stream): counts the bytes received and the `event: service` blocks until every service has come.
 */
function openStream(base: string, services: number): StreamClient {
  let bytes = 0;
  let seen = 0;
  let resolveInitial: () => void = () => undefined;
  let rejectInitial: (error: Error) => void = () => undefined;
  const initial = new Promise<void>((resolve, reject) => {
    resolveInitial = resolve;
    rejectInitial = reject;
  });
  let tail = "";
  const req = request(
    `${base}/api/events`,
    { agent: false, headers: { "accept-encoding": "gzip" } },
    (res) => {
      if (res.statusCode !== 200 || res.headers["content-encoding"] !== "gzip")
        rejectInitial(new Error(`GET /api/events: ${res.statusCode} ${res.headers["content-encoding"]}`));
      res.on("data", (chunk: Buffer) => (bytes += chunk.length));
      const body = res.pipe(createGunzip());
      body.setEncoding("utf8");
      body.on("data", (chunk: string) => {
        const text = tail + chunk;
        seen += text.split("event: service\n").length - 1;
        tail = text.slice(-20);
        if (seen >= services) resolveInitial();
      });
    },
  );
  req.on("error", (error) => rejectInitial(error));
  req.end();
  return { request: req, initial, bytes: () => bytes };
}

const mb = (kb: number) => kb / 1024;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function clientsGauge(base: string): Promise<number> {
  const text = await (await fetch(`${base}/metrics`)).text();
  return Number(/^failover_events_clients (\d+)$/m.exec(text)?.[1] ?? NaN);
}

export async function runEventsClientsBench(): Promise<[string, string, string, boolean][]> {
  console.log(`\nEvents: ${CLIENTS} open /api/events clients vs GET /api/services (${SERVICES} services)`);
  const ssh = await startSshGitServer();
  const work = await mkdtemp(join(tmpdir(), "failover-bench-events-"));
  let server: ServerChild | undefined;
  let streams: StreamClient[] = [];
  try {
    await ssh.createBareRepo("events", generatedHomelabFiles(SERVICES));
    const configFile = join(work, "failover-api.yaml");
    await writeFile(
      configFile,
      generatedConfigText({
        services: SERVICES,
        url: ssh.url("events"),
        sshKeyFile: ssh.clientKeyFile,
        knownHostsFile: ssh.knownHostsFile,
        dataDir: join(work, "data"),
      }),
    );
    server = await startServerChild(configFile, join(work, "server.log"));
    const pid = server.child.pid!;
    const url = `${server.base}/api/services`;
    await load(url, CONNECTIONS, WARMUP_SECONDS);

    const a1 = await load(url, CONNECTIONS, DURATION_SECONDS);
    // One stream first: what the first one costs once (code paths, zlib) is not per stream.
    streams = [openStream(server.base, SERVICES)];
    await streams[0]!.initial;
    await sleep(SETTLE_MS);
    const rest0 = await memoryOf(pid);

    streams.push(...Array.from({ length: CLIENTS - 1 }, () => openStream(server!.base, SERVICES)));
    await Promise.all(streams.map((s) => s.initial));
    const gauge = await clientsGauge(server.base);
    const initialBytes = streams[0]!.bytes();
    await sleep(SETTLE_MS);
    const rest1 = await memoryOf(pid);

    const b = await load(url, CONNECTIONS, DURATION_SECONDS);
    const stillOpen = await clientsGauge(server.base);
    const closeAll = async () => {
      for (const s of streams) s.request.destroy();
      streams = [];
      await sleep(1000);
    };
    await closeAll();
    const a2 = await load(url, CONNECTIONS, DURATION_SECONDS);
    // A second round, so drift on a shared machine cancels out: B2 with streams, A3 without.
    streams = Array.from({ length: CLIENTS }, () => openStream(server!.base, SERVICES));
    await Promise.all(streams.map((s) => s.initial));
    const b2 = await load(url, CONNECTIONS, DURATION_SECONDS);
    await closeAll();
    const a3 = await load(url, CONNECTIONS, DURATION_SECONDS);

    const mean = (runs: (typeof a1)[]) => runs.reduce((n, r) => n + r.requests.average, 0) / runs.length;
    const baseline = mean([a1, a2, a3]);
    const slowdown = 1 - mean([b, b2]) / baseline;
    // The 99 added streams, scaled to 100.
    const costMb = (mb(rest1.rssKb - rest0.rssKb) * CLIENTS) / (CLIENTS - 1);
    const errors = [a1, b, a2, b2, a3].reduce((n, r) => n + r.errors + r.non2xx + r.timeouts, 0);
    const rows: [string, string][] = [
      [
        "A1 without clients",
        `${a1.requests.average.toFixed(0)} req/s, p50 ${a1.latency.p50} ms, p99 ${a1.latency.p99} ms`,
      ],
      [
        `B with ${CLIENTS} streams open`,
        `${b.requests.average.toFixed(0)} req/s, p50 ${b.latency.p50} ms, p99 ${b.latency.p99} ms`,
      ],
      [
        "A2 without clients",
        `${a2.requests.average.toFixed(0)} req/s, p50 ${a2.latency.p50} ms, p99 ${a2.latency.p99} ms`,
      ],
      [
        "B2 with streams / A3 without",
        `${b2.requests.average.toFixed(0)} / ${a3.requests.average.toFixed(0)} req/s (p99 ${b2.latency.p99} / ${a3.latency.p99} ms)`,
      ],
      ["slowdown: mean(B, B2) vs mean(A1, A2, A3)", `${(slowdown * 100).toFixed(1)} %`],
      ["failover_events_clients (after connect / after B)", `${gauge} / ${stillOpen}`],
      [
        "initial state per client (gzip on the wire)",
        `${(initialBytes / 1024).toFixed(0)} KiB (snapshot + ${SERVICES} service events)`,
      ],
      [
        "server RSS at rest: 1 stream / 100 streams",
        `${mb(rest0.rssKb).toFixed(1)} MB / ${mb(rest1.rssKb).toFixed(1)} MB`,
      ],
      [
        "memory cost of the streams",
        `${costMb.toFixed(1)} MB (${((costMb * 1024) / CLIENTS).toFixed(0)} KiB per client)`,
      ],
      ["errors / non-2xx / timeouts (all runs)", String(errors)],
    ];
    for (const [k, v] of rows) console.log(`  ${k.padEnd(50)} ${v}`);
    return [
      [
        `${CLIENTS} event streams: /api/services slowdown`,
        `${(slowdown * 100).toFixed(1)} %`,
        "<= 10 %",
        slowdown <= 0.1,
      ],
      [`${CLIENTS} event streams: memory`, `${costMb.toFixed(1)} MB`, "<= 20 MB", costMb <= 20],
      [
        `${CLIENTS} event streams: all open during B`,
        `${stillOpen}`,
        String(CLIENTS),
        stillOpen === CLIENTS && gauge === CLIENTS,
      ],
    ];
  } finally {
    for (const s of streams) s.request.destroy();
    if (server) await stopChild(server.child);
    await ssh.stop();
    await rm(work, { recursive: true, force: true, maxRetries: 5, retryDelay: 200 }).catch(() => undefined);
  }
}
