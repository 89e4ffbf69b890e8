/* eslint-disable @typescript-eslint/no-explicit-any, @typescript-eslint/no-unsafe-call, @typescript-eslint/no-unsafe-return -- response bodies are probed field by field */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { plannedRepo, startPlannedWorld, type PlannedWorld } from "../support/planned-world.js";
import { startSshGitServer, type SshGitServer } from "../support/ssh-git-server.js";
import { git } from "../support/test-git.js";

const sonarrFiles = ["apps/sonarr/deployment.yaml", "apps/sonarr/volsync.yaml"];

describe("planned moves over HTTP (app.request, real Git over SSH, scripted live facts)", () => {
  let ssh: SshGitServer;
  let world: PlannedWorld;
  let n = 0;

  const call = async (method: string, path: string, json?: unknown) => {
    const response = await world.app.request(path, {
      method,
      ...(json === undefined
        ? {}
        : { headers: { "content-type": "application/json" }, body: JSON.stringify(json) }),
    });
    const text = await response.text();
    return { response, body: text === "" ? undefined : JSON.parse(text) };
  };
  const trailers = async (rev = "main") =>
    git(["log", "-1", "--format=%(trailers:only=true)", rev], world.repo);

  beforeAll(async () => {
    ssh = await startSshGitServer();
  });
  afterAll(async () => {
    await ssh.stop();
  });
  beforeEach(async (context) => {
    world = await startPlannedWorld(ssh, `planned-${++n}`);
    world.live.runningOn("media", "sonarr", "w1");
    context.onTestFinished(() => world.close());
  });

  it("no cluster: 409 naming why, nothing committed", async () => {
    world.cluster.enabled = false;
    const head = await world.remoteHead();
    const { response, body } = await call("POST", "/api/failover/sonarr/promote?final-sync=true");
    expect(response.status).toBe(409);
    expect(body).toMatchObject({ code: "CLUSTER_REQUIRED", title: "Cluster required" });
    expect(body.detail).toContain("a final sync needs the cluster");
    expect(await world.remoteHead()).toBe(head);
  });

  it("422 naming what to add: no ReplicationSource for the direction, no way to quiesce", async () => {
    const head = await world.remoteHead();
    const demote = await call("POST", "/api/failover/overseerr/promote?final-sync=true");
    expect(demote.response.status).toBe(422);
    expect(demote.body.detail).toContain(
      "add {kind: ReplicationSource, name: <its name>, direction: forward}",
    );
    const cron = await call("POST", "/api/failover/kometa/promote", { finalSync: true });
    expect(cron.response.status).toBe(422);
    expect(cron.body.detail).toContain("no way to quiesce kometa");
    expect(cron.body.detail).toContain("`quiesce`");
    // Already where a move would take it: the idempotent no-op, whatever a move would need.
    const already = await call("POST", "/api/failover/overseerr/demote?final-sync=true");
    expect(already.response.status).toBe(200);
    expect(already.body).toMatchObject({ changed: false, commit: null, to: "primary" });
    expect(await world.remoteHead()).toBe(head);
  });

  it("a planned promote: 202 + Location, one commit per step, each observed before the next, files restored at the switch", async () => {
    const { response, body } = await call(
      "POST",
      "/api/failover/sonarr/promote?final-sync=true&reason=maintenance%20on%20w1",
    );
    expect(response.status).toBe(202);
    const id = body.id as string;
    expect(response.headers.get("location")).toBe(`/api/operations/${id}`);
    expect(body).toMatchObject({
      action: "promote",
      services: ["sonarr"],
      finalSync: true,
      state: "running",
      step: "quiesce",
    });
    expect(body.steps.map((s: any) => [s.name, s.state])).toEqual([
      ["quiesce", "running"],
      ["final-sync", "pending"],
      ["switch", "pending"],
    ]);
    expect(await trailers()).toContain(`Failover-Operation: ${id}\nFailover-Step: quiesce`);
    expect(await world.remoteFile("apps/sonarr/deployment.yaml")).toContain(
      "spec:\n  replicas: 0\n  strategy:",
    );

    // The pod still runs: nothing moves on.
    const quiesceHead = await world.remoteHead();
    await world.fluxApplies();
    await world.planned.advance(id);
    expect(await world.remoteHead()).toBe(quiesceHead);
    expect((await call("GET", `/api/operations/${id}`)).body.steps[0].detail).toContain(
      "waiting for pod sonarr-0",
    );

    world.live.stopped("media", "sonarr");
    await world.planned.advance(id);
    expect(await trailers()).toContain("Failover-Step: final-sync");
    expect(await world.remoteFile("apps/sonarr/volsync.yaml")).toContain(
      `  trigger:\n    manual: ${id}\n    schedule: "0 * * * *"`,
    );

    // The source answers; the restic destination is triggered next, then answers too.
    const now = new Date().toISOString();
    world.live.synced("media", "ReplicationSource", "sonarr-config", id, now);
    await world.planned.advance(id);
    expect(await trailers()).toContain("Failover-Step: final-sync");
    expect((await world.remoteFile("apps/sonarr/volsync.yaml")).split(`manual: ${id}`)).toHaveLength(3);
    world.live.synced("media", "ReplicationDestination", "sonarr-config-backup", id, now);
    await world.planned.advance(id);
    expect(await trailers()).toContain("Failover-Step: switch");
    const subject = await git(["log", "-1", "--format=%s"], world.repo);
    expect(subject).toBe("failover(sonarr): promote to backup on w2");

    // The switch restored the replica count and the triggers exactly: only the switch edits remain.
    const deployment = await world.remoteFile("apps/sonarr/deployment.yaml");
    expect(deployment).toBe(
      plannedRepo["apps/sonarr/deployment.yaml"]!.replace(
        "claimName: sonarr-config #",
        "claimName: sonarr-config-backup #",
      ),
    );
    const volsync = await world.remoteFile("apps/sonarr/volsync.yaml");
    expect(volsync).not.toContain("manual:");
    const diff = await git(["diff", `${quiesceHead}~1`, "main", "--", ...sonarrFiles], world.repo);
    // Against the tree before the operation: exactly an ordinary promote's lines.
    expect(diff.split("\n").filter((l) => /^[-+] /.test(l))).toEqual([
      "-            claimName: sonarr-config # primary on w1",
      "+            claimName: sonarr-config-backup # primary on w1",
      "-  paused: false",
      "+  paused: true",
      "-  paused: false",
      "+  paused: true",
      "-  paused: true",
      "+  paused: false",
    ]);

    let op = (await call("GET", `/api/operations/${id}`)).body;
    expect(op).toMatchObject({ state: "running", step: "switch" });
    world.live.runningOn("media", "sonarr", "w2");
    op = (await call("GET", `/api/operations/${id}`)).body;
    expect(op).toMatchObject({ state: "succeeded", step: "switch", error: null });
    expect(op.steps.map((s: any) => s.state)).toEqual(["succeeded", "succeeded", "succeeded"]);

    const history = (await call("GET", "/api/failover/sonarr/history")).body;
    expect(history.operations).toHaveLength(1);
    expect(history.operations[0]).toMatchObject({ action: "promote", requestId: id });
    const abort = await call("POST", `/api/operations/${id}/abort`);
    expect(abort.response.status).toBe(409);
    expect(abort.body.detail).toContain("has already ended (succeeded)");
  });

  it("a second planned move of the same service: 409 naming the first", async () => {
    const first = (await call("POST", "/api/failover/sonarr/promote?final-sync=true")).body;
    const head = await world.remoteHead();
    const second = await call("POST", "/api/failover/sonarr/promote?final-sync=true");
    expect(second.response.status).toBe(409);
    expect(second.body).toMatchObject({ code: "OPERATION_CONFLICT", operation: first.id });
    expect(second.body.detail).toContain(`planned move ${first.id} is still running`);
    // An emergency move of it too: the planned move has scaled it down; abort that first.
    const emergency = await call("POST", "/api/failover/sonarr/promote", { force: true });
    expect(emergency.response.status).toBe(409);
    expect(emergency.body.detail).toContain(`abort it first (POST /api/operations/${first.id}/abort)`);
    expect(await world.remoteHead()).toBe(head);
  });

  it("abort mid-way: a rollback commit, files byte-identical to before, then aborted once the app runs again", async () => {
    const before = await world.remoteHead();
    const { body } = await call("POST", "/api/failover/sonarr/promote?final-sync=true");
    world.live.stopped("media", "sonarr");
    await world.fluxApplies();
    await world.planned.advance(body.id);
    expect(await trailers()).toContain("Failover-Step: final-sync");
    const abort = await call("POST", `/api/operations/${body.id}/abort`, { reason: "changed my mind" });
    expect(abort.response.status).toBe(200);
    expect(abort.body).toMatchObject({ state: "running", step: "rollback" });
    const t = await trailers();
    expect(t).toContain(
      "Failover-Step: rollback\nFailover-Outcome: aborted\nFailover-Error: aborted by anonymous: changed my mind",
    );
    for (const f of sonarrFiles) expect(await world.remoteFile(f)).toBe(plannedRepo[f]);
    expect(await git(["diff", before, "main"], world.repo)).toBe("");
    world.live.runningOn("media", "sonarr", "w1");
    const op = (await call("GET", `/api/operations/${body.id}`)).body;
    expect(op).toMatchObject({
      state: "aborted",
      step: "rollback",
      error: "aborted by anonymous: changed my mind",
    });
    expect(op.steps.map((s: any) => [s.name, s.state])).toEqual([
      ["quiesce", "succeeded"],
      ["final-sync", "failed"],
      ["switch", "skipped"],
      ["rollback", "succeeded"],
    ]);
    expect((await call("POST", `/api/operations/${body.id}/abort`)).response.status).toBe(409);
  });

  it("a final sync that never completes: rollback at the deadline, from the commit times", async () => {
    const before = await world.remoteHead();
    const { body } = await call("POST", "/api/failover/sonarr/promote?final-sync=true");
    world.live.stopped("media", "sonarr");
    await world.fluxApplies();
    await world.planned.advance(body.id);
    world.clock.offsetSeconds = 1801;
    await world.planned.advance(body.id);
    const t = await trailers();
    expect(t).toContain(
      "Failover-Step: rollback\nFailover-Outcome: failed\nFailover-Error: final sync did not complete within 30m",
    );
    expect(await git(["diff", before, "main"], world.repo)).toBe("");
    world.live.runningOn("media", "sonarr", "w1");
    const op = (await call("GET", `/api/operations/${body.id}`)).body;
    expect(op.state).toBe("failed");
    expect(op.error).toContain("final sync did not complete within 30m");
  });

  it("a target node NotReady at the switch is waited out; past quiesceTimeout after the sync it rolls back", async () => {
    const before = await world.remoteHead();
    const { body } = await call("POST", "/api/failover/sonarr/promote?final-sync=true");
    world.live.stopped("media", "sonarr");
    await world.fluxApplies();
    await world.planned.advance(body.id);
    const now = new Date().toISOString();
    world.live.synced("media", "ReplicationSource", "sonarr-config", body.id, now);
    await world.planned.advance(body.id);
    world.live.synced("media", "ReplicationDestination", "sonarr-config-backup", body.id, now);
    world.live.nodes.set("w2", { ready: false, since: now });
    const synced = await world.remoteHead();
    await world.planned.advance(body.id);
    expect(await world.remoteHead()).toBe(synced);
    world.clock.offsetSeconds = 301;
    await world.planned.advance(body.id);
    expect(await trailers()).toContain(
      "Failover-Step: rollback\nFailover-Outcome: failed\nFailover-Error: the switch was refused by the preflight: sonarr: target-node-ready: node w2 is NotReady",
    );
    expect(await git(["diff", before, "main"], world.repo)).toBe("");
  });

  it("lists operations, emergency ones as one step; unknown id 404, bad id 400", async () => {
    const planned = (await call("POST", "/api/failover/sonarr/promote?final-sync=true")).body;
    const emergency = await call("POST", "/api/failover/overseerr/promote?force=true");
    expect(emergency.response.status).toBe(200);
    const list = (await call("GET", "/api/operations?limit=5")).body.operations;
    expect(list.map((o: any) => [o.services[0], o.finalSync, o.state])).toEqual([
      ["overseerr", false, "succeeded"],
      ["sonarr", true, "running"],
    ]);
    expect(list[0].steps).toHaveLength(1);
    expect(list[1].id).toBe(planned.id);
    const missing = await call("GET", "/api/operations/00000000-0000-4000-8000-000000000000");
    expect(missing.response.status).toBe(404);
    expect(
      (await call("POST", "/api/operations/00000000-0000-4000-8000-000000000000/abort")).response.status,
    ).toBe(404);
    expect((await call("GET", "/api/operations/nope")).response.status).toBe(400);
    expect((await call("GET", "/api/operations?limit=0")).response.status).toBe(400);
    expect((await call("DELETE", "/api/operations")).response.status).toBe(405);
  });

  it("dry-run with final-sync plans the net switch and says why the checks pass; nothing written", async () => {
    const head = await world.remoteHead();
    const { response, body } = await call(
      "POST",
      "/api/failover/sonarr/promote?final-sync=true&dry-run=true",
    );
    expect(response.status).toBe(200);
    expect(body).toMatchObject({ dryRun: true, changed: true, to: "backup" });
    expect(body.checks.find((c: any) => c.name === "source-stopped")).toMatchObject({ status: "pass" });
    expect(body.checks.find((c: any) => c.name === "source-stopped").detail).toContain(
      "met by step 1 (quiesce)",
    );
    expect(body.diff).not.toContain("replicas");
    // GET plans it alike (the dashboard's dry-run), and refuses alike without a cluster.
    const planned = await call("GET", "/api/failover/sonarr/promote?final-sync=true&dry-run=true");
    expect(planned.response.status).toBe(200);
    expect(planned.body).toMatchObject({ ...body, checks: body.checks });
    world.cluster.enabled = false;
    const refused = await call("GET", "/api/failover/sonarr/promote?final-sync=true&dry-run=true");
    expect(refused.response.status).toBe(409);
    expect(refused.body).toMatchObject({ code: "CLUSTER_REQUIRED" });
    const unsupported = await call("GET", "/api/failover/kometa/promote?final-sync=true&dry-run=true");
    expect(unsupported.response.status).toBe(409);
    world.cluster.enabled = true;
    const cron = await call("GET", "/api/failover/kometa/promote?final-sync=true&dry-run=true");
    expect(cron.response.status).toBe(422);
    expect(cron.body.detail).toContain("no way to quiesce kometa");
    expect(await world.remoteHead()).toBe(head);
  });

  it("wait=true holds the answer until the driver has carried the move to its end", async () => {
    world.driver.start();
    const pending = call("POST", "/api/failover/sonarr/promote?final-sync=true&wait=true");
    // Play the cluster's part as each step lands.
    const play = (async () => {
      for (let i = 0; i < 600; i++) {
        await new Promise((r) => setTimeout(r, 50));
        const log = await git(
          [
            "log",
            "-1",
            "--format=%(trailers:key=Failover-Step,valueonly=true)%n%(trailers:key=Failover-Operation,valueonly=true)",
          ],
          world.repo,
        );
        const [step, id] = log.split("\n").filter((l) => l !== "");
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
          return;
        }
      }
    })();
    const { response, body } = await pending;
    await play;
    expect(response.status).toBe(200);
    expect(body).toMatchObject({ state: "succeeded", step: "switch" });
    expect(response.headers.get("location")).toBe(`/api/operations/${body.id}`);
  });
});
