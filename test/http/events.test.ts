/* eslint-disable @typescript-eslint/no-explicit-any, @typescript-eslint/no-unsafe-call, @typescript-eslint/no-unsafe-return -- event payloads are JSON, probed by the assertions */
import { randomUUID } from "node:crypto";
import { request } from "node:http";
import { connect, type Socket } from "node:net";
import { createGunzip } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startApiServer, type ApiServer } from "../support/api-server.js";
import { createHomelabRemote, homelabOperations } from "../support/homelab-remote.js";
import { eventually } from "../support/serve-config.js";
import { SseClient } from "../support/sse-client.js";
import { startSshGitServer, type SshGitServer } from "../support/ssh-git-server.js";
import { git } from "../support/test-git.js";

const clientsGauge = async (api: ApiServer) =>
  Number(/^failover_events_clients (\d+)$/m.exec(await (await fetch(`${api.base}/metrics`)).text())?.[1]);

/** Reads the initial burst: the snapshot, then a service event per service (and operations). */
async function initialState(client: SseClient) {
  const first = await client.nextEvent();
  expect(first.event).toBe("snapshot");
  const snapshot = JSON.parse(first.data) as { services: { name: string; role: string }[]; revision: string };
  const services = new Map<string, any>();
  while (services.size < snapshot.services.length) {
    const e = await client.nextEvent();
    expect(e.id).toBe(first.id);
    if (e.event === "service") services.set(JSON.parse(e.data).name, JSON.parse(e.data));
  }
  return { id: first.id, snapshot, services };
}

/** A client that asks for the stream and then never reads: the kernel buffers fill, then ours. */
function stuckClient(base: string): Promise<{ socket: Socket; closed: Promise<void> }> {
  const { hostname, port } = new URL(base);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname, () => {
      socket.write(
        `GET /api/events HTTP/1.1\r\nHost: ${hostname}:${port}\r\nAccept: text/event-stream\r\n\r\n`,
      );
    });
    const closed = new Promise<void>((r) => socket.once("close", () => r()));
    socket.on("error", () => undefined); // a reset is how the server lets go of it
    socket.once("data", (chunk: Buffer) => {
      if (!chunk.toString().startsWith("HTTP/1.1 200")) reject(new Error(chunk.toString()));
      socket.pause();
      resolve({ socket, closed });
    });
  });
}

/** Big events, a few at a time, until the hub has dropped every client or `max` were sent. */
async function flood(api: ApiServer, max: number, stop: () => boolean): Promise<number> {
  const payload = { padding: "x".repeat(256 * 1024) };
  let sent = 0;
  while (sent < max && !stop()) {
    // A transport test: any payload will do, the hub serialises and queues it like any event.
    api.events.publish("operation", `operation:flood-${sent}`, { ...payload, n: sent });
    sent++;
    await new Promise((r) => setTimeout(r, 5));
  }
  return sent;
}

describe("GET /api/events over a real server and SSH remote", () => {
  let ssh: SshGitServer;
  let api: ApiServer;
  const remoteHead = () => git(["rev-parse", "main"], ssh.repoPath("events"));

  beforeAll(async () => {
    ssh = await startSshGitServer();
    api = await startApiServer(ssh, await createHomelabRemote(ssh, "events"), {
      events: { heartbeatMs: 400 },
    });
  });
  afterAll(async () => {
    await api.close();
    await ssh.stop();
  });

  it("starts with the snapshot, then every service's status; headers for a stream", async () => {
    const client = await SseClient.open(`${api.base}/api/events`);
    try {
      expect(client.response.status).toBe(200);
      expect(client.response.headers.get("content-type")).toBe("text/event-stream");
      expect(client.response.headers.get("cache-control")).toBe("no-cache");
      expect(client.response.headers.get("x-accel-buffering")).toBe("no");
      expect((await client.next()).retry).toBe(2000);
      const { snapshot, services } = await initialState(client);
      const list = (await (await fetch(`${api.base}/api/services`)).json()) as { revision: string };
      expect(snapshot).toEqual(list);
      expect(snapshot.revision).toBe(await remoteHead());
      expect(services.size).toBeGreaterThanOrEqual(24);
      const sonarr = (await (await fetch(`${api.base}/api/failover/sonarr/status`)).json()) as object;
      expect(services.get("sonarr")).toEqual(sonarr);
      await eventually(
        () => clientsGauge(api),
        (n) => n === 1,
      );
      expect(await clientsGauge(api)).toBe(1);
    } finally {
      client.close();
    }
    expect(
      await eventually(
        () => clientsGauge(api),
        (n) => n === 0,
      ),
    ).toBe(0);
  });

  it("sends the operation's steps, the new snapshot and the changed service on a promote; resumes after Last-Event-ID", async () => {
    const client = await SseClient.open(`${api.base}/api/events`);
    const { id: before } = await initialState(client);
    const response = await fetch(`${api.base}/api/failover/sonarr/promote`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-request-id": randomUUID() },
      body: JSON.stringify({ reason: "events test" }),
    });
    expect(response.status).toBe(200);
    const result = (await response.json()) as { commit: string };
    const requestId = response.headers.get("x-request-id");
    const seen = await client.until((e) => e.event === "operation" && e.data.state !== "running");
    client.close();
    const head = await remoteHead();
    expect(result.commit).toBe(head);

    const running = seen.find((e) => e.event === "operation" && e.data.state === "running")!;
    expect(running.data).toMatchObject({
      id: requestId,
      action: "promote",
      services: ["sonarr"],
      finalSync: false,
      step: "switch",
      steps: [{ name: "switch", state: "running", commit: null }],
      reason: "events test",
    });
    const done = seen.at(-1)!;
    expect(done.data).toMatchObject({
      id: requestId,
      state: "succeeded",
      steps: [{ name: "switch", state: "succeeded", commit: head }],
      error: null,
    });
    const snapshot = seen.find((e) => e.event === "snapshot")!;
    expect(snapshot.data.revision).toBe(head);
    expect(snapshot.data.services.find((s: any) => s.name === "sonarr").role).toBe("backup");
    const changed = seen.filter((e) => e.event === "service").map((e) => e.data);
    expect(changed.map((s) => s.name)).toContain("sonarr");
    expect(changed.find((s) => s.name === "sonarr")).toMatchObject({ role: "backup", activeNode: "w2" });
    // Ids grow, one per event.
    const seqs = seen.map((e) => Number(e.id.split("-")[1]));
    expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
    expect(new Set(seqs).size).toBe(seqs.length);

    // Resume: exactly what was missed since `before`, in order, nothing else.
    const resumed = await SseClient.open(`${api.base}/api/events`, { "last-event-id": before });
    expect((await resumed.next()).retry).toBe(2000);
    const replay = await resumed.until((e) => e.id === seen.at(-1)!.id);
    expect(replay.map((e) => [e.event, e.id])).toEqual(seen.map((e) => [e.event, e.id]));
    expect((await resumed.next(5000)).comment).toBe("heartbeat");
    resumed.close();

    // Up to date: nothing to replay, only heartbeats.
    const current = await SseClient.open(`${api.base}/api/events`, { "last-event-id": seen.at(-1)!.id });
    await current.next();
    expect(await current.next(5000)).toEqual({ comment: "heartbeat" });
    current.close();

    // An id of another process (or garbage): the full state again, snapshot first.
    for (const id of ["0123456789ab-3", "not an id"]) {
      const fresh = await SseClient.open(`${api.base}/api/events`, { "last-event-id": id });
      const state = await initialState(fresh);
      expect(state.snapshot.revision).toBe(head);
      expect(state.services.get("sonarr").role).toBe("backup");
      fresh.close();
    }
  });

  it("announces an operation another writer committed, when a fetch finds it", async () => {
    const client = await SseClient.open(`${api.base}/api/events`);
    await initialState(client);
    const other = await homelabOperations(ssh, ssh.url("events"));
    const requestId = randomUUID();
    const pushed = await other.operations.switchService("radarr", "promote", {
      actor: "cli:breakglass",
      requestId,
      reason: "from another replica",
    });
    await api.operations.refresh(); // what the periodic fetch does
    const seen = await client.until((e) => e.event === "operation" && e.data.id === requestId);
    client.close();
    expect(seen.at(-1)!.data).toMatchObject({
      action: "promote",
      services: ["radarr"],
      state: "succeeded",
      actor: "cli:breakglass",
      reason: "from another replica",
      steps: [{ name: "switch", state: "succeeded", commit: pushed.commit }],
    });
    expect(
      seen.some((e) => e.event === "service" && e.data.name === "radarr" && e.data.role === "backup"),
    ).toBe(true);
  });

  it("reports a refused operation as failed, with the reason", async () => {
    const client = await SseClient.open(`${api.base}/api/events`);
    await initialState(client);
    const response = await fetch(`${api.base}/api/failover/uptime-kuma/promote`, { method: "POST" });
    expect(response.status).toBe(409);
    const seen = await client.until((e) => e.event === "operation" && e.data.state === "failed");
    client.close();
    expect(seen.at(-1)!.data).toMatchObject({
      action: "promote",
      services: ["uptime-kuma"],
      state: "failed",
    });
    expect(seen.at(-1)!.data.error).toContain("flux-applies");
  });

  it("compresses the stream for a client that accepts gzip, each event flushed at once", async () => {
    const open = (encoding: string | undefined) =>
      new Promise<{ encoding: string | undefined; text: () => string; close: () => void }>((resolve) => {
        let text = "";
        const req = request(
          `${api.base}/api/events`,
          { headers: encoding ? { "accept-encoding": encoding } : {} },
          (res) => {
            const body = res.headers["content-encoding"] === "gzip" ? res.pipe(createGunzip()) : res;
            body.on("data", (chunk: Buffer) => (text += chunk.toString("utf8")));
            body.on("error", () => undefined);
            resolve({
              encoding: res.headers["content-encoding"],
              text: () => text,
              close: () => req.destroy(),
            });
          },
        );
        req.on("error", () => undefined);
        req.end();
      });
    const gzip = await open("gzip, deflate, br");
    const plain = await open(undefined);
    try {
      expect(gzip.encoding).toBe("gzip");
      expect(plain.encoding).toBeUndefined();
      // Both get the whole initial state, and a heartbeat after it: nothing waits in a buffer.
      for (const client of [gzip, plain]) {
        await eventually(
          () => Promise.resolve(client.text()),
          (t) => t.includes(": heartbeat"),
          5000,
        );
        expect(client.text()).toContain("event: snapshot");
        expect(client.text().split("event: service").length - 1).toBeGreaterThanOrEqual(24);
      }
    } finally {
      gzip.close();
      plain.close();
    }
  });

  it("refuses other methods, unknown parameters, and a missing token where reads need one", async () => {
    const post = await fetch(`${api.base}/api/events`, { method: "POST" });
    expect(post.status).toBe(405);
    expect(post.headers.get("allow")).toBe("GET");
    const unknown = await fetch(`${api.base}/api/events?since=3`);
    expect(unknown.status).toBe(400);
    expect(((await unknown.json()) as { detail: string }).detail).toContain("since");

    const saved = api.config;
    api.config = { ...saved, auth: { ...saved.auth, mode: "token", readRequiresToken: true } };
    api.tokens = [{ name: "grafana", role: "viewer", token: "viewer-token-0123456789abcdef" }];
    try {
      const anonymous = await fetch(`${api.base}/api/events`);
      expect(anonymous.status).toBe(401);
      expect(anonymous.headers.get("content-type")).toContain("application/problem+json");
      const viewer = await SseClient.open(`${api.base}/api/events`, {
        authorization: "Bearer viewer-token-0123456789abcdef",
      });
      expect(viewer.response.status).toBe(200);
      await initialState(viewer);
      viewer.close();
    } finally {
      api.config = saved;
      api.tokens = [];
    }
  });
});

describe("slow events clients", () => {
  let ssh: SshGitServer;
  beforeAll(async () => {
    ssh = await startSshGitServer();
  });
  afterAll(async () => ssh.stop());

  it("drops a client that falls more than maxQueuedEvents behind, and keeps serving the others", async () => {
    const dropped: string[] = [];
    const api = await startApiServer(ssh, await createHomelabRemote(ssh, "slow"), {
      events: { maxQueuedEvents: 8, heartbeatMs: 60_000, onDropped: (reason) => dropped.push(reason) },
    });
    try {
      const stuck = await stuckClient(api.base);
      expect(
        await eventually(
          () => Promise.resolve(api.events.clients),
          (n) => n === 1,
        ),
      ).toBe(1);
      const sent = await flood(api, 800, () => api.events.clients === 0);
      expect(api.events.clients, `still connected after ${sent} events of 256 KiB`).toBe(0);
      expect(await clientsGauge(api)).toBe(0);
      expect(dropped).toEqual(["slow"]);
      stuck.socket.resume();
      await stuck.closed; // the server let go of the connection
      // The stream still works for a client that reads.
      const reader = await SseClient.open(`${api.base}/api/events`);
      expect((await reader.nextEvent()).event).toBe("snapshot");
      reader.close();
    } finally {
      await api.close();
    }
  });

  it("drops a client whose write has been stuck for a heartbeat interval", async () => {
    const dropped: string[] = [];
    const api = await startApiServer(ssh, await createHomelabRemote(ssh, "stalled"), {
      events: {
        maxQueuedEvents: 100_000,
        maxQueuedBytes: 2 ** 40,
        heartbeatMs: 500,
        onDropped: (reason) => dropped.push(reason),
      },
    });
    try {
      const stuck = await stuckClient(api.base);
      // Enough to fill the socket buffers (a few MiB on loopback), then nothing more.
      await flood(api, 200, () => false);
      expect(
        await eventually(
          () => Promise.resolve(api.events.clients),
          (n) => n === 0,
          10_000,
        ),
      ).toBe(0);
      expect(dropped).toEqual(["stalled"]);
      stuck.socket.resume();
      await stuck.closed;
    } finally {
      await api.close();
    }
  });
});
