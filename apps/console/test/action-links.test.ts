/**
 * E-mail action links in a real Chromium over the real hub: the focal
 * point's links, as the hub makes them for her, open a page that says what
 * the button will do and nothing about the child; a mail scanner's GET
 * changes nothing; her POST acknowledges and the history shows it was done
 * by a focal point through an e-mail link, on both sides' referral pages;
 * the same link twice reads "already used", a tampered one "not valid", an
 * expired one "expired", each offering sign-in; a decline takes its reason
 * from the page (a reason needing a note is refused naming the note); too
 * many requests for one link get a 429 page. The pages work without
 * JavaScript, fit 360 px, weigh under 100 KB and have no serious axe-core
 * violation.
 */
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_PAYLOAD, DEMO_PEOPLE } from '../../../scripts/demo/case.js';
import { waitForMessage } from '../../../scripts/demo/mailbox.js';
import { DemoCase } from '../../../scripts/demo/scenario.js';
import type { HistoryEntry, Referral } from '../../../scripts/demo/scenario.js';
import { startConsoleHub } from './support/console-hub.js';
import type { ConsoleHub } from './support/console-hub.js';
import { WAIT, newContext, printLogsOnFailure, signedInAt } from './support/browser.js';
import { pageAsserter } from './support/page-checks.js';

type Links = { acknowledge: string; accept: string; decline: string };

/** Links signed now last this long (the referrals service's minimum): the expired link is one signed at the start. */
const LINK_SECONDS = 60;

let env: ConsoleHub;
let demo: DemoCase;
let toClinic: Referral;
let toDppe: Referral;
/** A referral left waiting, and its links as signed when the file started. */
let waiting: Referral;
let expiring: Links & { expiresAt: string };

beforeAll(async () => {
  env = await startConsoleHub('action-links', { hub: { serviceEnv: { referrals: { ACTION_LINK_TTL_SECONDS: String(LINK_SECONDS) } } } });
  demo = await DemoCase.open({ hub: env.hub.endpoints, token: env.hub.token, mailbox: env.hub.mailbox, timeoutMs: 30_000 });
  await demo.recordConsents();
  await demo.findServices();
  waiting = (await demo.refer('clinic')).submitted;
  expiring = await contextLinks(waiting, DEMO_PEOPLE.clinicFocalPoint.email);
  toClinic = (await demo.refer('clinic')).submitted;
  toDppe = (await demo.refer('dppe')).submitted;
}, 420_000);

afterAll(async () => {
  await env?.close();
});

printLogsOnFailure(() => env);

/** The notifications service's own machine token (client credentials at the identity), as it reads notification contexts. */
async function notificationsToken(): Promise<string> {
  const own = env.hub.envOf('notifications');
  const answer = await fetch(own.AUTH_CLIENT_TOKEN_URL ?? '', {
    method: 'POST',
    body: new URLSearchParams({ grant_type: 'client_credentials', client_id: own.AUTH_CLIENT_ID ?? '', client_secret: own.AUTH_CLIENT_SECRET ?? '' }),
  });
  expect(answer.status).toBe(200);
  return ((await answer.json()) as { access_token: string }).access_token;
}

/** A focal point's links for a referral as the referrals service signs them now for the notifications service. */
async function contextLinks(referral: Referral, focalPointEmail: string): Promise<Links & { expiresAt: string }> {
  const token = await notificationsToken();
  const answer = await fetch(`${env.hub.endpoints.referralsUrl}/v1/referrals/${referral.id}/notification-context`, { headers: { authorization: `Bearer ${token}` } });
  expect(answer.status).toBe(200);
  const context = (await answer.json()) as { focalPoints: { email: string | null; actionLinks: (Links & { expiresAt: string }) | null }[] };
  const links = context.focalPoints.find((f) => f.email === focalPointEmail)?.actionLinks;
  if (links === null || links === undefined) throw new Error(`no action links for ${focalPointEmail} on ${referral.code}`);
  return links;
}

/** The three links of the focal point's new-referral e-mail (caught by the SMTP server), each a URL of this console. */
async function emailLinks(referral: Referral, focalPointEmail: string): Promise<Links> {
  const email = await waitForMessage(env.hub.mailbox, {
    to: focalPointEmail,
    since: demo.startedAt,
    channel: 'email',
    match: (m) => m.text.includes(referral.code) && m.text.includes('/a/'),
    what: `the new-referral e-mail of ${referral.code} with its links`,
    timeoutMs: 30_000,
  });
  const url = (label: string) => {
    const line = email.text.split('\n').find((l) => l.startsWith(`- ${label}`));
    const found = line === undefined ? undefined : /(https?:\/\/\S+\/a\/[A-Za-z0-9_-]+)/.exec(line)?.[1];
    if (found === undefined) throw new Error(`no "${label}" link in the e-mail of ${referral.code}:\n${email.text}`);
    expect(found.startsWith(`${env.consoleUrl}/a/`)).toBe(true);
    return found.slice(env.consoleUrl.length);
  };
  return { acknowledge: url('Accuser réception'), accept: url('Accepter'), decline: url('Refuser') };
}

/** A referral's history as its lead reads it through the API. */
async function historyOf(referral: Referral): Promise<HistoryEntry[]> {
  const token = await env.hub.token(demo.claimsOf('lead'));
  const answer = await fetch(`${env.hub.endpoints.referralsUrl}/v1/referrals/${referral.id}/history`, { headers: { authorization: `Bearer ${token}` } });
  expect(answer.status).toBe(200);
  return ((await answer.json()) as { items: HistoryEntry[] }).items;
}

/** A plain request to the console, as a mail scanner or a script makes it: no cookie, no JavaScript. */
async function plain(path: string, init: RequestInit = {}): Promise<{ status: number; text: string; headers: Headers }> {
  const answer = await fetch(`${env.consoleUrl}${path}`, { redirect: 'manual', ...init });
  return { status: answer.status, text: await answer.text(), headers: answer.headers };
}

const titleOf = (html: string) => /<title>([^<]*)<\/title>/.exec(html)?.[1] ?? '';

async function fitsNarrowScreen(page: Page): Promise<void> {
  expect(Number(await page.evaluate('document.documentElement.scrollWidth'))).toBeLessThanOrEqual(360);
}

describe('e-mail action links', () => {
  it('a scanner’s GET changes nothing; the focal point’s POST acknowledges, told in the history as done by a focal point by e-mail link; the link then reads "already used"', async () => {
    const links = await emailLinks(toClinic, DEMO_PEOPLE.clinicFocalPoint.email);
    expect(links.acknowledge.length).toBeLessThanOrEqual('/a/'.length + 100);
    const before = await historyOf(toClinic);
    expect(before.at(-1)?.toStatus).toBe('submitted');

    // A mail scanner follows the link (GET, then HEAD): a page, never cached, no referrer, no cookie, no change.
    const scanned = await plain(links.acknowledge);
    expect(scanned.status).toBe(200);
    expect(scanned.headers.get('cache-control')).toBe('no-store');
    expect(scanned.headers.get('referrer-policy')).toBe('no-referrer');
    expect(scanned.headers.get('set-cookie')).toBeNull();
    expect(scanned.text).toContain(toClinic.code);
    expect(titleOf(scanned.text)).toBe('Accuser réception d’un référencement — Console du hub de référencement');
    expect((await plain(links.acknowledge, { method: 'HEAD' })).status).toBe(200);
    expect(await historyOf(toClinic)).toEqual(before);

    // She opens it in a browser with no JavaScript, set to English: the page is in her link's language (French).
    const context = await newContext(env, { javaScriptEnabled: false, locale: 'en-GB' });
    const page = await context.newPage();
    try {
      await page.goto(`${env.consoleUrl}${links.acknowledge}`);
      expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe(`Accuser réception du référencement ${toClinic.code}`);
      const main = (await page.getByRole('main').textContent()) ?? '';
      expect(main).toContain('envoyé par');
      expect(main).toContain('L’organisation qui a envoyé le référencement en sera informée.');
      // Nothing about the child: no field of the case, not even its pseudonymous code.
      for (const value of [DEMO_PAYLOAD['child.firstName'], DEMO_PAYLOAD['child.lastName'], demo.caseCode, 'Toux']) expect(main).not.toContain(value);
      expect(await page.title()).not.toContain(toClinic.code);
      expect(await context.cookies()).toEqual([]);
      expect(await historyOf(toClinic)).toEqual(before);

      // Her language, then back.
      await page.getByRole('link', { name: 'English' }).click();
      await expect.poll(() => page.getByRole('heading', { level: 1 }).textContent(), WAIT).toBe(`Acknowledge referral ${toClinic.code}`);
      await page.getByRole('link', { name: 'Français' }).click();
      await expect.poll(() => page.getByRole('heading', { level: 1 }).textContent(), WAIT).toBe(`Accuser réception du référencement ${toClinic.code}`);
      expect(await historyOf(toClinic)).toEqual(before);

      // She presses the button.
      await page.getByRole('button', { name: 'Accuser réception' }).click();
      await expect.poll(() => page.getByRole('heading', { level: 1 }).textContent(), WAIT).toBe('C’est fait');
      expect(await page.getByRole('main').textContent()).toContain(`Vous avez accusé réception du référencement ${toClinic.code}.`);
      expect(await page.getByRole('link', { name: 'Ouvrir le référencement dans la console (connexion)' }).getAttribute('href')).toBe(`/r/${toClinic.code}`);
      const after = await historyOf(toClinic);
      expect(after).toHaveLength(before.length + 1);
      expect(after.at(-1)).toMatchObject({ action: 'acknowledge', toStatus: 'acknowledged', channel: 'email_link' });
      expect(after.at(-1)?.actorFocalPointId).toBeTruthy();

      // The same link again: already used, with sign-in; pressing it again changes nothing either.
      await page.goto(`${env.consoleUrl}${links.acknowledge}`);
      expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Ce lien a déjà servi');
      expect(await page.getByRole('link', { name: 'Se connecter à la console' }).getAttribute('href')).toBe('/login');
      const again = await plain(links.acknowledge, { method: 'POST', body: new URLSearchParams({ lang: 'fr' }) });
      expect(again.status).toBe(410);
      expect(again.text).toContain('Ce lien a déjà servi');
      expect(await historyOf(toClinic)).toEqual(after);
    } finally {
      await context.close();
    }

    // The clinic's focal point, signed in, reads in the history who acknowledged and how.
    const signed = await newContext(env);
    try {
      const page = await signed.newPage();
      await signedInAt(env, page, `/referrals/${toClinic.id}`, DEMO_PEOPLE.clinicFocalPoint.name);
      expect((await page.getByRole('region', { name: 'Historique' }).locator('ol.history').textContent()) ?? '').toMatch(/Accuser réception — [^—]+ — point focal, par lien e-mail/);
    } finally {
      await signed.close();
    }
  });

  it('a decline takes its reason from the page: a missing reason or note is refused naming the field and the link still works; the lead reads the decline by e-mail link', async () => {
    const links = await emailLinks(toDppe, DEMO_PEOPLE.dppeFocalPoint.email);
    const before = await historyOf(toDppe);

    // No reason at all (a hand-made POST): refused naming the reason, link unused.
    const missing = await plain(links.decline, { method: 'POST', body: new URLSearchParams({ lang: 'fr' }) });
    expect(missing.status).toBe(400);
    expect(missing.text).toContain('Motif du refus\u00a0: choisissez un motif dans la liste.');
    expect(await historyOf(toDppe)).toEqual(before);

    const context = await newContext(env, { bypassCSP: true });
    const page = await context.newPage();
    const check = await pageAsserter(page);
    try {
      await check('decline link', () => page.goto(`${env.consoleUrl}${links.decline}`));
      await fitsNarrowScreen(page);
      expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe(`Refuser le référencement ${toDppe.code}`);
      const reasons = page.getByRole('group', { name: 'Motif du refus' });
      expect(await reasons.getByRole('radio').count()).toBe(7);

      // "Other" needs a note: refused, the note named, the choice kept, nothing done.
      await reasons.getByLabel('Autre motif (à préciser) (note obligatoire)').check();
      await page.getByRole('button', { name: 'Refuser le référencement' }).click();
      await expect.poll(() => page.getByRole('alert').textContent(), WAIT).toBe('Note\u00a0: le motif choisi demande une note, écrivez-la.');
      expect(await reasons.getByLabel('Autre motif (à préciser) (note obligatoire)').isChecked()).toBe(true);
      expect(await historyOf(toDppe)).toEqual(before);

      await reasons.getByLabel('Capacité d\'accueil atteinte').check();
      await check('decline done', () => page.getByRole('button', { name: 'Refuser le référencement' }).click());
      await expect.poll(() => page.getByRole('heading', { level: 1 }).textContent(), WAIT).toBe('C’est fait');
      expect(await page.getByRole('main').textContent()).toContain(`Vous avez refusé le référencement ${toDppe.code}.`);
      await fitsNarrowScreen(page);
      expect((await historyOf(toDppe)).at(-1)).toMatchObject({ action: 'decline', reasonCode: 'no_capacity', channel: 'email_link' });

      // The acknowledge link of the declined referral: no longer possible, with the way to the referral.
      await check('not allowed', () => page.goto(`${env.consoleUrl}${links.acknowledge}`));
      expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Cette action n’est plus possible');
      expect(await page.getByRole('main').textContent()).toContain('«\u00a0Refusé\u00a0»');
      expect(await page.getByRole('link', { name: 'Ouvrir le référencement dans la console (connexion)' }).getAttribute('href')).toBe(`/r/${toDppe.code}`);
    } finally {
      await context.close();
    }

    // The lead reads, on her referral page, that a focal point declined it by e-mail link.
    const lead = await newContext(env);
    try {
      const page = await lead.newPage();
      await signedInAt(env, page, `/referrals/${toDppe.id}`, DEMO_PEOPLE.lead.name);
      expect((await page.getByRole('region', { name: 'Historique' }).locator('ol.history').textContent()) ?? '').toMatch(/Refuser — [^—]+ — point focal, par lien e-mail — Capacité/);
      // Signed in, a link page is the same public page: her session is neither shown, nor used, nor touched.
      const cookies = await lead.cookies();
      const response = await page.goto(`${env.consoleUrl}${links.decline}`);
      expect(response?.headers()['set-cookie']).toBeUndefined();
      expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Ce lien a déjà servi');
      expect(await page.locator('header').textContent()).not.toContain(DEMO_PEOPLE.lead.name);
      expect(await lead.cookies()).toEqual(cookies);
      await page.goto(`${env.consoleUrl}/sent`);
      expect(await page.locator('header').textContent()).toContain(DEMO_PEOPLE.lead.name);
    } finally {
      await lead.close();
    }
  });

  it('a tampered link reads "not valid" with sign-in; too many requests for one link get a 429 page', async () => {
    const genuine = expiring.accept;
    const middle = Math.floor(genuine.length / 2);
    const tampered = `${genuine.slice(0, middle)}${genuine[middle] === 'A' ? 'B' : 'A'}${genuine.slice(middle + 1)}`;

    const context = await newContext(env, { bypassCSP: true });
    const page = await context.newPage();
    const check = await pageAsserter(page);
    try {
      await check('invalid link', () => page.goto(`${env.consoleUrl}/a/${tampered}`));
      await fitsNarrowScreen(page);
      expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Ce lien n’est pas valable');
      expect(await page.getByRole('link', { name: 'Se connecter à la console' }).getAttribute('href')).toBe('/login');
      const posted = await plain(`/a/${tampered}`, { method: 'POST', body: new URLSearchParams({ lang: 'en' }) });
      expect(posted.status).toBe(404);
      expect(posted.text).toContain('This link is not valid');

      // One link opened over and over (20 a window by default): the 21st is refused, in words.
      const hammered = `${genuine.slice(0, -4)}AAAA`;
      const statuses: number[] = [];
      for (let i = 0; i < 20; i += 1) statuses.push((await plain(`/a/${hammered}`)).status);
      expect(statuses.filter((s) => s === 429)).toEqual([]);
      await check('too many', () => page.goto(`${env.consoleUrl}/a/${hammered}`));
      expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Trop de tentatives');
      const refused = await plain(`/a/${hammered}`);
      expect(refused.status).toBe(429);
      expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
      // Other links are not held back by it.
      expect((await plain(`/a/${tampered}`)).status).toBe(404);
    } finally {
      await context.close();
    }
  });

  it('an expired link reads "expired" with sign-in, and changes nothing', async () => {
    const wait = new Date(expiring.expiresAt).getTime() + 1_000 - Date.now();
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, wait)));
    const before = await historyOf(waiting);
    expect(before.at(-1)?.toStatus).toBe('submitted');

    const opened = await plain(`/a/${expiring.acknowledge}`);
    expect(opened.status).toBe(410);
    expect(opened.text).toContain('Ce lien a expiré');
    expect(opened.text).toContain('href="/login"');
    const pressed = await plain(`/a/${expiring.acknowledge}`, { method: 'POST', body: new URLSearchParams({ lang: 'fr' }) });
    expect(pressed.status).toBe(410);
    expect(pressed.text).toContain('Ce lien a expiré');
    expect(await historyOf(waiting)).toEqual(before);
  }, LINK_SECONDS * 1000 + 30_000);
});
