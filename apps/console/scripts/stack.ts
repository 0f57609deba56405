/**
 * What the benchmark and the screenshots run against: either a hub and a
 * console of their own (the browser tests' harness, about a minute to
 * start), or, when CONSOLE_URL is set, a stack already running (`npm
 * start`), reached like `npm run demo` reaches it. Either way a new demo
 * case is set up over the APIs: consents, two referrals (the department's
 * acknowledged), so that the pages show something.
 *
 * Env for a running stack: CONSOLE_URL (e.g. http://127.0.0.1:4300),
 * DIRECTORY_URL, CONSENT_URL, REFERRALS_URL, NOTIFICATIONS_URL (defaults
 * http://127.0.0.1:4010 … 4040), DEV_OUTBOX_URL (default
 * http://127.0.0.1:4041), AUTH_ISSUER, AUTH_AUDIENCE, DEV_IDENTITY_DIR.
 * CHROMIUM_PATH: the browser (default /usr/bin/chromium).
 */
import { chromium } from 'playwright-core';
import type { Browser, Page } from 'playwright-core';
import { DEV_AUDIENCE_DEFAULT, DEV_ISSUER_DEFAULT, defaultDevIdentityDir } from '@referral-hub/platform';
import { devOutboxMailbox, waitForMessage } from '../../../scripts/demo/mailbox.js';
import type { Mailbox } from '../../../scripts/demo/mailbox.js';
import { DemoCase, devTokenSource } from '../../../scripts/demo/scenario.js';
import { CHROMIUM, startConsoleHub } from '../test/support/console-hub.js';
import { loginNameOf } from './pages.js';
import type { PageFacts, Visitor } from './pages.js';

const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

export type Stack = {
  consoleUrl: string;
  browser: Browser;
  facts: PageFacts;
  /** Where it runs: "a hub of its own" or the running stack's address. */
  description: string;
  close(): Promise<void>;
};

function env(name: string, fallback: string): string {
  const value = process.env[name]?.trim();
  return value === undefined || value === '' ? fallback : value;
}

async function setUpCase(demo: DemoCase, mailbox: Mailbox): Promise<PageFacts> {
  await demo.recordConsents();
  const found = await demo.findServices();
  const { submitted } = await demo.refer('clinic');
  await demo.refer('dppe');
  await demo.act('dppe', 'acknowledge');
  const declineLinkToken = await declineLinkOf(demo, mailbox, submitted.code);
  return { caseCode: demo.caseCode, referralId: submitted.id, referralCode: submitted.code, serviceId: found.clinic.chosen.id, ...(declineLinkToken === undefined ? {} : { declineLinkToken }) };
}

/** The decline link's token in the clinic focal point's e-mail about the referral `code`, if the e-mail carries links. */
async function declineLinkOf(demo: DemoCase, mailbox: Mailbox, code: string): Promise<string | undefined> {
  const email = await waitForMessage(mailbox, {
    to: demo.people.clinicFocalPoint.email,
    since: demo.startedAt,
    channel: 'email',
    match: (m) => m.text.includes(code) && m.text.includes('/a/'),
    what: `the e-mail of ${code} with its links`,
    timeoutMs: 20_000,
  }).catch(() => undefined);
  // The French e-mail's decline line: "- Refuser (vous choisirez le motif): <url>/a/<token>".
  const line = email?.text.split('\n').find((l) => l.startsWith('- Refuser'));
  return line === undefined ? undefined : /\/a\/([A-Za-z0-9_-]+)/.exec(line)?.[1];
}

export async function openStack(name: string, log: (line: string) => void): Promise<Stack> {
  const running = process.env.CONSOLE_URL?.trim();
  if (running === undefined || running === '') {
    log('Starting a hub and a console of its own (about a minute)…');
    const hub = await startConsoleHub(name);
    try {
      const demo = await DemoCase.open({ hub: hub.hub.endpoints, token: hub.hub.token, mailbox: hub.hub.mailbox });
      const facts = await setUpCase(demo, hub.hub.mailbox);
      return { consoleUrl: hub.consoleUrl, browser: hub.browser, facts, description: 'a hub and console of its own', close: () => hub.close() };
    } catch (error) {
      await hub.close();
      throw error;
    }
  }
  const consoleUrl = running.replace(/\/+$/, '');
  const ready = await fetch(`${consoleUrl}/readyz`, { signal: AbortSignal.timeout(5_000) }).catch(() => undefined);
  if (ready?.ok !== true) throw new Error(`The console does not answer at ${consoleUrl}/readyz: is \`npm start\` running?`);
  const issuer = env('AUTH_ISSUER', DEV_ISSUER_DEFAULT);
  const mailbox = devOutboxMailbox(env('DEV_OUTBOX_URL', 'http://127.0.0.1:4041'));
  const demo = await DemoCase.open({
    hub: {
      directoryUrl: env('DIRECTORY_URL', 'http://127.0.0.1:4010'),
      consentUrl: env('CONSENT_URL', 'http://127.0.0.1:4020'),
      referralsUrl: env('REFERRALS_URL', 'http://127.0.0.1:4030'),
      notificationsUrl: env('NOTIFICATIONS_URL', 'http://127.0.0.1:4040'),
    },
    token: devTokenSource({ dir: env('DEV_IDENTITY_DIR', defaultDevIdentityDir()), issuer, audience: env('AUTH_AUDIENCE', DEV_AUDIENCE_DEFAULT) }),
    mailbox,
  });
  const facts = await setUpCase(demo, mailbox);
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
  return { consoleUrl, browser, facts, description: consoleUrl, close: () => browser.close() };
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Signs in on the development identity's login page as a visitor, then comes back to the inbox. */
export async function signIn(page: Page, consoleUrl: string, visitor: Visitor): Promise<void> {
  if (visitor === 'signedOut') return;
  await page.goto(`${consoleUrl}/login?returnTo=%2Finbox`);
  await page.getByRole('button', { name: new RegExp(escapeRegExp(loginNameOf(visitor))) }).click({ timeout: 30_000 });
  await page.waitForURL(`${consoleUrl}/inbox`, { timeout: 30_000 });
}

/** The status a signed-in page answers with, without the browser: 404 means the area is not built yet. */
export async function statusOf(page: Page, url: string): Promise<number> {
  const response = await page.request.get(url, { maxRedirects: 5, failOnStatusCode: false });
  return response.status();
}
