import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createHomelabRemote } from "../support/homelab-remote.js";
import { startSshGitServer, type SshGitServer } from "../support/ssh-git-server.js";
import { git } from "../support/test-git.js";
import {
  checkRemote,
  credentialDirs,
  foreignCommit,
  post,
  remoteRoles,
  remoteState,
  type ServeSetup,
  serveSetup,
  slowPreReceive,
  startServe,
} from "./fault-harness.js";

async function timed(work: () => Promise<unknown>): Promise<number> {
  const started = performance.now();
  await work();
  return performance.now() - started;
}

/** Rounds of each kind; the kill lands at a random moment of the request. */
const ROUNDS_PER_ACTION = Number(process.env.FAULTS_KILL_ROUNDS ?? 2);

interface Round {
  path: string;
  /** The role that must hold for `service` once the request has been repeated without a kill. */
  service: string;
  role: "primary" | "backup";
}

describe("kill -9 of the server at random points of promote, demote and evacuate", () => {
  let ssh: SshGitServer;
  let bare: string;
  let setup: ServeSetup;
  let unknownBefore: string[];
  const injected: string[] = [];

  beforeAll(async () => {
    ssh = await startSshGitServer();
    const url = await createHomelabRemote(ssh, "kill9");
    bare = ssh.repoPath("kill9");
    // A push takes at least 0.4 s: a kill often lands while it is in flight.
    await slowPreReceive(bare, 0.4);
    setup = await serveSetup(ssh, url);
    unknownBefore = [...(await remoteRoles(bare))].filter(([, r]) => r === "unknown").map(([s]) => s);
  });
  afterAll(async () => {
    console.log(`kill -9 faults injected: ${injected.length}\n${injected.join("\n")}`);
    await ssh.stop();
  });

  it("leaves nothing partial, loses no foreign commit, forces nothing; the repeated request completes", async () => {
    const services = ["radarr", "tautulli", "bazarr", "lidarr", "prowlarr"];
    const rounds: Round[] = [];
    for (let i = 0; i < ROUNDS_PER_ACTION; i++) {
      const service = services[i % services.length] ?? "radarr";
      rounds.push({ path: `/api/failover/${service}/promote?reason=kill-${i}`, service, role: "backup" });
      rounds.push({
        path: `/api/failover/${service}/demote?force=true&reason=kill-${i}`,
        service,
        role: "primary",
      });
    }
    for (let i = 0; i < ROUNDS_PER_ACTION; i++) {
      rounds.push({ path: `/api/nodes/w1/evacuate?reason=kill-${i}`, service: "sonarr", role: "backup" });
      rounds.push({
        path: `/api/failover/sonarr/demote?force=true&reason=undo-${i}`,
        service: "sonarr",
        role: "primary",
      });
    }
    let n = 0;
    // Each process takes one request to completion, then the next one is killed: half the starts.
    let server = await startServe(setup);
    // Kills are spread over the whole of an operation as long as it takes on this machine,
    // from the request to after the push: measured on an uninterrupted one, then on each repeat.
    let operationMs = await timed(() => post(server.url, "/api/failover/prowlarr/promote"));
    expect((await post(server.url, "/api/failover/prowlarr/demote?force=true")).status).toBe(200);
    try {
      for (const round of rounds) {
        n++;
        const before = await remoteState(bare);
        const delay = Math.floor(Math.random() * operationMs * 1.2);
        const request = post(server.url, round.path).then(
          (r) => r.status,
          () => "connection closed",
        );
        await new Promise((r) => setTimeout(r, delay));
        await server.kill9();
        const answered = await request;
        expect(await checkRemote(bare, before, unknownBefore), round.path).toEqual([]);
        const landed = (await remoteState(bare)).head !== before.head;
        injected.push(
          `${round.path} killed after ${delay} ms (client saw ${answered}; the commit ${landed ? "had landed" : "had not landed"})`,
        );
        // Someone else keeps working on the branch meanwhile.
        await foreignCommit(bare, n);
        const afterKill = await remoteState(bare);

        // The next process removes the dead one's key copy, recovers the clone, and completes.
        const killedDirs = (await credentialDirs(setup.dataDir)).filter((d) => d.includes(`-${server.pid}-`));
        server = await startServe(setup);
        expect(killedDirs.length, "the killed process had its key copy under dataDir").toBe(1);
        for (const dir of killedDirs) expect(await credentialDirs(setup.dataDir)).not.toContain(dir);
        let repeat: Response | undefined;
        operationMs = await timed(async () => (repeat = await post(server.url, round.path)));
        if (repeat === undefined) throw new Error("no answer");
        const body = (await repeat.json()) as { detail?: string; changed?: boolean };
        // The killed evacuate may have landed: then only the services it skipped (refused: 422, or
        // failing a check: 409) are left, and SPEC §5 answers that "nothing could be promoted".
        const nothingLeft =
          (repeat.status === 422 || repeat.status === 409) &&
          /nothing could be promoted/.test(body.detail ?? "");
        expect(
          repeat.status === 200 || nothingLeft,
          `${round.path}: ${repeat.status} ${JSON.stringify(body)}`,
        ).toBe(true);
        expect((await remoteRoles(bare)).get(round.service), round.path).toBe(round.role);
        expect(await checkRemote(bare, afterKill, unknownBefore), round.path).toEqual([]);
      }
    } finally {
      await server.stop();
    }
    // Every failover commit on the branch is whole: one per landed request, trailers intact.
    const messages = (await git(["log", "--format=%B%x00", "main"], bare)).split("\u0000");
    for (const m of messages.filter((t) => t.includes("Failover-Action:")))
      expect(m).toMatch(/Failover-Request-Id: [0-9a-f-]{36}/);
  });
});
