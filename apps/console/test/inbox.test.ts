/**
 * The receiving side's inbox and session in a real Chromium over the real
 * services: filters by service, urgency and status; paging two at a time
 * that walks every referral once, overdue first, keeping the filters; the
 * counts of the tabs; "not delivered" with a catalogue reason that needs a
 * note; the access token refreshed with the refresh token once it expired
 * (no new sign-in), a refused refresh sending the person to sign in again;
 * and an idle session gone.
 */
import { createHash } from 'node:crypto';
import { Redis } from 'ioredis';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_PAYLOAD, DEMO_PEOPLE } from '../../../scripts/demo/case.js';
import { DEMO_COORDINATOR } from '../../../scripts/demo/network.js';
import { DemoCase } from '../../../scripts/demo/scenario.js';
import type { HistoryEntry, Referral, Service, TokenClaims } from '../../../scripts/demo/scenario.js';
import { tabCount } from '../src/inbox-tabs.js';
import { startConsoleHub } from './support/console-hub.js';
import type { ConsoleHub } from './support/console-hub.js';
import { WAIT, newContext, printLogsOnFailure, signedInAt } from './support/browser.js';
import { axeViolations } from './support/page-checks.js';

/** The identity's access tokens live this long (seconds): the console must refresh them during the test. */
const TOKEN_TTL = 40;
/** A session unused this long (seconds) is gone; longer than a token's life, so the refresh test keeps its session. */
const IDLE = 75;
const FOCAL_POINT = DEMO_PEOPLE.dppeFocalPoint.name;

let env: ConsoleHub;
let demo: DemoCase;
let redis: Redis;
/** The department's referrals, by role in the tests. */
type Key = 'A' | 'B' | 'C' | 'D' | 'E' | 'F' | 'G' | 'H';
const made = new Map<Key, { id: string; code: string }>();
function ref(key: Key): { id: string; code: string } {
  const found = made.get(key);
  if (found === undefined) throw new Error(`referral ${key} was not made`);
  return found;
}
let names: { statutory: string; placement: string; birth: string };

async function api<T>(claims: TokenClaims, base: string, method: string, path: string, body?: unknown): Promise<{ status: number; body: T }> {
  const answer = await fetch(new URL(path, base), {
    method,
    headers: { authorization: `Bearer ${await env.hub.token(claims)}`, accept: 'application/json', ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await answer.text();
  return { status: answer.status, body: (text === '' ? undefined : JSON.parse(text)) as T };
}

async function ok<T>(claims: TokenClaims, base: string, method: string, path: string, body?: unknown): Promise<T> {
  const answer = await api<T>(claims, base, method, path, body);
  if (answer.status !== 200 && answer.status !== 201) throw new Error(`${method} ${path} answered ${answer.status}: ${JSON.stringify(answer.body)}`);
  return answer.body;
}

beforeAll(async () => {
  env = await startConsoleHub('inbox', {
    env: { identity: { DEV_IDENTITY_ACCESS_TOKEN_TTL: String(TOKEN_TTL) }, console: { INBOX_PAGE_SIZE: '2', SESSION_IDLE_SECONDS: String(IDLE) } },
  });
  redis = new Redis(env.redisUrl, { lazyConnect: true, maxRetriesPerRequest: 2 });
  await redis.connect();
  const { referralsUrl, directoryUrl } = env.hub.endpoints;
  demo = await DemoCase.open({ hub: env.hub.endpoints, token: env.hub.token, mailbox: env.hub.mailbox });
  await demo.recordConsents();
  const found = await demo.findServices();
  const lead = demo.claimsOf('lead');
  const focalPoint = demo.claimsOf('dppeFocalPoint');
  const coordinator: TokenClaims = { sub: DEMO_COORDINATOR.userId, org: DEMO_COORDINATOR.organizationId, roles: ['network_coordinator'], name: DEMO_COORDINATOR.name };

  // Low-urgency referrals must be acknowledged within 2 s from now on: those made below are overdue at once.
  type Deadlines = { acknowledge: Record<string, number>; decide: Record<string, number>; escalate: Record<string, number> };
  const deadlines = await ok<Deadlines>(coordinator, referralsUrl, 'GET', '/v1/network/deadlines');
  await ok(coordinator, referralsUrl, 'PUT', '/v1/network/deadlines', { acknowledge: { ...deadlines.acknowledge, low: 2 }, decide: deadlines.decide, escalate: deadlines.escalate });

  const department = found.dppe.chosen.organizationId;
  const services = (await ok<{ items: Service[] }>(lead, directoryUrl, 'GET', `/v1/services?organizationId=${department}&limit=100`)).items;
  const named = (start: string): Service => {
    const service = services.find((s) => (s.name.fr ?? '').startsWith(start));
    if (service === undefined) throw new Error(`no department service named ${start}…`);
    return service;
  };
  const statutory = named('Gestion des cas');
  const placement = named('Placement familial');
  const birth = named('Enregistrement tardif');
  names = { statutory: statutory.name.fr ?? '', placement: placement.name.fr ?? '', birth: birth.name.fr ?? '' };

  const refer = async (service: Service, urgency: 'high' | 'medium' | 'low'): Promise<{ id: string; code: string }> => {
    const body = {
      caseCode: demo.caseCode,
      recipientOrganizationId: department,
      recipientServiceId: service.id,
      ...(service.types[0] === undefined ? {} : { recipientServiceType: service.types[0] }),
      urgency,
      need: { category: 'unaccompanied_or_separated', text: 'Évaluation demandée.' },
      caseCategories: ['psychosocial_distress'],
      payload: DEMO_PAYLOAD,
    };
    // The referrals service learns each service from the directory's events: it may not know this one yet.
    const draft = await demo.waitFor(`the referrals service to know ${service.id}`, async () => {
      const answer = await api<Referral>(lead, referralsUrl, 'POST', '/v1/referrals', body);
      if (answer.status === 201) return answer.body;
      if (answer.status === 422) return undefined;
      throw new Error(`POST /v1/referrals answered ${answer.status}: ${JSON.stringify(answer.body)}`);
    });
    const submitted = await ok<Referral>(lead, referralsUrl, 'POST', `/v1/referrals/${draft.id}/submit`, {});
    return { id: submitted.id, code: submitted.code };
  };
  const step = (r: { id: string }, action: string) => ok<Referral>(focalPoint, referralsUrl, 'POST', `/v1/referrals/${r.id}/${action}`, {});

  const b = (await demo.refer('dppe')).submitted;
  made.set('B', { id: b.id, code: b.code }); // case management, medium
  made.set('D', await refer(placement, 'low')); // overdue, the most
  made.set('E', await refer(statutory, 'low')); // overdue
  made.set('A', await refer(statutory, 'high'));
  made.set('C', await refer(placement, 'high'));
  made.set('G', await refer(birth, 'medium'));
  await step(ref('G'), 'acknowledge');
  made.set('H', await refer(birth, 'medium'));
  await step(ref('H'), 'acknowledge');
  await step(ref('H'), 'accept');
  made.set('F', await refer(birth, 'high'));
  await step(ref('F'), 'acknowledge');
  await step(ref('F'), 'accept');
  await step(ref('F'), 'start');
  // Past the low referrals' 2 s acknowledgement deadline.
  await new Promise((resolve) => setTimeout(resolve, 2_500));
}, 420_000);

afterAll(async () => {
  redis?.disconnect();
  await env?.close();
});

printLogsOnFailure(() => env);

/** The referral codes the page lists, in order. */
function codes(page: Page): Promise<string[]> {
  return page.locator('main ul.cards > li strong').allTextContents();
}

function codeOf(...keys: Key[]): string[] {
  return keys.map((k) => ref(k).code);
}

async function applyFilters(page: Page, filters: { service?: string; urgency?: string; status?: string }): Promise<void> {
  await page.getByLabel('Service', { exact: true }).selectOption(filters.service === undefined ? { index: 0 } : { label: filters.service });
  await page.getByLabel('Urgence', { exact: true }).selectOption(filters.urgency ?? '');
  await page.getByLabel('Statut', { exact: true }).selectOption(filters.status ?? '');
  await page.getByRole('button', { name: 'Filtrer' }).click();
  await page.waitForLoadState('load');
}

/** Follows "next page" from where the page is, collecting each page's codes and URL. */
async function walkPages(page: Page): Promise<{ codes: string[]; url: URL }[]> {
  const pages = [{ codes: await codes(page), url: new URL(page.url()) }];
  for (let i = 0; i < 10; i += 1) {
    const next = page.getByRole('link', { name: 'Page suivante' });
    if ((await next.count()) === 0) return pages;
    await next.click();
    await page.waitForLoadState('load');
    pages.push({ codes: await codes(page), url: new URL(page.url()) });
  }
  throw new Error('more than 10 pages');
}

type StoredSession = { user?: { sub: string }; tokens?: { accessToken: string; refreshToken?: string; expiresAt: number } };

async function sessionKey(context: BrowserContext): Promise<{ cookie: string; key: string }> {
  const cookie = (await context.cookies(env.consoleUrl)).find((c) => c.name === 'hub_console')?.value ?? '';
  expect(cookie).toMatch(/^[A-Za-z0-9_-]{43}$/);
  return { cookie, key: `${env.sessionPrefix}session:${createHash('sha256').update(cookie).digest('base64url')}` };
}

async function storedSession(key: string): Promise<StoredSession | undefined> {
  const raw = await redis.get(key);
  return raw === null ? undefined : (JSON.parse(raw) as StoredSession);
}

describe('the inbox', () => {
  it('counts each tab, caps a count at 200 as "more than 200", and lists overdue referrals first, marked', async () => {
    expect(tabCount({ items: Array.from({ length: 200 }), nextCursor: 'more' })).toEqual({ count: 200, more: true });
    expect(tabCount({ items: Array.from({ length: 200 }), nextCursor: null })).toEqual({ count: 200, more: false });
    const context = await newContext(env);
    const page = await context.newPage();
    try {
      await signedInAt(env, page, '/inbox', FOCAL_POINT);
      const tabs = page.getByRole('navigation', { name: 'Référencements reçus' }).getByRole('link');
      expect(await tabs.allTextContents()).toEqual(['À accuser réception (5 référencements)', 'À décider (1 référencement)', 'En cours (2 référencements)', 'Clos (aucun)']);
      // Page one of two-per-page: the two overdue referrals, the most overdue on top, marked as such.
      expect(await codes(page)).toEqual(codeOf('D', 'E'));
      expect(await page.locator('main ul.cards > li.overdue').count()).toBe(2);
      expect(await page.locator('main ul.cards > li .late').first().textContent()).toMatch(/^En retard de \d+ minute/);
    } finally {
      await context.close();
    }
  });

  it('narrows the list by urgency, by service and by status, exactly', async () => {
    const context = await newContext(env);
    const page = await context.newPage();
    try {
      await signedInAt(env, page, '/inbox', FOCAL_POINT);
      await applyFilters(page, { urgency: 'high' });
      expect(new URL(page.url()).searchParams.get('urgency')).toBe('high');
      expect((await walkPages(page)).flatMap((p) => p.codes).sort()).toEqual(codeOf('A', 'C').sort());

      await applyFilters(page, { service: names.placement });
      // The overdue one first, then the other.
      expect((await walkPages(page)).flatMap((p) => p.codes)).toEqual(codeOf('D', 'C'));

      await applyFilters(page, { service: names.placement, urgency: 'low' });
      expect(await codes(page)).toEqual(codeOf('D'));

      await applyFilters(page, { urgency: 'medium' });
      expect(await codes(page)).toEqual(codeOf('B'));

      await page.getByRole('navigation', { name: 'Référencements reçus' }).getByRole('link', { name: /En cours/ }).click();
      await page.waitForLoadState('load');
      expect((await codes(page)).sort()).toEqual(codeOf('F', 'H').sort());
      await applyFilters(page, { status: 'accepted' });
      expect(await codes(page)).toEqual(codeOf('H'));
      await applyFilters(page, { status: 'in_progress' });
      expect(await codes(page)).toEqual(codeOf('F'));
      await applyFilters(page, { status: 'in_progress', service: names.statutory });
      expect(await page.getByRole('main').textContent()).toContain('Aucun référencement dans cet onglet.');
    } finally {
      await context.close();
    }
  });

  it('pages two at a time through every referral exactly once, overdue first, keeping the filters, with a way back to the first page', async () => {
    const context = await newContext(env, { bypassCSP: true });
    const page = await context.newPage();
    try {
      await signedInAt(env, page, '/inbox', FOCAL_POINT);
      const all = await walkPages(page);
      // Overdue first (most overdue on top), then the rest newest first, each page by nearest deadline.
      expect(all.map((p) => p.codes)).toEqual([codeOf('D', 'E'), codeOf('A', 'C'), codeOf('B')]);

      // Filtered on case management: the overdue one, then the newest, then the last; every page keeps the filter.
      await applyFilters(page, { service: names.statutory });
      const filtered = await walkPages(page);
      expect(filtered.map((p) => p.codes)).toEqual([codeOf('E', 'A'), codeOf('B')]);
      const serviceId = filtered[0]?.url.searchParams.get('service');
      expect(serviceId).toMatch(/^[0-9a-f-]{36}$/);
      for (const p of filtered) expect(p.url.searchParams.get('service')).toBe(serviceId);
      expect(await page.getByLabel('Service', { exact: true }).locator('option:checked').textContent()).toBe(names.statutory);

      // The last page: no next, a way back to the first page, accessible and light.
      expect(await page.getByRole('link', { name: 'Page suivante' }).count()).toBe(0);
      expect(await axeViolations(page)).toEqual([]);
      expect((await page.content()).length).toBeLessThan(100 * 1024);
      await page.getByRole('link', { name: 'Première page' }).click();
      await page.waitForLoadState('load');
      expect(await codes(page)).toEqual(codeOf('E', 'A'));
      expect(new URL(page.url()).searchParams.get('cursor')).toBeNull();
      expect(new URL(page.url()).searchParams.get('service')).toBe(serviceId);

      // A cursor the console did not write: back to the first page, not an error.
      const forged = await page.goto(`${env.consoleUrl}/inbox?tab=to_acknowledge&cursor=r.bm90LWEtY3Vyc29y`);
      expect(forged?.status()).toBe(200);
      expect(await codes(page)).toEqual(codeOf('D', 'E'));
    } finally {
      await context.close();
    }
  });

  it('records "not delivered" with its reason, refusing the reason that needs a note without one', async () => {
    const context = await newContext(env);
    const page = await context.newPage();
    try {
      await signedInAt(env, page, '/inbox', FOCAL_POINT);
      await page.goto(`${env.consoleUrl}/referrals/${ref('F').id}`);
      const form = page.getByRole('group', { name: 'Service non rendu' });
      await form.getByLabel('Motif').selectOption({ label: 'Autre motif (à préciser)' });
      await form.getByRole('button', { name: 'Service non rendu' }).click();
      await expect.poll(() => page.getByRole('alert').textContent(), WAIT).toBe('Ce motif demande une note.');
      expect((await ok<Referral>(demo.claimsOf('dppeFocalPoint'), env.hub.endpoints.referralsUrl, 'GET', `/v1/referrals/${ref('F').id}`)).status).toBe('in_progress');

      await page.getByRole('group', { name: 'Service non rendu' }).getByLabel('Motif').selectOption({ label: 'Autre motif (à préciser)' });
      await page.getByRole('group', { name: 'Service non rendu' }).getByLabel('Note (facultative)').fill('La famille a quitté la province.');
      await page.getByRole('group', { name: 'Service non rendu' }).getByRole('button', { name: 'Service non rendu' }).click();
      await expect.poll(() => page.getByRole('status').textContent(), WAIT).toBe('Service indiqué comme non rendu.');
      expect(await page.locator('ol.history > li').last().textContent()).toContain('Autre motif (à préciser)');

      const history = (await ok<{ items: HistoryEntry[] }>(demo.claimsOf('lead'), env.hub.endpoints.referralsUrl, 'GET', `/v1/referrals/${ref('F').id}/history`)).items;
      expect(history.at(-1)).toMatchObject({ action: 'not_delivered', reasonCode: 'other', note: 'La famille a quitté la province.', actor: { userId: DEMO_PEOPLE.dppeFocalPoint.userId } });

      await page.goto(`${env.consoleUrl}/inbox?tab=closed`);
      expect(await codes(page)).toEqual(codeOf('F'));
      expect(await page.getByRole('navigation', { name: 'Référencements reçus' }).getByRole('link', { name: /Clos/ }).textContent()).toBe('Clos (1 référencement)');
    } finally {
      await context.close();
    }
  });
});

// Two long waits (a token's life, the idle time): side by side, each in its own browser context.
describe.concurrent('the session', () => {
  it('refreshes an expired access token with the refresh token: the action succeeds with no new sign-in', async () => {
    const context = await newContext(env);
    const page = await context.newPage();
    const identityOrigin = new URL(env.hub.issuer).origin;
    try {
      await signedInAt(env, page, '/inbox', FOCAL_POINT);
      const { cookie, key } = await sessionKey(context);
      const before = await storedSession(key);
      expect(before?.tokens?.refreshToken).toBeTruthy();
      const expiresAt = before?.tokens?.expiresAt ?? 0;
      // The identity gave a token of TOKEN_TTL seconds.
      expect(expiresAt - Date.now()).toBeLessThanOrEqual(TOKEN_TTL * 1000);
      await new Promise((resolve) => setTimeout(resolve, Math.max(0, expiresAt - Date.now()) + 1_000));

      const toIdentity: string[] = [];
      page.on('request', (request) => {
        if (request.url().startsWith(identityOrigin)) toIdentity.push(request.url());
      });
      await page.goto(`${env.consoleUrl}/referrals/${ref('A').id}`);
      await page.getByRole('button', { name: 'Accuser réception', exact: true }).click();
      await expect.poll(() => page.getByRole('status').textContent(), WAIT).toBe('Réception accusée.');
      expect(page.url()).toBe(`${env.consoleUrl}/referrals/${ref('A').id}`);
      expect(toIdentity).toEqual([]);

      // Same session, a new token from the refresh.
      expect((await sessionKey(context)).cookie).toBe(cookie);
      const after = await storedSession(key);
      expect(after?.user?.sub).toBe(DEMO_PEOPLE.dppeFocalPoint.userId);
      expect(after?.tokens?.accessToken).not.toBe(before?.tokens?.accessToken);
      expect(after?.tokens?.expiresAt ?? 0).toBeGreaterThan(Date.now());
      const history = (await ok<{ items: HistoryEntry[] }>(demo.claimsOf('lead'), env.hub.endpoints.referralsUrl, 'GET', `/v1/referrals/${ref('A').id}/history`)).items;
      expect(history.at(-1)).toMatchObject({ action: 'acknowledge', actor: { userId: DEMO_PEOPLE.dppeFocalPoint.userId } });

      // A refresh the identity refuses (a refresh token it does not know, as after a restart): sign in again, not an error.
      const stored = await storedSession(key);
      await redis.set(key, JSON.stringify({ ...stored, tokens: { ...stored?.tokens, refreshToken: 'unknown-to-the-identity', expiresAt: Date.now() - 1_000 } }), 'EX', IDLE);
      const refused = await page.request.get(`${env.consoleUrl}/inbox?tab=to_decide`, { maxRedirects: 0 });
      expect(refused.status()).toBe(303);
      expect(refused.headers().location).toBe('/login?returnTo=%2Finbox%3Ftab%3Dto_decide');
      expect((await storedSession(key))?.tokens).toBeUndefined();
      // Through the identity (still signed in there) and back to the page asked for, signed in anew.
      const again = await page.goto(`${env.consoleUrl}/inbox?tab=to_decide`);
      expect(again?.status()).toBe(200);
      expect(page.url()).toBe(`${env.consoleUrl}/inbox?tab=to_decide`);
      expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Référencements reçus');
      expect((await sessionKey(context)).cookie).not.toBe(cookie);
    } finally {
      await context.close();
    }
  }, 120_000);

  it(`forgets a session unused for longer than the idle time`, async () => {
    const context = await newContext(env);
    const page = await context.newPage();
    try {
      await signedInAt(env, page, '/inbox', FOCAL_POINT);
      const { key } = await sessionKey(context);
      const ttl = await redis.ttl(key);
      expect(ttl).toBeGreaterThan(IDLE - 15);
      expect(ttl).toBeLessThanOrEqual(IDLE);
      await new Promise((resolve) => setTimeout(resolve, (IDLE + 2) * 1000));
      expect(await redis.exists(key)).toBe(0);
      const gone = await page.request.get(`${env.consoleUrl}/inbox`, { maxRedirects: 0 });
      expect(gone.status()).toBe(303);
      expect(gone.headers().location).toBe('/login?returnTo=%2Finbox');
    } finally {
      await context.close();
    }
  }, 150_000);
});
