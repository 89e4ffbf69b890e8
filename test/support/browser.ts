import { existsSync } from "node:fs";
import { mkdir } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium, type Browser, type Page } from "playwright-core";

/** Debian's Chromium (`apt-get install chromium`); Playwright's own browser download cannot work here. */
export const chromiumPath = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";

/**
 * Headless Chromium driven by Playwright. Playwright gives every launch a fresh temporary
 * profile (its own --user-data-dir), so no state leaks between runs.
 */
export async function launchChromium(): Promise<Browser> {
  if (!existsSync(chromiumPath)) {
    throw new Error(`${chromiumPath} is missing: install Debian's chromium (apt-get install chromium)`);
  }
  return chromium.launch({
    executablePath: chromiumPath,
    headless: true,
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
}

/**
 * Collects what must never happen on a page: uncaught errors and Content-Security-Policy or
 * Trusted Types violations (Chromium reports those on the console).
 */
export function watchPage(page: Page): string[] {
  const problems: string[] = [];
  page.on("pageerror", (error) => problems.push(`page error: ${error.message}`));
  page.on("console", (message) => {
    const text = message.text();
    if (/Content Security Policy|Trusted ?Type|TrustedHTML|TrustedScript/i.test(text))
      problems.push(`csp: ${text}`);
  });
  return problems;
}

/** Where screenshots go: docs/images when FAILOVER_SCREENSHOTS names it, else a temporary directory. */
export async function screenshotDir(): Promise<string> {
  const dir = process.env.FAILOVER_SCREENSHOTS ?? join(tmpdir(), "failover-screenshots");
  await mkdir(dir, { recursive: true });
  return dir;
}
