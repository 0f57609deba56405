/**
 * The referring side's journey in a real Chromium over the real services:
 * the lead caseworker finds the clinic's and the department's services with
 * the directory's filters, proposes case fields group by group, sees
 * exactly what each recipient will receive (a consent decision that
 * consumes nothing), saves a draft, resumes it and sends; the result tells
 * what was shared and what was withheld, and why. Bad input is refused in
 * words naming the field, and a refused creation leaves nothing behind.
 * Every page is light and accessible at 360 px.
 */
import { FIELD_CATALOGUE, expandFieldSelectors } from '@referral-hub/contracts';
import type { ConsentApi, ReferralsApi } from '@referral-hub/contracts';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_CHILD_AGE, DEMO_PEOPLE, DEMO_SEARCH, DEMO_SHARING } from '../../../scripts/demo/case.js';
import type { DemoPersonKey } from '../../../scripts/demo/case.js';
import { DemoCase } from '../../../scripts/demo/scenario.js';
import type { FoundService, Recipient } from '../../../scripts/demo/scenario.js';
import { startConsoleHub } from './support/console-hub.js';
import type { ConsoleHub } from './support/console-hub.js';
import { WAIT, alertText, newContext, printLogsOnFailure, signInAs, signedInAt } from './support/browser.js';
import { pageAsserter } from './support/page-checks.js';
import type { Check } from './support/page-checks.js';

type Referral = ReferralsApi.components['schemas']['Referral'];
type ReferralSummaryPage = ReferralsApi.components['schemas']['ReferralSummaryPage'];
type Decision = ConsentApi.components['schemas']['Decision'];

let env: ConsoleHub;
let demo: DemoCase;
let found: Record<Recipient, FoundService>;

/** What the lead proposes (fictional), typed group by group into the console. */
const PROPOSED: Record<string, unknown> = {
  'child.firstName': 'Keza',
  'child.lastName': 'Ndayisenga',
  'child.age': DEMO_CHILD_AGE,
  'child.sex': 'female',
  'child.languages': ['rn', 'fr'],
  'health.conditions': ['Toux persistante depuis trois semaines', 'Perte de poids'],
  'protection.riskLevel': 'medium',
  'case.summary': 'Enfant séparée de sa mère lors d’un déplacement, accueillie par sa tante.',
};

async function callApi<T>(who: DemoPersonKey, service: 'directory' | 'consent' | 'referrals', method: string, path: string, body?: unknown): Promise<{ status: number; body: T }> {
  const base = { directory: env.hub.endpoints.directoryUrl, consent: env.hub.endpoints.consentUrl, referrals: env.hub.endpoints.referralsUrl }[service];
  const token = await env.hub.token(demo.claimsOf(who));
  const response = await fetch(new URL(path, base), {
    method,
    headers: { authorization: `Bearer ${token}`, accept: 'application/json', ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  return { status: response.status, body: (text === '' ? undefined : JSON.parse(text)) as T };
}

/** The lead organisation's referrals, by status: to tell that a refused creation left nothing behind. */
async function sentIds(): Promise<string[]> {
  const page = await callApi<ReferralSummaryPage>('lead', 'referrals', 'GET', '/v1/referrals?box=sent&limit=200');
  return page.body.items.map((i) => i.id).sort();
}

beforeAll(async () => {
  env = await startConsoleHub('referring');
  demo = await DemoCase.open({ hub: env.hub.endpoints, token: env.hub.token, mailbox: env.hub.mailbox });
  await demo.recordConsents();
  // What the directory's own search finds for the demo (the console's filters must find the same services).
  found = await demo.findServices();
  // The referrals service learns organisations from the directory's events: wait until it knows both recipients.
  for (const recipient of ['clinic', 'dppe'] as const) {
    await demo.waitFor(`the referrals service to know the ${recipient}`, async () => {
      const known = await callApi<{ name: string | null }>('lead', 'referrals', 'GET', `/v1/known-organizations/${found[recipient].chosen.organizationId}`);
      return known.status === 200 && known.body.name !== null ? true : undefined;
    });
  }
}, 420_000);

afterAll(async () => {
  await env?.close();
});

printLogsOnFailure(() => env);

function labelOf(key: string): string {
  const field = FIELD_CATALOGUE.find((f) => f.key === key);
  if (field === undefined) throw new Error(`no field ${key}`);
  return field.labels.fr;
}

/** The keys the consents let go to a recipient, among those proposed (from DEMO_SHARING, the consents' scope). */
function allowedFor(recipient: Recipient, proposed: readonly string[]): string[] {
  const expansion = expandFieldSelectors([...DEMO_SHARING[recipient]]);
  if (!expansion.ok) throw new Error('bad demo sharing');
  return proposed.filter((k) => (expansion.keys as readonly string[]).includes(k));
}

/** Searches the directory with the filters that find the demo's service for `recipient`, and opens it. */
async function findAndOpen(page: Page, check: Check, recipient: Recipient): Promise<void> {
  const chosen = found[recipient].chosen;
  const search = page.getByRole('search', { name: 'Rechercher un service' });
  await search.getByLabel('Type de service').selectOption(DEMO_SEARCH[recipient].type);
  await search.getByLabel('Zone').selectOption(DEMO_SEARCH.area);
  await search.getByLabel('Âge de l’enfant').fill(String(DEMO_CHILD_AGE));
  await search.getByLabel('Sexe de l’enfant').selectOption('female');
  await search.getByLabel('Langue').fill('rn');
  await search.getByLabel('Capacité').selectOption(chosen.capacity.status);
  await search.getByLabel('Accepte les référencements').selectOption('true');
  await check(`directory search (${recipient})`, () => search.getByRole('button', { name: 'Rechercher' }).click());
  const url = new URL(page.url());
  expect(url.searchParams.get('age')).toBe(String(DEMO_CHILD_AGE));
  expect(url.searchParams.get('capacity')).toBe(chosen.capacity.status);
  const name = chosen.name.fr ?? '';
  await check(`service page (${recipient})`, () => page.getByRole('main').getByRole('link', { name, exact: true }).click());
  await expect.poll(() => page.getByRole('heading', { level: 1 }).textContent(), WAIT).toBe(name);
  await check(`envelope (${recipient})`, () => page.getByRole('link', { name: 'Référer à ce service' }).click());
  await page.waitForURL(`${env.consoleUrl}/new-referral?serviceId=${chosen.id}`);
}

async function fillEnvelope(page: Page, caseCode: string, urgency: string): Promise<void> {
  await page.getByLabel('Code du dossier').fill(caseCode);
  await page.getByLabel('Catégorie du besoin').selectOption('unaccompanied_or_separated');
  await page.getByLabel('Besoin', { exact: true }).fill('Bilan de santé pédiatrique demandé.');
  await page.getByLabel('Urgence').selectOption(urgency);
}

/** The labels listed under a heading's section. */
async function sectionText(page: Page, heading: RegExp): Promise<string> {
  return (await page.getByRole('region', { name: heading }).textContent()) ?? '';
}

/** Checks that the preview (or result) lists exactly `allowed` as shared and the rest of `proposed` as withheld, with reasons. */
async function expectSharing(page: Page, proposed: readonly string[], allowed: readonly string[]): Promise<void> {
  const shared = await sectionText(page, /recevra$|^Partagé avec/);
  const withheld = await sectionText(page, /^Ne sera pas partagé|^Non partagé/);
  const labels = await page.getByRole('region', { name: /recevra$|^Partagé avec/ }).getByRole('term').allTextContents();
  expect(labels.sort()).toEqual(allowed.map(labelOf).sort());
  for (const key of proposed) {
    if (allowed.includes(key)) expect(withheld).not.toContain(labelOf(key));
    else {
      expect(shared).not.toContain(labelOf(key));
      expect(withheld).toContain(labelOf(key));
    }
  }
  if (allowed.length < proposed.length) expect(withheld).toMatch(/hors du champ du consentement|aucun consentement|n’est pas|non couvert/);
}

describe('the console, referring side', () => {
  it('takes the lead from the directory to a sent referral to the clinic: fields by group, a preview of exactly what the clinic will receive, a draft resumed, then sent', async () => {
    const context = await newContext(env, { bypassCSP: true });
    const page = await context.newPage();
    const check = await pageAsserter(page);
    try {
      await signedInAt(env, page, '/directory', DEMO_PEOPLE.lead.name);
      await findAndOpen(page, check, 'clinic');

      // The envelope: missing need and urgency refused in words naming each field; nothing is created.
      const before = await sentIds();
      await page.getByLabel('Code du dossier').fill(demo.caseCode);
      await page.getByRole('button', { name: 'Continuer' }).click();
      const missing = await alertText(page);
      expect(missing).toContain('Urgence : à renseigner');
      expect(missing).toContain('Besoin : à renseigner');
      expect(missing).toContain('Catégorie du besoin : à renseigner');
      await fillEnvelope(page, demo.caseCode, 'high');
      await check('new referral form', () => page.getByRole('button', { name: 'Continuer' }).click());
      await expect.poll(() => page.getByRole('heading', { level: 2 }).first().textContent(), WAIT).toBe('Le référencement');

      // Identity: a bad value is refused in words naming the field, and the typed values stay.
      await check('identity fields', () => page.getByRole('button', { name: 'Proposer des champs : Identité' }).click());
      await page.getByLabel("Prénom de l'enfant").fill('Keza');
      await page.getByLabel("Nom de famille de l'enfant").fill('Ndayisenga');
      await page.getByLabel('Âge (en années)').fill('99');
      await page.getByLabel('Sexe').selectOption('female');
      await page.getByLabel('Langues parlées').fill('rn, fr');
      await page.getByRole('button', { name: 'Enregistrer ces champs' }).click();
      expect(await alertText(page)).toContain('Âge (en années) : est trop grand');
      expect(await page.getByLabel("Prénom de l'enfant").inputValue()).toBe('Keza');
      await page.getByLabel('Âge (en années)').fill(String(DEMO_CHILD_AGE));
      await page.getByRole('button', { name: 'Enregistrer ces champs' }).click();
      await expect.poll(() => page.getByRole('main').textContent(), WAIT).toContain('Ndayisenga');

      await page.getByRole('button', { name: 'Proposer des champs : Santé' }).click();
      await page.getByLabel('Problèmes de santé').fill((PROPOSED['health.conditions'] as string[]).join('\n'));
      await page.getByRole('button', { name: 'Enregistrer ces champs' }).click();
      await page.getByRole('button', { name: 'Proposer des champs : Protection' }).click();
      await page.getByLabel('Niveau de risque').selectOption('medium');
      await page.getByRole('button', { name: 'Enregistrer ces champs' }).click();
      await page.getByRole('button', { name: 'Proposer des champs : Synthèse du dossier' }).click();
      await page.getByLabel('Résumé du dossier').fill(String(PROPOSED['case.summary']));
      await page.getByRole('button', { name: 'Enregistrer ces champs' }).click();
      await expect.poll(() => page.getByRole('main').textContent(), WAIT).toContain('Perte de poids');
      // Nothing is kept at the referrals service until the lead saves or sends.
      expect(await sentIds()).toEqual(before);

      // The preview: exactly what the consents let go to the clinic, as the decision API says, each withheld field with its reason.
      const proposed = Object.keys(PROPOSED);
      await check('preview', () => page.getByRole('button', { name: 'Voir ce que le service recevra' }).click());
      await expect.poll(() => page.getByRole('heading', { level: 1 }).textContent(), WAIT).toBe('Avant l’envoi : ce que le service recevra');
      const decision = await callApi<Decision>('lead', 'consent', 'POST', '/v1/decisions', {
        caseCode: demo.caseCode,
        ownerOrganizationId: demo.people.lead.organizationId,
        recipientOrganizationId: found.clinic.chosen.organizationId,
        recipientServiceType: found.clinic.chosen.types[0],
        purpose: 'referral',
        fields: proposed,
        caseCategories: ['unaccompanied_or_separated'],
      });
      expect(decision.status).toBe(201);
      const allowed = allowedFor('clinic', proposed);
      expect([...decision.body.allowed].sort()).toEqual([...allowed].sort());
      await expectSharing(page, proposed, allowed);
      expect(await sectionText(page, /recevra$/)).toContain('Toux persistante depuis trois semaines');

      // Saved as a draft, then resumed from its own address: the same form, nothing sent.
      await page.getByRole('button', { name: 'Enregistrer comme brouillon' }).click();
      await expect.poll(() => page.getByRole('status').textContent(), WAIT).toBe('Brouillon enregistré.');
      const draftId = /\/new-referral\/([0-9a-f-]{36})$/.exec(page.url())?.[1] ?? '';
      expect(draftId).not.toBe('');
      const draft = await callApi<Referral>('lead', 'referrals', 'GET', `/v1/referrals/${draftId}`);
      expect(draft.body.status).toBe('draft');
      expect(Object.keys(draft.body.payload).sort()).toEqual([...proposed].sort());
      await check('draft resumed', () => page.goto(`${env.consoleUrl}/new-referral/${draftId}`));
      const resumed = (await page.getByRole('main').textContent()) ?? '';
      expect(resumed).toContain('Brouillon enregistré, pas encore envoyé.');
      expect(resumed).toContain('Keza');
      expect(resumed).toContain(demo.caseCode);

      await page.getByRole('button', { name: 'Voir ce que le service recevra' }).click();
      await expectSharing(page, proposed, allowed);
      await check('sent', () => page.getByRole('button', { name: 'Envoyer le référencement' }).click());
      await expect.poll(() => page.getByRole('status').textContent(), WAIT).toBe('Référencement envoyé.');
      expect(page.url()).toBe(`${env.consoleUrl}/new-referral/${draftId}`);
      await expectSharing(page, proposed, allowed);
      const result = (await page.getByRole('main').textContent()) ?? '';
      expect(result).toContain('hors du champ du consentement');

      // The clinic reads exactly the allowed fields; the draft sent is the one saved (no other referral was made).
      const read = await callApi<Referral>('clinicFocalPoint', 'referrals', 'GET', `/v1/referrals/${draftId}`);
      expect(read.status).toBe(200);
      expect(read.body.status).toBe('submitted');
      expect([...read.body.access.fieldKeys].sort()).toEqual([...allowed].sort());
      expect(Object.keys(read.body.payload).sort()).toEqual([...allowed].sort());
      expect(read.body.payload['child.firstName']).toBe('Keza');
      expect(await sentIds()).toEqual([...before, draftId].sort());

      // No child data in any URL the browser went to.
      expect(page.url()).not.toContain('Keza');
    } finally {
      await context.close();
    }
  });

  it('refers to the department: a case code the referrals service refuses leaves nothing behind; a draft edited after saving is sent as a new one (the old one withdrawn); the preview and the result show the case summary only', async () => {
    const context = await newContext(env, { bypassCSP: true });
    const page = await context.newPage();
    const check = await pageAsserter(page);
    try {
      await signedInAt(env, page, '/new-referral', DEMO_PEOPLE.lead.name);
      await check('new referral: choose a service', () => page.reload());
      // The search within the flow, with the directory's filters.
      const search = page.getByRole('search', { name: 'Rechercher un service' });
      await search.getByLabel('Type de service').selectOption(DEMO_SEARCH.dppe.type);
      await search.getByLabel('Zone').selectOption(DEMO_SEARCH.area);
      await search.getByLabel('Âge de l’enfant').fill(String(DEMO_CHILD_AGE));
      await search.getByRole('button', { name: 'Rechercher' }).click();
      const name = found.dppe.chosen.name.fr ?? '';
      await page.getByRole('link', { name: `Référer à : ${name}` }).click();
      await page.waitForURL(`${env.consoleUrl}/new-referral?serviceId=${found.dppe.chosen.id}`);

      const before = await sentIds();
      await fillEnvelope(page, 'x1', 'medium');
      await page.getByRole('button', { name: 'Continuer' }).click();
      await page.getByRole('button', { name: 'Proposer des champs : Identité' }).click();
      await page.getByLabel("Prénom de l'enfant").fill('Keza');
      await page.getByRole('button', { name: 'Enregistrer ces champs' }).click();
      await page.getByRole('button', { name: 'Proposer des champs : Synthèse du dossier' }).click();
      await page.getByLabel('Résumé du dossier').fill(String(PROPOSED['case.summary']));
      await page.getByLabel("Besoins identifiés lors de l'évaluation").fill('Recherche familiale\nAppui à la famille d’accueil');
      await page.getByRole('button', { name: 'Enregistrer ces champs' }).click();
      // Saving with a case code the referrals service refuses: its words, naming the field; nothing created.
      await page.getByRole('button', { name: 'Enregistrer comme brouillon' }).click();
      expect(await alertText(page)).toContain('Code du dossier');
      expect(await sentIds()).toEqual(before);

      await page.getByRole('button', { name: 'Modifier le référencement' }).click();
      expect(await page.getByLabel('Code du dossier').inputValue()).toBe('x1');
      await page.getByLabel('Code du dossier').fill(demo.caseCode);
      await page.getByRole('button', { name: 'Continuer' }).click();
      await expect.poll(() => page.getByRole('main').textContent(), WAIT).toContain('Recherche familiale');

      // Saved, then resumed and edited: the referrals API cannot change a draft, so the edit is sent as a new one and the old one withdrawn.
      await page.getByRole('button', { name: 'Enregistrer comme brouillon' }).click();
      await expect.poll(() => page.getByRole('status').textContent(), WAIT).toBe('Brouillon enregistré.');
      const firstDraft = /\/new-referral\/([0-9a-f-]{36})$/.exec(page.url())?.[1] ?? '';
      expect(firstDraft).not.toBe('');
      await page.goto(`${env.consoleUrl}/new-referral/${firstDraft}`);
      await page.getByRole('button', { name: 'Modifier le référencement' }).click();
      expect(await page.getByLabel('Urgence').inputValue()).toBe('medium');
      await page.getByLabel('Besoin', { exact: true }).fill('Évaluation en vue d’une prise en charge par l’autorité publique.');
      await page.getByRole('button', { name: 'Continuer' }).click();
      await expect.poll(() => page.getByRole('main').textContent(), WAIT).toContain('autorité publique');

      const proposed = ['child.firstName', 'case.summary', 'case.needsAssessed'];
      const allowed = allowedFor('dppe', proposed);
      expect(allowed).toEqual(['case.summary', 'case.needsAssessed']);
      await page.getByRole('button', { name: 'Voir ce que le service recevra' }).click();
      await expectSharing(page, proposed, allowed);
      await page.getByRole('button', { name: 'Envoyer le référencement' }).click();
      await expect.poll(() => page.getByRole('status').textContent(), WAIT).toBe('Référencement envoyé.');
      await expectSharing(page, proposed, allowed);
      const id = /\/new-referral\/([0-9a-f-]{36})$/.exec(page.url())?.[1] ?? '';
      expect(id).not.toBe(firstDraft);
      const read = await callApi<Referral>('dppeFocalPoint', 'referrals', 'GET', `/v1/referrals/${id}`);
      expect([...read.body.access.fieldKeys].sort()).toEqual([...allowed].sort());
      expect(read.body.need.text).toContain('autorité publique');
      const replaced = await callApi<Referral>('lead', 'referrals', 'GET', `/v1/referrals/${firstDraft}`);
      expect(replaced.body.status).toBe('withdrawn');
      expect(await sentIds()).toEqual([...before, firstDraft, id].sort());
    } finally {
      await context.close();
    }
  });

  it('searches the directory with the age, sex, language and capacity filters, and refuses a bad filter value in words naming it', async () => {
    const context = await newContext(env, { bypassCSP: true });
    const page = await context.newPage();
    const check = await pageAsserter(page);
    try {
      await signedInAt(env, page, '/directory', DEMO_PEOPLE.supervisor.name);
      await expect.poll(() => page.getByRole('navigation').getByRole('link', { name: 'Nouveau référencement' }).count(), WAIT).toBe(1);
      await check('directory with filters', () => page.goto(`${env.consoleUrl}/directory?age=${DEMO_CHILD_AGE}&sex=female&language=rn&capacity=available`));
      const listed = await page.getByRole('main').getByRole('list').last().getByRole('link').allTextContents();
      expect(listed).toContain(found.clinic.chosen.name.fr);
      const direct = await callApi<{ items: { name: { fr?: string } }[] }>('supervisor', 'directory', 'GET', `/v1/services?age=${DEMO_CHILD_AGE}&sex=female&language=rn&capacity=available&limit=50`);
      expect(listed.sort()).toEqual(direct.body.items.map((s) => s.name.fr ?? '').sort());
      // An adult's age: no children's service.
      const none = await callApi<{ items: unknown[] }>('supervisor', 'directory', 'GET', '/v1/services?age=40&capacity=available&type=medical_care&limit=50');
      await page.goto(`${env.consoleUrl}/directory?age=40&capacity=available&type=medical_care`);
      if (none.body.items.length === 0) expect(await page.getByRole('main').textContent()).toContain('Aucun service ne correspond à ces critères.');

      const refused = await page.goto(`${env.consoleUrl}/directory?age=abc`);
      expect(refused?.status()).toBe(400);
      const words = await alertText(page);
      expect(words).toContain('Âge de l’enfant');
      expect(words).not.toMatch(/ at |Error\b/);
      expect(await page.getByLabel('Âge de l’enfant').inputValue()).toBe('abc');

      // A focal point sees no way to refer, and the page says so when asked.
      const focal = await newContext(env, { bypassCSP: true });
      const other = await focal.newPage();
      await other.goto(`${env.consoleUrl}/directory/services/${found.clinic.chosen.id}`);
      await signInAs(other, DEMO_PEOPLE.dppeFocalPoint.name);
      await expect.poll(() => other.getByRole('heading', { level: 1 }).textContent(), WAIT).toBe(found.clinic.chosen.name.fr);
      expect(await other.getByRole('link', { name: 'Référer à ce service' }).count()).toBe(0);
      const refusedPage = await other.goto(`${env.consoleUrl}/new-referral`);
      expect(refusedPage?.status()).toBe(403);
      await focal.close();
    } finally {
      await context.close();
    }
  });
});
