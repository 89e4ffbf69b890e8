/// <reference lib="dom" />
// (page.evaluate callbacks run in the page: DOM types.)
import { join } from "node:path";
import { AxeBuilder } from "@axe-core/playwright";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { launchChromium, screenshotDir, watchPage } from "../support/browser.js";
import { type PlannedWorld, startPlannedWorld } from "../support/planned-world.js";
import { startSshGitServer, type SshGitServer } from "../support/ssh-git-server.js";
import { git } from "../support/test-git.js";

const operatorToken = "operator-token-0123456789abcdef";
const viewerToken = "viewer-token-0123456789abcdef";

let ssh: SshGitServer;
let browser: Browser;
let world: PlannedWorld;
let base: string;
const contexts: BrowserContext[] = [];
let problems: string[][] = [];

/** A page signed in with `token` (as the token dialog would leave it: in this tab's sessionStorage). */
async function newPage(token: string): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  contexts.push(context);
  await context.addInitScript((t) => sessionStorage.setItem("failover-api.token", t), token);
  const page = await context.newPage();
  problems.push(watchPage(page));
  return page;
}

async function open(page: Page, path: string): Promise<void> {
  await page.goto(`${base}${path}`);
  await page.locator("html[data-ready=true]").waitFor();
}

async function seriousViolations(page: Page): Promise<string[]> {
  const results = await new AxeBuilder({ page })
    .withTags(["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"])
    .analyze();
  return results.violations
    .filter((v) => v.impact === "serious" || v.impact === "critical")
    .map((v) => `${v.id} (${v.impact}): ${v.help} — ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`);
}

const stepState = (page: Page, step: string) =>
  page.locator(`[data-operation-card] [data-step="${step}"]`).getAttribute("data-state");
const lastStep = () =>
  git(["log", "-1", "--format=%(trailers:key=Failover-Step,valueonly=true)"], world.repo);
/** How long a step may take: the driver fetches, commits and pushes over SSH on a busy machine. */
const driven = { timeout: 30_000 };
const abortButton = (page: Page) => page.getByRole("button", { name: "Abort and roll back…" });

beforeAll(async () => {
  ssh = await startSshGitServer();
  browser = await launchChromium();
  world = await startPlannedWorld(ssh, "browser-planned", {
    tokens: [
      { name: "ops", role: "operator", token: operatorToken },
      { name: "grafana", role: "viewer", token: viewerToken },
    ],
  });
  world.live.runningOn("media", "sonarr", "w1");
  base = await world.serve();
  // The leader drives each step as soon as the (scripted) cluster allows it, as in the server.
  world.driver.start();
});
afterEach(async () => {
  for (const context of contexts.splice(0)) await context.close();
  const seen = problems.flat();
  problems = [];
  expect(seen, "page errors or CSP violations").toEqual([]);
});
afterAll(async () => {
  await browser?.close();
  await world?.close();
  await ssh?.stop();
});

describe("planned moves in the dashboard (Chromium; real server app over SSH, scripted cluster facts)", () => {
  it("a planned promote: dry-run, confirm, the steps live in two browsers, Abort until the switch and never for a viewer", async () => {
    const page = await newPage(operatorToken);
    await open(page, "/services/sonarr");
    await page.locator("[data-plan=ok], [data-plan=refused]").waitFor();
    // The emergency promote is refused: the app still runs on w1 (two writers).
    expect(await page.locator("[data-check=source-stopped]").getAttribute("data-status")).toBe("fail");

    await page.getByRole("radio", { name: /^With a final sync/ }).check();
    await page.locator("[data-plan=ok]").waitFor();
    const stopped = page.locator("[data-check=source-stopped]");
    expect(await stopped.getAttribute("data-status")).toBe("pass");
    expect(await stopped.textContent()).toContain("met by step 1 (quiesce)");
    expect(await page.locator("[data-planned-steps]").textContent()).toContain("final sync");
    const added = await page.locator("pre.diff .diff-add").allTextContents();
    expect(added.some((l) => /^\+\s+claimName: sonarr-config-backup\b/.test(l.trim()))).toBe(true);
    const before = await world.remoteHead();

    await page.getByLabel("Reason (recorded in the commit)").fill("maintenance on w1");
    await page.getByRole("button", { name: "Promote sonarr to w2 with a final sync" }).click();
    const dialog = page.getByRole("dialog", { name: "Promote sonarr with a final sync?" });
    await dialog.getByRole("button", { name: "Cancel" }).click();
    expect(await world.remoteHead()).toBe(before);
    await page.getByRole("button", { name: "Promote sonarr to w2 with a final sync" }).click();
    await dialog.getByRole("button", { name: "Start the planned move" }).click();

    const banner = page.locator(".banner-ok");
    await banner.waitFor();
    const id = /operation ([0-9a-f-]{36})/.exec((await banner.textContent()) ?? "")?.[1];
    expect(id, "the banner names the operation").toBeDefined();
    expect(await lastStep()).toBe("quiesce");
    expect(await stepState(page, "quiesce")).toBe("running");
    expect(await stepState(page, "final-sync")).toBe("pending");
    expect(await stepState(page, "switch")).toBe("pending");
    const quiesce = () =>
      page.locator("[data-operation-card] [data-step=quiesce] .step-detail").textContent();
    await expect.poll(quiesce, driven).toContain("waiting for Flux to apply the quiesce commit");
    await world.fluxApplies();
    await expect.poll(quiesce, driven).toContain("waiting for pod sonarr-0");
    // No second move while this one runs.
    expect(await page.getByRole("button", { name: /^Promote sonarr/ }).count()).toBe(0);

    // A viewer follows the same steps and gets no Abort (and no action) button.
    const viewer = await newPage(viewerToken);
    await open(viewer, "/services/sonarr");
    await viewer.locator(`[data-operation-card="${id}"]`).waitFor();
    expect(await stepState(viewer, "quiesce")).toBe("running");
    expect(await viewer.getByRole("button", { name: /Abort|Promote|Force/ }).count()).toBe(0);
    await viewer.evaluate(() => ((window as unknown as { marker: string }).marker = "no reload"));

    // The app stops: the driver commits the final sync; both pages follow without a reload.
    await abortButton(page).waitFor();
    await page.evaluate(() => ((window as unknown as { marker: string }).marker = "no reload"));
    world.live.stopped("media", "sonarr");
    await world.fluxApplies();
    await expect.poll(() => stepState(page, "final-sync"), driven).toBe("running");
    expect(await stepState(page, "quiesce")).toBe("succeeded");
    await expect.poll(() => stepState(viewer, "final-sync"), driven).toBe("running");
    expect(await page.locator("[data-operation-card] [role=status]").textContent()).toContain(
      "Now: final sync",
    );
    expect(await lastStep()).toBe("final-sync");
    expect(await abortButton(page).isVisible()).toBe(true);
    expect(await viewer.getByRole("button", { name: /Abort/ }).count()).toBe(0);
    expect(await seriousViolations(page)).toEqual([]);

    // The Abort dialog by keyboard, then kept running: nothing written.
    const head = await world.remoteHead();
    await abortButton(page).focus();
    await page.keyboard.press("Enter");
    const abortDialog = page.getByRole("dialog", { name: "Abort the planned promote of sonarr?" });
    await abortDialog.waitFor();
    expect(await seriousViolations(page)).toEqual([]);
    await page.keyboard.press("Escape");
    expect(await abortDialog.count()).toBe(0);
    expect(await world.remoteHead()).toBe(head);

    // VolSync answers the trigger (source, then the restic destination): the switch.
    const now = new Date().toISOString();
    world.live.synced("media", "ReplicationSource", "sonarr-config", id!, now);
    await world.fluxApplies();
    await expect
      .poll(
        async () => (await world.remoteFile("apps/sonarr/volsync.yaml")).split(`manual: ${id}`).length,
        driven,
      )
      .toBe(3);
    world.live.synced("media", "ReplicationDestination", "sonarr-config-backup", id!, now);
    await world.fluxApplies();
    await expect.poll(() => stepState(page, "final-sync"), driven).toBe("succeeded");
    expect(await lastStep()).toBe("switch");
    // Past the switch: no Abort any more.
    await expect.poll(() => abortButton(page).count(), driven).toBe(0);
    const dir = await screenshotDir();
    await page.locator("[data-operation-card]").screenshot({ path: join(dir, "dashboard-planned-move.png") });

    world.live.runningOn("media", "sonarr", "w2");
    await world.fluxApplies();
    await expect
      .poll(
        () => page.locator("[data-operation-card] [data-state]").first().getAttribute("data-state"),
        driven,
      )
      .toBe("succeeded");
    await expect.poll(() => viewer.locator(".service-title").textContent(), driven).toContain("w2");
    expect(await page.evaluate(() => (window as unknown as { marker?: string }).marker)).toBe("no reload");
    expect(await viewer.evaluate(() => (window as unknown as { marker?: string }).marker)).toBe("no reload");
  });

  it("a planned failback aborted from the UI: the rollback shows live; the timeline lists both moves with their steps", async () => {
    const page = await newPage(operatorToken);
    await open(page, "/services/sonarr");
    await page.locator("[data-plan=ok], [data-plan=refused]").waitFor();
    // The emergency demote would lose the writes made on w2: refused (reverse-synced).
    expect(await page.locator("[data-check=reverse-synced]").getAttribute("data-status")).toBe("fail");
    await page.getByRole("radio", { name: /^With a final sync/ }).check();
    await page.locator("[data-plan=ok]").waitFor();
    expect(await page.locator("[data-check=reverse-synced]").getAttribute("data-status")).toBe("pass");
    await page.getByRole("button", { name: "Demote sonarr to w1 with a final sync" }).click();
    await page
      .getByRole("dialog", { name: "Demote sonarr with a final sync?" })
      .getByRole("button", { name: "Start the planned move" })
      .click();
    await page.locator(".banner-ok").waitFor();
    const id = /operation ([0-9a-f-]{36})/.exec((await page.locator(".banner-ok").textContent()) ?? "")?.[1];
    expect(await stepState(page, "quiesce")).toBe("running");
    const before = await git(["rev-parse", "main~1"], world.repo);

    await abortButton(page).click();
    const dialog = page.getByRole("dialog", { name: "Abort the planned demote of sonarr?" });
    await dialog.getByLabel("Reason (recorded in the rollback commit)").fill("not tonight");
    await dialog.getByRole("button", { name: "Abort the move" }).click();
    await expect.poll(() => stepState(page, "rollback"), driven).not.toBeNull();
    expect(await lastStep()).toBe("rollback");
    expect(await git(["diff", before, "main"], world.repo)).toBe("");
    expect(await abortButton(page).count()).toBe(0);
    // The app still runs on w2, where it was: the operation ends aborted.
    await expect
      .poll(() => page.locator("[data-operation-card] .badge").first().getAttribute("data-state"), driven)
      .toBe("aborted");
    expect(await page.locator("[data-operation-card] [role=status]").textContent()).toContain("Aborted");
    expect(await page.locator("[data-operation-card]").textContent()).toContain(
      "aborted by ops: not tonight",
    );

    await page.getByRole("link", { name: "Timeline" }).click();
    const item = (op: string) => page.locator(`.timeline-item[data-operation="${op}"]`);
    await item(id!).waitFor();
    expect(await item(id!).getAttribute("class")).toContain("op-aborted");
    expect(await item(id!).locator("[data-step=rollback]").getAttribute("data-state")).toBe("succeeded");
    expect(await item(id!).textContent()).toContain("demote with a final sync");
    const promote = page.locator(".timeline-item").filter({ hasText: "promote with a final sync" });
    expect(await promote.count()).toBe(1);
    for (const step of ["quiesce", "final-sync", "switch"])
      expect(await promote.locator(`[data-step="${step}"]`).getAttribute("data-state"), step).toBe(
        "succeeded",
      );
    expect(await seriousViolations(page)).toEqual([]);

    // A fresh page reads the same from GET /api/operations (not only from the events it saw).
    const fresh = await newPage(viewerToken);
    await open(fresh, "/timeline");
    await fresh.locator(`.timeline-item[data-operation="${id}"] [data-step=rollback]`).waitFor();
    expect(await fresh.locator(".timeline-item").filter({ hasText: "with a final sync" }).count()).toBe(2);
  });
});
