/**
 * The indicators page in a real Chromium over the real services: referrals made and answered
 * over the API (six to the clinic, acknowledged and accepted at once; five to the department,
 * never answered past a one-second decision deadline, two of them then withdrawn), then the
 * network coordinator and the lead's supervisor read what those steps produced: counts, times,
 * the no-feedback rate, small cells shown as "< 5", the CSV, and (coordinator only) the gap report.
 */
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_PEOPLE } from '../../../scripts/demo/case.js';
import { DEMO_COORDINATOR } from '../../../scripts/demo/network.js';
import { DemoCase } from '../../../scripts/demo/scenario.js';
import type { TokenClaims } from '../../../scripts/demo/scenario.js';
import { startConsoleHub } from './support/console-hub.js';
import type { ConsoleHub } from './support/console-hub.js';
import { WAIT, newContext, printLogsOnFailure, signedInAt } from './support/browser.js';
import { expectLightAndAccessible, pageChecker } from './support/page-checks.js';

let env: ConsoleHub;
let demo: DemoCase;
const COORDINATOR: TokenClaims = { sub: DEMO_COORDINATOR.userId, org: DEMO_COORDINATOR.organizationId, roles: ['network_coordinator'] };
/** The French labels of the two services' types, as the page names them. */
let clinicType = '';
let dppeType = '';

/** One call to a service as someone, with a token the development identity signs. */
async function call<T>(claims: TokenClaims, url: string, method: string, body?: unknown): Promise<T> {
  const response = await fetch(url, {
    method,
    headers: { authorization: `Bearer ${await env.hub.token(claims)}`, accept: 'application/json', ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`${method} ${url}: ${response.status} ${text}`);
  return JSON.parse(text) as T;
}

beforeAll(async () => {
  env = await startConsoleHub('indicators');
  demo = await DemoCase.open({ hub: env.hub.endpoints, token: env.hub.token, mailbox: env.hub.mailbox });
  await demo.recordConsents();
  const services = await demo.findServices();
  const referrals = env.hub.endpoints.referralsUrl;
  // Medium urgency (the department's referrals) gets one second to acknowledge and decide.
  const DAY = 86_400;
  await call(COORDINATOR, `${referrals}/v1/network/deadlines`, 'PUT', {
    acknowledge: { high: DAY, medium: 1, low: 7 * DAY },
    decide: { high: 2 * DAY, medium: 1, low: 10 * DAY },
    escalate: { high: DAY, medium: DAY, low: 7 * DAY },
  });
  for (let i = 0; i < 6; i += 1) {
    await demo.refer('clinic');
    await demo.act('clinic', 'acknowledge');
    await demo.act('clinic', 'accept');
  }
  const toDppe: string[] = [];
  for (let i = 0; i < 5; i += 1) toDppe.push((await demo.refer('dppe')).submitted.id);
  // Past the department's decision deadline with no decision; two are then withdrawn by the lead.
  await new Promise((resolve) => setTimeout(resolve, 1_500));
  for (const id of toDppe.slice(0, 2)) await call(demo.claimsOf('lead'), `${referrals}/v1/referrals/${id}/withdraw`, 'POST', {});
  const taxonomy = await call<{ items: { code: string; labels: { fr: string } }[] }>(demo.claimsOf('lead'), `${env.hub.endpoints.directoryUrl}/v1/taxonomy`, 'GET');
  const label = (code: string | undefined) => taxonomy.items.find((term) => term.code === code)?.labels.fr ?? '';
  clinicType = label(services.clinic.chosen.types[0]);
  dppeType = label(services.dppe.chosen.types[0]);
  expect(clinicType).not.toBe('');
  expect(dppeType).not.toBe('');
}, 420_000);

afterAll(async () => {
  await env?.close();
});

printLogsOnFailure(() => env);

/** The cells of the row whose header reads `header`, in a table captioned `caption`. */
async function rowOf(page: Page, caption: string, header: string): Promise<string[]> {
  const table = page.getByRole('table', { name: caption });
  const row = table.getByRole('row').filter({ has: page.getByRole('rowheader', { name: header, exact: true }) });
  return (await row.getByRole('cell').allTextContents()).map((text) => text.replace(/\s+/g, ' ').trim());
}

const PER_TYPE = 'Référencements par type du service destinataire, sur toute la période';
const OUTCOMES = 'Référencements par statut actuel (un référencement clos compte sous son issue), refus et services non rendus par motif';
const TIMELINESS = 'Délai d’accusé de réception et de décision, par urgence, face au délai fixé au moment de l’envoi';

describe('the indicators page', () => {
  it('shows the coordinator the counts, times and no-feedback rate the referrals produced, small cells as "< 5", the CSV and the gap report, light and accessible at 360 px', async () => {
    const context = await newContext(env, { bypassCSP: true, acceptDownloads: true });
    const page = await context.newPage();
    const measure = await pageChecker(page);
    try {
      await signedInAt(env, page, '/indicators', DEMO_COORDINATOR.name);
      const results = [await measure('indicators (coordinator)', () => page.reload())];
      // The coordination is no organisation of the directory: the header names the person alone, not "()".
      expect(await page.locator('.who').textContent()).toBe(`Connecté·e : ${DEMO_COORDINATOR.name}`);
      const main = page.getByRole('main');
      expect(await page.getByRole('navigation').getByRole('link', { name: 'Indicateurs' }).count()).toBe(1);
      expect(await main.getByRole('heading', { level: 1 }).textContent()).toBe('Indicateurs des référencements');
      expect(await main.textContent()).toContain('Tout le réseau');

      // The no-feedback rate, first: the department's five, past their deadline, none decided (two withdrawn after it).
      const headline = main.getByRole('region', { name: 'Taux sans retour', exact: true });
      expect((await headline.locator('.big').textContent())?.replace(/\s/g, '')).toBe('100%');
      expect(await headline.textContent()).toContain('5 référencements sans décision sur 5');

      // Per service type: six to the clinic, five to the department.
      expect(await rowOf(page, PER_TYPE, clinicType)).toEqual(['6', '0', '0', '—', expect.stringMatching(/^0 h$/)]);
      expect((await rowOf(page, PER_TYPE, dppeType)).slice(0, 4)).toEqual(['5', '0', '0', '100 %']);

      // Statuses: six accepted; three still sent and two withdrawn are small cells.
      expect(await rowOf(page, OUTCOMES, 'Référencements')).toEqual(['11']);
      expect(await rowOf(page, OUTCOMES, 'Accepté')).toEqual(['6']);
      expect(await rowOf(page, OUTCOMES, 'Envoyé')).toEqual(['< 5']);
      expect(await rowOf(page, OUTCOMES, 'Retiré')).toEqual(['< 5']);

      // Times: the clinic acknowledged and accepted at once, well within its high-urgency deadlines.
      expect(await rowOf(page, TIMELINESS, 'Accusé de réception — urgence haute')).toEqual(['6', '0 h', '0 h', '6', '100 %']);
      expect(await rowOf(page, TIMELINESS, 'Décision — urgence haute')).toEqual(['6', '0 h', '0 h', '6', '100 %']);
      expect(await rowOf(page, TIMELINESS, 'Accusé de réception — urgence moyenne')).toEqual(['0', '—', '—', '0', '—']);

      // The charts are drawn in SVG, each named for screen readers, with the table beside it.
      expect(await main.getByRole('img', { name: /Référencements envoyés par période/ }).count()).toBe(1);
      expect(await main.getByRole('img', { name: /Taux sans retour par période/ }).count()).toBe(1);
      expect(await main.locator('svg .bar-suppressed').count()).toBe(0);

      // The gap report, for the coordinator.
      expect(await main.getByRole('heading', { name: 'Manques dans la carte des services' }).count()).toBe(1);

      // Filtered to the clinic's type by the GET form: the department's referrals are gone.
      await page.getByLabel('Type de service', { exact: true }).selectOption({ label: clinicType });
      await page.getByRole('button', { name: 'Afficher' }).click();
      await expect.poll(() => page.url(), WAIT).toContain('serviceType=');
      expect((await headline.locator('.big').textContent())?.trim()).toBe('—');
      expect(await rowOf(page, OUTCOMES, 'Référencements')).toEqual(['6']);
      results.push(await measure('indicators filtered', () => page.reload()));

      // The CSV of the same filters, as a file to save.
      const download = page.waitForEvent('download');
      await main.getByRole('link', { name: 'Télécharger ces chiffres (CSV)' }).click();
      const file = await download;
      expect(file.suggestedFilename()).toBe('indicators.csv');
      const csv = await page.request.get(`${env.consoleUrl}/indicators.csv?${new URL(page.url()).searchParams.toString()}`);
      expect(csv.headers()['content-disposition']).toBe('attachment; filename="indicators.csv"');
      expect(csv.headers()['content-type']).toMatch(/^text\/csv/);
      const lines = (await csv.text()).trim().split('\r\n');
      expect(lines[0]).toMatch(/^period,service_type,referrals,/);
      const total = lines.find((line) => line.startsWith(',')) ?? '';
      expect(total.split(',')[2]).toBe('6');

      // A bad range reads as the service's words, naming the field.
      await page.goto(`${env.consoleUrl}/indicators?from=2026-05-01&to=2026-04-01`);
      expect(await page.getByRole('alert').textContent()).toContain('query.to');
      expectLightAndAccessible(results);
    } finally {
      await context.close();
    }
  });

  it('shows the supervisor her organisation’s referrals without the gap report, and refuses a caseworker in words', async () => {
    const context = await newContext(env, { bypassCSP: true, acceptDownloads: true });
    const page = await context.newPage();
    const measure = await pageChecker(page);
    try {
      await signedInAt(env, page, '/indicators', DEMO_PEOPLE.supervisor.name);
      const results = [await measure('indicators (supervisor)', () => page.reload())];
      const main = page.getByRole('main');
      expect(await main.textContent()).toContain('Référencements envoyés ou reçus par votre organisation');
      // Her organisation sent them all: the same figures as the network's.
      expect(await rowOf(page, OUTCOMES, 'Référencements')).toEqual(['11']);
      expect(await rowOf(page, OUTCOMES, 'Envoyé')).toEqual(['< 5']);
      expect(await main.getByRole('heading', { name: 'Manques dans la carte des services' }).count()).toBe(0);
      // By week: the same referrals, in this week's column.
      await page.getByLabel('Période', { exact: true }).selectOption('week');
      await page.getByRole('button', { name: 'Afficher' }).click();
      await expect.poll(() => page.url(), WAIT).toContain('period=week');
      expect(await rowOf(page, OUTCOMES, 'Référencements')).toEqual(['11']);
      results.push(await measure('indicators by week', () => page.reload()));
      expectLightAndAccessible(results);
    } finally {
      await context.close();
    }
    const caseworker = await newContext(env, { acceptDownloads: true });
    try {
      const page = await caseworker.newPage();
      await signedInAt(env, page, '/indicators', DEMO_PEOPLE.lead.name);
      expect(await page.getByRole('navigation').getByRole('link', { name: 'Indicateurs' }).count()).toBe(0);
      const refusal = (await page.getByRole('alert').textContent()) ?? '';
      expect(refusal.length).toBeGreaterThan(10);
      expect(refusal).not.toMatch(/ at |Error|[a-z]+_[a-z]+/);
      const csv = await page.request.get(`${env.consoleUrl}/indicators.csv`);
      expect(csv.status()).toBe(403);
    } finally {
      await caseworker.close();
    }
  });
});
