/**
 * What every browser test of the console does the same way: a French
 * browser at 360 px, signing in on the development identity's login page as
 * one of the demo's people, bounded waits, the processes' logs when a test
 * fails, and reading a refusal the page shows.
 */
import type { BrowserContext, BrowserContextOptions, Page } from 'playwright-core';
import { beforeEach, expect } from 'vitest';
import type { ConsoleHub } from './console-hub.js';

/** Generous but bounded: the machine running the tests may be busy. */
export const WAIT = { timeout: 30_000, interval: 200 };

/**
 * A French-speaking browser on a 360 px screen. `bypassCSP` only so that
 * axe's script can run in the page; `acceptDownloads` to read a CSV.
 */
export async function newContext(env: ConsoleHub, options: Pick<BrowserContextOptions, 'bypassCSP' | 'acceptDownloads' | 'javaScriptEnabled' | 'locale'> = {}): Promise<BrowserContext> {
  const context = await env.browser.newContext({ locale: 'fr-FR', viewport: { width: 360, height: 740 }, ...options });
  context.setDefaultTimeout(20_000);
  context.setDefaultNavigationTimeout(30_000);
  return context;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Signs in on the identity's login page as one of the demo's people (names such as "Coordination du réseau (démo)" are taken literally). */
export async function signInAs(page: Page, name: string): Promise<void> {
  await expect.poll(() => page.getByRole('heading', { level: 1 }).textContent(), WAIT).toContain('Se connecter');
  await page.getByRole('button', { name: new RegExp(escapeRegExp(name)) }).click();
}

/** Opens a console page and signs in there as one of the demo's people; the page lands back where it was asked. */
export async function signedInAt(env: ConsoleHub, page: Page, path: string, name: string): Promise<void> {
  await page.goto(`${env.consoleUrl}${path}`);
  await signInAs(page, name);
  await page.waitForURL(`${env.consoleUrl}${path}`);
}

/**
 * Prints the processes' logs when a test of this file fails. Takes a getter:
 * the hub is started in `beforeAll`, after this is registered.
 */
export function printLogsOnFailure(env: () => ConsoleHub): void {
  beforeEach(({ onTestFailed }) => {
    onTestFailed(async () => {
      process.stderr.write(`\nProcess logs:\n${await env().logs()}\n`);
    });
  });
}

/** The text of the page's alerts, once there is at least one. */
export async function alertText(page: Page): Promise<string> {
  await expect.poll(() => page.getByRole('alert').count(), WAIT).toBeGreaterThan(0);
  return (await page.getByRole('alert').textContent()) ?? '';
}

/** The one refusal beside a form: words, never a stack or a code. */
export async function refusal(page: Page): Promise<string> {
  await expect.poll(() => page.getByRole('alert').count(), WAIT).toBe(1);
  const words = (await page.getByRole('alert').textContent()) ?? '';
  expect(words).not.toMatch(/ at |Error|\{/);
  return words;
}

/** The refusal in a page's HTML, as a response the browser did not render carries it. */
export function refusalIn(html: string): string {
  return /<p class="error" role="alert"[^>]*>([^<]+)<\/p>/.exec(html)?.[1] ?? '';
}
