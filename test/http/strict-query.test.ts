/* eslint-disable @typescript-eslint/no-explicit-any -- response bodies are checked against the OpenAPI schemas, then probed */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createHomelabRemote } from "../support/homelab-remote.js";
import { startApiServer, type ApiServer } from "../support/api-server.js";
import { responseValidator } from "../support/openapi-validator.js";
import { startSshGitServer, type SshGitServer } from "../support/ssh-git-server.js";
import { git } from "../support/test-git.js";

/** SPEC §7: unknown query parameters are 400 naming them, on every route; dry-run alike on GET and POST. */
describe("query parameters", () => {
  let ssh: SshGitServer;
  let api: ApiServer;
  let doc: any;
  let expectValid: ReturnType<typeof responseValidator>;
  const remoteHead = () => git(["rev-parse", "main"], ssh.repoPath("strict"));

  async function call(method: string, path: string, init: RequestInit = {}) {
    const url = `${api.base}${path}`;
    const response = await fetch(url, { method, ...init });
    return { response, body: (await expectValid(method, url, response)) as any };
  }

  beforeAll(async () => {
    ssh = await startSshGitServer();
    api = await startApiServer(ssh, await createHomelabRemote(ssh, "strict"));
    doc = await (await fetch(`${api.base}/api/openapi.json`)).json();
    expectValid = responseValidator(doc);
  });
  afterAll(async () => {
    await api.close();
    await ssh.stop();
  });

  it("a mistyped dry-run never runs a real operation: 400 naming it, with the likely meaning", async () => {
    const before = await remoteHead();
    for (const typo of ["dryrun", "dry_run", "DryRun"]) {
      for (const path of [
        "/api/failover/sonarr/promote",
        "/api/failover/lidarr/demote",
        "/api/nodes/w1/evacuate",
      ]) {
        const { response, body } = await call("POST", `${path}?${typo}=true`);
        expect(response.status, `${path}?${typo}`).toBe(400);
        expect(body.code).toBe("INVALID_INPUT");
        expect(body.errors).toEqual([
          `${typo}: unknown query parameter (did you mean "dry-run"?); this route takes dry-run, dryRun, force, reason, final-sync, finalSync, wait`,
        ]);
        expect(body.detail).toContain(typo);
      }
    }
    expect(await remoteHead()).toBe(before);
  });

  it("every route of the OpenAPI document answers 400 for an unknown parameter, and writes nothing", async () => {
    const before = await remoteHead();
    const concrete = (path: string) => path.replace("{service}", "sonarr").replace("{node}", "w1");
    const routes = Object.entries(doc.paths as Record<string, Record<string, unknown>>).flatMap(
      ([path, ops]) => Object.keys(ops).map((method) => [method.toUpperCase(), concrete(path)] as const),
    );
    expect(routes.length).toBeGreaterThanOrEqual(10);
    for (const [method, path] of [...routes, ["GET", "/api/openapi.json"] as const]) {
      const response = await fetch(`${api.base}${path}?bogus=1`, { method });
      const body = await response.json();
      expect(response.status, `${method} ${path}`).toBe(400);
      expect(body.errors, `${method} ${path}`).toHaveLength(1);
      expect(body.errors[0], `${method} ${path}`).toMatch(
        /^bogus: unknown query parameter; this route takes /,
      );
    }
    const noQuery = await call("GET", "/healthz?verbose=1");
    expect(noQuery.body.errors).toEqual([
      "verbose: unknown query parameter; this route takes no query parameters",
    ]);
    expect(await remoteHead()).toBe(before);
  });

  it("unknown paths and wrong methods keep their 404 and 405, query or not", async () => {
    expect((await fetch(`${api.base}/api/nope?bogus=1`)).status).toBe(404);
    expect((await fetch(`${api.base}/api/services?bogus=1`, { method: "DELETE" })).status).toBe(405);
  });

  it("GET …/demote?dry-run=true plans like promote does; GET without it is 405", async () => {
    const before = await remoteHead();
    const plan = await call("GET", "/api/failover/lidarr/demote?dry-run=true");
    expect(plan.response.status).toBe(200);
    expect(plan.body).toMatchObject({
      name: "lidarr",
      action: "demote",
      dryRun: true,
      changed: true,
      to: "primary",
    });
    expect(plan.body.diff).toContain("+");
    const alias = await call("GET", "/api/failover/lidarr/demote?dryRun=true");
    expect(alias.body.diff).toBe(plan.body.diff);
    for (const query of ["", "?dry-run=false", "?reason=x"]) {
      const refused = await call("GET", `/api/failover/lidarr/demote${query}`);
      expect(refused.response.status, query).toBe(405);
      expect(refused.response.headers.get("allow")).toBe("POST");
      expect(refused.body.detail).toBe("GET only plans: add ?dry-run=true, or POST to demote");
    }
    expect(doc.paths["/api/failover/{service}/demote"].get.summary).toContain("Plan a demote");
    expect(await remoteHead()).toBe(before);
  });

  it("a bad dry-run value gets the same answer on GET and POST", async () => {
    for (const value of ["yes", "1", "", "TRUE"]) {
      for (const action of ["promote", "demote"]) {
        const path = `/api/failover/sonarr/${action}?dry-run=${value}`;
        const viaGet = await call("GET", path);
        const viaPost = await call("POST", path);
        expect(viaGet.response.status, `GET ${path}`).toBe(400);
        expect(viaPost.response.status, `POST ${path}`).toBe(400);
        expect(viaGet.body.errors).toEqual(viaPost.body.errors);
        expect(viaGet.body.errors[0]).toMatch(/^dry-run: /);
      }
    }
  });

  it("a dry-run asked for anywhere wins: the query and the body cannot outvote it into a write", async () => {
    const before = await remoteHead();
    for (const [query, body] of [
      ["?dry-run=false", { dryRun: true }],
      ["?dry-run=true", { dryRun: false }],
      ["?dry-run=false&dryRun=true", {}],
    ] as const) {
      const { response, body: answer } = await call("POST", `/api/failover/sonarr/promote${query}`, {
        headers: { "content-type": "application/json" },
        body: JSON.stringify(body),
      });
      expect(response.status, query).toBe(200);
      expect((answer as unknown as { dryRun: boolean }).dryRun, query).toBe(true);
    }
    expect(await remoteHead()).toBe(before);
  });
});
