/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
// (page.evaluate callbacks run in the page: DOM types.)
import { join } from "node:path";
import { AxeBuilder } from "@axe-core/playwright";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { stringify } from "yaml";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { launchChromium, screenshotDir, watchPage } from "../support/browser.js";
import { type RealServer, startRealServer } from "../support/real-server.js";
import { startSshGitServer, type SshGitServer } from "../support/ssh-git-server.js";
import { git } from "../support/test-git.js";

const phone = { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, deviceScaleFactor: 1 };
const desktop = { viewport: { width: 1280, height: 860 } };

let ssh: SshGitServer;
let browser: Browser;
const contexts: BrowserContext[] = [];
let problems: string[][] = [];

async function newPage(options: Parameters<Browser["newContext"]>[0] = desktop): Promise<Page> {
  const context = await browser.newContext(options);
  contexts.push(context);
  const page = await context.newPage();
  problems.push(watchPage(page));
  return page;
}

/** Opens `path` and waits for the first list from the events stream. */
async function open(page: Page, base: string, path = "/"): Promise<void> {
  await page.goto(`${base}${path}`);
  await page.locator("html[data-ready=true]").waitFor();
}

const row = (page: Page, service: string) => page.locator(`[data-service="${service}"]`);

async function seriousViolations(page: Page): Promise<string[]> {
  const results = await new AxeBuilder({ page })
    .withTags(["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"])
    .analyze();
  return results.violations
    .filter((v) => v.impact === "serious" || v.impact === "critical")
    .map((v) => `${v.id} (${v.impact}): ${v.help} — ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`);
}

beforeAll(async () => {
  ssh = await startSshGitServer();
  browser = await launchChromium();
});
afterEach(async () => {
  for (const context of contexts.splice(0)) await context.close();
  const seen = problems.flat();
  problems = [];
  expect(seen, "page errors or CSP violations").toEqual([]);
});
afterAll(async () => {
  await browser?.close();
  await ssh?.stop();
});

describe("the dashboard in Chromium, auth off (the demo's data)", () => {
  let app: RealServer;
  const remoteHead = () => git(["rev-parse", "main"], ssh.repoPath("browser"));

  beforeAll(async () => {
    app = await startRealServer(ssh, "browser", { mode: "none" });
  });
  afterAll(async () => app?.stop());

  it("lists every example service with its role and active node", async () => {
    const page = await newPage();
    await open(page, app.base);
    await expect.poll(() => page.locator("[data-service]").count()).toBe(app.services.length);
    for (const name of app.services) {
      const item = row(page, name);
      expect(await item.getByRole("link", { name, exact: true }).count(), name).toBe(1);
    }
    expect(await row(page, "sonarr").getAttribute("data-role")).toBe("primary");
    expect(await row(page, "sonarr").textContent()).toContain("Primary on w1");
    expect(await page.locator("[data-no-cluster]").textContent()).toContain("does not see a cluster");
    expect(await page.locator("[data-connection=live]").textContent()).toContain("Live");
  });

  it("promote from the UI: the diff, the commit on the remote, and a second browser sees the row change live", async () => {
    const watcher = await newPage();
    await open(watcher, app.base);
    await watcher.evaluate(() => ((window as unknown as { marker: string }).marker = "no reload"));
    expect(await row(watcher, "sonarr").getAttribute("data-role")).toBe("primary");

    const page = await newPage();
    await open(page, app.base, "/services/sonarr");
    await page.locator("[data-plan=ok]").waitFor();
    const diff = page.locator("pre.diff");
    const lines = async (kind: string) => (await diff.locator(kind).allTextContents()).map((l) => l.trim());
    expect((await lines(".diff-del")).some((l) => /^-\s+claimName: sonarr-config\b(?!-)/.test(l))).toBe(true);
    expect((await lines(".diff-add")).some((l) => /^\+\s+claimName: sonarr-config-backup\b/.test(l))).toBe(
      true,
    );
    expect(await lines(".diff-file")).toContain("+++ b/kubernetes/apps/media/sonarr/app/deployment.yaml");
    expect(await page.locator("[data-check=config]").getAttribute("data-status")).toBe("pass");

    await page.getByLabel("Reason (recorded in the commit)").fill("browser test: w1 is down");
    await page.getByRole("button", { name: "Promote sonarr to w2" }).click();
    const dialog = page.getByRole("dialog", { name: "Promote sonarr?" });
    await dialog.waitFor();
    await dialog.getByRole("button", { name: "Promote now" }).click();
    const banner = page.locator(".banner-ok");
    await banner.waitFor();
    const head = await remoteHead();
    expect(await banner.textContent()).toContain(`commit ${head.slice(0, 8)} pushed`);
    const message = await git(["log", "-1", "--format=%B", "main"], ssh.repoPath("browser"));
    expect(message).toContain("failover(sonarr): promote to backup on w2");
    expect(message).toContain("Failover-Reason: browser test: w1 is down");

    // The other browser: the row turned without a reload, and the timeline shows the operation.
    await expect.poll(() => row(watcher, "sonarr").getAttribute("data-role")).toBe("backup");
    expect(await row(watcher, "sonarr").textContent()).toContain("On backup on w2");
    expect(await watcher.evaluate(() => (window as unknown as { marker?: string }).marker)).toBe("no reload");
    await watcher.getByRole("link", { name: "Timeline" }).click();
    const item = watcher.locator(".timeline-item").filter({ hasText: "sonarr" }).first();
    await expect.poll(() => item.getAttribute("class")).toContain("op-succeeded");
    expect(await item.textContent()).toContain("browser test: w1 is down");
    expect(await item.textContent()).toContain(head.slice(0, 8));
    expect(await watcher.evaluate(() => (window as unknown as { marker?: string }).marker)).toBe("no reload");

    // The page itself now offers the way back.
    await expect.poll(() => page.locator("h3").first().textContent()).toContain("Plan: demote sonarr");
  });

  it("a refused promote shows the failing check; force needs an explicit confirmation", async () => {
    const page = await newPage();
    await open(page, app.base, "/services/uptime-kuma");
    await page.locator("[data-plan=refused]").waitFor();
    const failing = page.locator("[data-check=flux-applies]");
    expect(await failing.getAttribute("data-status")).toBe("fail");
    expect(await failing.textContent()).toContain("FAIL");
    expect(await failing.textContent()).toContain("IfNotPresent");
    expect(await page.getByRole("button", { name: /^Promote uptime-kuma/ }).count()).toBe(0);
    const before = await remoteHead();

    await page.getByRole("button", { name: "Force promote uptime-kuma…" }).click();
    const dialog = page.getByRole("dialog", { name: "Force promote uptime-kuma?" });
    await dialog.waitFor();
    expect(await dialog.locator("[data-check=flux-applies]").count()).toBe(1);
    const force = dialog.getByRole("button", { name: "Force promote" });
    expect(await force.isDisabled()).toBe(true);
    // Cancel changes nothing.
    await dialog.getByRole("button", { name: "Cancel" }).click();
    expect(await remoteHead()).toBe(before);

    await page.getByRole("button", { name: "Force promote uptime-kuma…" }).click();
    await dialog.waitFor();
    await dialog.getByLabel("I have read the failing checks and accept the risk").check();
    expect(await force.isEnabled()).toBe(true);
    await force.click();
    await page.locator(".banner-ok").waitFor();
    expect(await page.locator(".banner-ok").textContent()).toContain("(forced)");
    const message = await git(["log", "-1", "--format=%B", "main"], ssh.repoPath("browser"));
    expect(message).toContain("failover(uptime-kuma): promote to backup on w2");
    expect(message).toContain("Failover-Forced: true");
  });

  it("a refused demote (no reverse replication configured) is shown the same way", async () => {
    const promoted = await fetch(`${app.base}/api/failover/overseerr/promote`, { method: "POST" });
    expect(promoted.status).toBe(200);
    const page = await newPage();
    await open(page, app.base, "/services/overseerr");
    await page.locator("[data-plan=refused]").waitFor();
    expect(await page.locator("[data-check=reverse-synced]").getAttribute("data-status")).toBe("fail");
    expect(await page.getByRole("button", { name: "Force demote overseerr…" }).count()).toBe(1);
  });

  it("a planned move without a cluster: chosen by keyboard, refused with the reason, nothing to force, nothing written", async () => {
    const page = await newPage();
    await open(page, app.base, "/services/tautulli");
    await page.locator("[data-plan=ok]").waitFor();
    const before = await remoteHead();
    const emergency = page.getByRole("radio", { name: /^Emergency move/ });
    const planned = page.getByRole("radio", { name: /^With a final sync \(planned move: no data lost\)/ });
    expect(await emergency.isChecked()).toBe(true);
    await emergency.focus();
    await page.keyboard.press("ArrowDown");
    expect(await planned.isChecked()).toBe(true);
    await page.locator("[data-plan=refused]").waitFor();
    const refusal = page.locator("[data-problem=CLUSTER_REQUIRED]");
    expect(await refusal.getByRole("alert").textContent()).toContain("a final sync needs the cluster");
    expect(await refusal.textContent()).toContain("This cannot be forced");
    expect(await page.getByRole("button", { name: /^(Promote|Force)/ }).count()).toBe(0);
    expect(await seriousViolations(page)).toEqual([]);
    // Back to the emergency move: its plan and its button return.
    await page.keyboard.press("ArrowUp");
    expect(await emergency.isChecked()).toBe(true);
    await page.getByRole("button", { name: "Promote tautulli to w2" }).waitFor();
    expect(await remoteHead()).toBe(before);
  });

  it("nodes: readiness, dependents, and an evacuate plan", async () => {
    const page = await newPage();
    await open(page, app.base, "/nodes");
    const w1 = page.locator("[data-node=w1]");
    await w1.waitFor();
    expect(await w1.locator("[data-ready]").getAttribute("data-ready")).toBe("unknown");
    expect(await w1.textContent()).toMatch(/Primary for \(\d+\)/);
    await w1.getByRole("button", { name: "Plan evacuate w1" }).click();
    await w1.locator("[data-state=planned]").waitFor();
    expect(await w1.textContent()).toContain("Would promote");
    expect(await w1.locator("pre.diff").count()).toBe(1);
  });

  it("has no serious or critical accessibility violations (axe-core) on any page", async () => {
    const page = await newPage();
    for (const path of ["/", "/services/sonarr", "/services/uptime-kuma", "/nodes", "/timeline"]) {
      await open(page, app.base, path);
      if (path.startsWith("/services/")) await page.locator("[data-plan=ok], [data-plan=refused]").waitFor();
      expect(await seriousViolations(page), path).toEqual([]);
    }
  });

  it("fits a 390 px phone: no sideways scrolling, large targets; screenshots for the docs", async () => {
    const page = await newPage(phone);
    await open(page, app.base);
    await page.locator("[data-service=sonarr]").waitFor();
    const dir = await screenshotDir();
    const noOverflow = () => page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth);
    expect(await noOverflow()).toBe(true);
    const small = await page.evaluate(() =>
      [...document.querySelectorAll<HTMLElement>("button, nav a, .service-name a, input")]
        .filter((el) => el.offsetParent !== null)
        .map((el) => ({
          what: el.textContent || el.getAttribute("placeholder") || el.tagName,
          h: el.getBoundingClientRect().height,
        }))
        .filter((t) => t.h < 44),
    );
    expect(small).toEqual([]);
    await page.screenshot({ path: join(dir, "dashboard-phone.png") });

    await open(page, app.base, "/services/sonarr");
    await page.locator("[data-plan=ok], [data-plan=refused]").waitFor();
    expect(await noOverflow()).toBe(true);
    const action = page.getByRole("button", { name: /^(Demote|Promote|Force)/ }).first();
    const box = await action.boundingBox();
    expect(box!.height).toBeGreaterThanOrEqual(44);
    expect(box!.width).toBeGreaterThan(300); // full width on a phone
    await page.screenshot({ path: join(dir, "dashboard-phone-service.png") });

    const wide = await newPage(desktop);
    await open(wide, app.base);
    await wide.screenshot({ path: join(dir, "dashboard-services.png") });
    await open(wide, app.base, "/services/sonarr");
    await wide.locator("[data-plan=ok], [data-plan=refused]").waitFor();
    await wide.screenshot({ path: join(dir, "dashboard-service.png") });
  });

  it("reconnects the events stream after a server restart, resuming with Last-Event-ID", async () => {
    const page = await newPage();
    const streams: { lastEventId: string | undefined }[] = [];
    page.on("request", (request) => {
      if (new URL(request.url()).pathname === "/api/events")
        streams.push({ lastEventId: request.headers()["last-event-id"] });
    });
    await open(page, app.base);
    expect(streams).toEqual([{ lastEventId: undefined }]);
    expect(await row(page, "radarr").getAttribute("data-role")).toBe("primary");

    await app.stop();
    await expect
      .poll(() => page.locator("[data-connection]").getAttribute("data-connection"))
      .toBe("reconnecting");
    await app.start();
    await expect
      .poll(() => page.locator("[data-connection]").getAttribute("data-connection"), { timeout: 20_000 })
      .toBe("live");
    expect(streams.length).toBeGreaterThanOrEqual(2);
    expect(streams.at(-1)!.lastEventId).toMatch(/^[0-9a-f]{12}-\d+$/);

    // Live again: a promote by someone else turns the row, without a reload.
    const response = await fetch(`${app.base}/api/failover/radarr/promote`, { method: "POST" });
    expect(response.status).toBe(200);
    await expect.poll(() => row(page, "radarr").getAttribute("data-role")).toBe("backup");
  });
});

describe("the dashboard in Chromium, token auth", () => {
  let app: RealServer;
  const operatorToken = "operator-token-0123456789abcdef";
  const viewerToken = "viewer-token-0123456789abcdef";

  beforeAll(async () => {
    app = await startRealServer(
      ssh,
      "browser-auth",
      { mode: "token", tokensFile: "tokens.yaml", readRequiresToken: false },
      {
        "tokens.yaml": stringify([
          { name: "ops", role: "operator", token: operatorToken },
          { name: "grafana", role: "viewer", token: viewerToken },
        ]),
      },
    );
  });
  afterAll(async () => app?.stop());

  const signIn = async (page: Page, token: string) => {
    const dialog = page.getByRole("dialog", { name: "Sign in with an API token" });
    await dialog.waitFor();
    await dialog.getByLabel("API token", { exact: true }).fill(token);
    await dialog.getByRole("button", { name: "Sign in" }).click();
  };

  it("asks for a token once, keeps it in sessionStorage only, and a viewer token shows no action buttons", async () => {
    const page = await newPage();
    const authHeaders: (string | undefined)[] = [];
    page.on("request", (r) => {
      if (new URL(r.url()).pathname.startsWith("/api/")) authHeaders.push(r.headers()["authorization"]);
    });
    await open(page, app.base);
    await signIn(page, "wrong-token-0123456789abcdef");
    await page.getByRole("alert").filter({ hasText: "not accepted" }).waitFor();
    await page.getByLabel("API token", { exact: true }).fill(viewerToken);
    await page.getByRole("dialog").getByRole("button", { name: "Sign in" }).click();
    await page.getByRole("button", { name: "grafana (viewer) · Sign out" }).waitFor();
    expect(await page.getByRole("dialog").count()).toBe(0);

    // Asked once: a reload keeps the token for this tab, no cookie anywhere.
    await page.reload();
    await page.locator("html[data-ready=true]").waitFor();
    await page.getByRole("button", { name: "grafana (viewer) · Sign out" }).waitFor();
    expect(await page.getByRole("dialog").count()).toBe(0);
    expect(await page.context().cookies()).toEqual([]);
    expect(await page.evaluate(() => sessionStorage.getItem("failover-api.token"))).toBe(viewerToken);
    expect(await page.evaluate(() => localStorage.length)).toBe(0);
    expect(authHeaders).toContain(`Bearer ${viewerToken}`);

    await open(page, app.base, "/services/sonarr");
    await page.locator("[data-plan=ok]").waitFor(); // a viewer may see the plan (GET dry-run is a read)
    expect(await page.locator("pre.diff").count()).toBe(1);
    expect(await page.getByRole("button", { name: /Promote|Demote|Force/ }).count()).toBe(0);
    expect(await page.getByText("Read-only: an operator token is needed to promote.").count()).toBe(1);
    await open(page, app.base, "/nodes");
    expect(await page.getByRole("button", { name: /evacuate/i }).count()).toBe(0);
  });

  it("an operator token shows the actions; read-only is a choice that is remembered", async () => {
    const page = await newPage();
    await open(page, app.base, "/services/sonarr");
    await signIn(page, operatorToken);
    await page.getByRole("button", { name: "ops (operator) · Sign out" }).waitFor();
    await page.getByRole("button", { name: "Promote sonarr to w2" }).waitFor();
    await open(page, app.base, "/nodes");
    expect(await page.getByRole("button", { name: "Plan evacuate w1" }).count()).toBe(1);

    const reader = await newPage();
    await open(reader, app.base);
    await reader.getByRole("dialog").getByRole("button", { name: "Continue read-only" }).click();
    await reader.getByRole("banner").getByRole("button", { name: "Sign in" }).waitFor();
    await reader.reload();
    await reader.locator("html[data-ready=true]").waitFor();
    expect(await reader.getByRole("dialog").count()).toBe(0);
    expect(await seriousViolations(reader)).toEqual([]);
    await reader.getByRole("banner").getByRole("button", { name: "Sign in" }).click();
    expect(await seriousViolations(reader)).toEqual([]); // the token dialog too
  });
});
