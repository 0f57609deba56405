/**
 * A case, for its lead, in a real Chromium over the real services: the lead
 * finds her organisation's recent case and opens a new one by its code,
 * records who can consent, then the caregiver's consent and the child's
 * assent for the clinic (identity and health) and the department (case
 * summary), each read back as a sentence before it is saved and listed
 * after; a form without a recipient, with a past expiry or beyond the
 * network's longest validity is refused in words naming the field, and
 * nothing is saved; she withdraws one with its reason ("another reason"
 * without a note is refused, naming the field) and opens the
 * family's account, in French and English, naming each organisation by its
 * name. Every page is light and accessible at 360 px.
 */
import { FIELD_GROUP_LABELS } from '@referral-hub/contracts';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_PEOPLE, newDemoCaseCode } from '../../../scripts/demo/case.js';
import { demoOrganization } from '../../../scripts/demo/network.js';
import { DemoCase } from '../../../scripts/demo/scenario.js';
import { startConsoleHub } from './support/console-hub.js';
import type { ConsoleHub } from './support/console-hub.js';
import { WAIT, newContext, printLogsOnFailure, signedInAt } from './support/browser.js';
import { expectLightAndAccessible, pageChecker } from './support/page-checks.js';
import type { PageCheck } from './support/page-checks.js';

let env: ConsoleHub;
let demo: DemoCase;

const CLINIC = demoOrganization('ubuzima');
const DPPE = demoOrganization('dppe');
const label = (o: { name: string; acronym?: string | null }) => (o.acronym ? `${o.name} (${o.acronym})` : o.name);

beforeAll(async () => {
  env = await startConsoleHub('cases');
  // A referral the lead's organisation sent, so that its case is among her recent ones.
  demo = await DemoCase.open({ hub: env.hub.endpoints, token: env.hub.token, mailbox: env.hub.mailbox });
  await demo.recordConsents();
  await demo.findServices();
  await demo.refer('clinic');
}, 420_000);

afterAll(async () => {
  await env?.close();
});

printLogsOnFailure(() => env);

const inDays = (days: number) => new Date(Date.now() + days * 86_400_000).toISOString().slice(0, 10);

type Recording = { giver: 'caregiver_consent' | 'child_assent'; recipient: string; groups: readonly string[]; expiresOn: string };

/** Fills the recording form of the case page (recipient by its label, groups by their French labels). */
async function fillConsent(page: Page, r: Recording): Promise<void> {
  await page.getByLabel('Donné par').selectOption(r.giver);
  await page.getByLabel('Lien de la personne en charge avec l’enfant').selectOption(r.giver === 'caregiver_consent' ? 'aunt_or_uncle' : '');
  if (r.recipient !== '') await page.getByRole('group', { name: 'Organisations destinataires' }).getByLabel(r.recipient, { exact: true }).check();
  for (const group of r.groups) await page.getByRole('group', { name: 'Informations partagées' }).getByLabel(group, { exact: true }).check();
  await page.getByLabel('Date d’expiration').fill(r.expiresOn);
}

async function consentCards(page: Page): Promise<string[]> {
  return page.getByRole('main').locator('li.card').allTextContents();
}

describe('a case, for its lead', () => {
  it('opens a case, records consents and assents read back in words, refuses bad input, withdraws one and prints the family’s account in French and English', async () => {
    // The CSP is bypassed only so that axe's script can run in the page.
    const context = await newContext(env, { bypassCSP: true });
    const page = await context.newPage();
    const measure = await pageChecker(page);
    const results: PageCheck[] = [];
    const caseCode = newDemoCaseCode();
    const identity = FIELD_GROUP_LABELS.identity.fr;
    const health = FIELD_GROUP_LABELS.health.fr;
    const summary = FIELD_GROUP_LABELS.case_summary.fr;
    try {
      await signedInAt(env, page, '/cases', DEMO_PEOPLE.lead.name);
      results.push(await measure('cases', () => page.reload()));
      expect(await page.getByRole('navigation', { name: 'Console du hub de référencement' }).getByRole('link', { name: 'Dossiers' }).count()).toBe(1);
      // The case of the referral her organisation sent is among her recent ones.
      await expect.poll(() => page.getByRole('main').getByRole('link', { name: demo.caseCode }).count(), WAIT).toBe(1);

      // A code that cannot be a case code is refused in words naming the field.
      await page.getByLabel('Code du dossier').fill('abc def');
      await page.getByRole('button', { name: 'Ouvrir' }).click();
      await expect.poll(() => page.getByRole('alert').textContent(), WAIT).toContain('Code du dossier :');

      await page.getByLabel('Code du dossier').fill(caseCode);
      await page.getByRole('button', { name: 'Ouvrir' }).click();
      await page.waitForURL(`${env.consoleUrl}/cases/${caseCode}`);
      results.push(await measure('case', () => page.reload()));
      expect(await page.title()).toBe('Dossier — Console du hub de référencement');
      expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe(`Dossier ${caseCode}`);
      expect(await page.getByRole('main').textContent()).toContain('Aucun consentement ni accord n’est enregistré pour ce dossier.');

      // Who can consent: a 12-year-old whose caregiver can be asked.
      await page.getByLabel('Âge de l’enfant en années (facultatif)').fill('12');
      await page.getByRole('button', { name: 'Enregistrer le contexte' }).click();
      await expect.poll(() => page.getByRole('status').textContent(), WAIT).toBe('Contexte du dossier enregistré.');
      const contextText = (await page.getByRole('main').textContent()) ?? '';
      expect(contextText).toContain('12 ans');
      expect(contextText).toContain('De 6 à 14 ans');
      expect(contextText).toContain('le consentement de la personne en charge et le consentement ou l’accord de l’enfant.');

      // No recipient, then an expiry in the past: refused in words naming the field, nothing saved.
      await fillConsent(page, { giver: 'caregiver_consent', recipient: '', groups: [identity, health], expiresOn: inDays(90) });
      await page.getByRole('button', { name: 'Vérifier' }).click();
      await expect.poll(() => page.getByRole('alert').textContent(), WAIT).toBe('Organisations destinataires : choisissez-en au moins un.');
      // What she chose is kept.
      expect(await page.getByRole('group', { name: 'Informations partagées' }).getByLabel(identity, { exact: true }).isChecked()).toBe(true);
      await page.getByRole('group', { name: 'Organisations destinataires' }).getByLabel(label(CLINIC), { exact: true }).check();
      await page.getByLabel('Date d’expiration').fill(inDays(-2));
      await page.getByRole('button', { name: 'Vérifier' }).click();
      await expect.poll(() => page.getByRole('alert').textContent(), WAIT).toBe('Date d’expiration : choisissez une date à venir.');
      // Beyond the network's longest validity: the consent service refuses it, in words naming the field.
      await page.getByLabel('Date d’expiration').fill(inDays(800));
      await page.getByRole('button', { name: 'Vérifier' }).click();
      await page.getByRole('button', { name: 'Confirmer et enregistrer' }).click();
      await expect.poll(() => page.getByRole('alert').textContent(), WAIT).toContain('Date d’expiration :');
      expect(await page.getByRole('main').textContent()).toContain('Aucun consentement ni accord n’est enregistré pour ce dossier.');

      // The four records of the demo: the caregiver's consent and the child's assent, for each recipient.
      const recordings: (Recording & { words: string; flash: string })[] = [
        {
          giver: 'caregiver_consent',
          recipient: label(CLINIC),
          groups: [identity, health],
          expiresOn: inDays(90),
          words: `Par ce consentement, la personne en charge de l’enfant (Oncle ou tante) permet de partager : ${identity} et ${health} — avec ${label(CLINIC)}, pour un référencement`,
          flash: 'Consentement enregistré.',
        },
        {
          giver: 'caregiver_consent',
          recipient: label(DPPE),
          groups: [summary],
          expiresOn: inDays(90),
          words: `Par ce consentement, la personne en charge de l’enfant (Oncle ou tante) permet de partager : ${summary} — avec ${label(DPPE)}, pour un référencement`,
          flash: 'Consentement enregistré.',
        },
        {
          giver: 'child_assent',
          recipient: label(CLINIC),
          groups: [identity, health],
          expiresOn: inDays(90),
          words: `Par cet accord, l’enfant permet de partager : ${identity} et ${health} — avec ${label(CLINIC)}, pour un référencement`,
          flash: 'Accord enregistré.',
        },
        {
          giver: 'child_assent',
          recipient: label(DPPE),
          groups: [summary],
          expiresOn: inDays(90),
          words: `Par cet accord, l’enfant permet de partager : ${summary} — avec ${label(DPPE)}, pour un référencement`,
          flash: 'Accord enregistré.',
        },
      ];
      for (const [index, recording] of recordings.entries()) {
        await page.goto(`${env.consoleUrl}/cases/${caseCode}`);
        await fillConsent(page, recording);
        if (index === 0) results.push(await measure('check', () => Promise.all([page.waitForURL(`${env.consoleUrl}/cases/${caseCode}/consents/check`), page.getByRole('button', { name: 'Vérifier' }).click()])));
        else await page.getByRole('button', { name: 'Vérifier' }).click();
        await expect.poll(() => page.getByRole('heading', { level: 1 }).textContent(), WAIT).toBe('Vérifier avant d’enregistrer');
        expect(await page.locator('#consent-words').textContent()).toContain(recording.words);
        await page.getByRole('button', { name: 'Confirmer et enregistrer' }).click();
        await expect.poll(() => page.getByRole('status').textContent(), WAIT).toBe(recording.flash);
      }
      results.push(await measure('case with consents', () => page.reload()));
      const cards = await consentCards(page);
      expect(cards).toHaveLength(4);
      for (const recording of recordings) expect(cards.some((card) => card.includes(recording.words) && card.includes('en vigueur'))).toBe(true);

      // She withdraws the child's assent for the department, with its reason ("another reason" needs a note: refused without one, in words naming the field).
      const assentForDppe = page.getByRole('main').locator('li.card', { hasText: `l’enfant permet de partager : ${summary}` });
      await assentForDppe.getByLabel('Motif du retrait').selectOption({ label: 'autre motif' });
      await assentForDppe.getByRole('button', { name: 'Retirer' }).click();
      await expect.poll(() => assentForDppe.getByRole('alert').textContent(), WAIT).toContain('Note (obligatoire pour « autre motif ») :');
      expect((await consentCards(page)).filter((card) => card.includes('en vigueur'))).toHaveLength(4);
      await assentForDppe.getByLabel('Motif du retrait').selectOption({ label: 'à la demande de l’enfant' });
      await assentForDppe.getByRole('button', { name: 'Retirer' }).click();
      await expect.poll(() => page.getByRole('status').textContent(), WAIT).toBe('Retiré : il ne permet plus aucun partage.');
      const afterWithdrawal = await consentCards(page);
      expect(afterWithdrawal.filter((card) => card.includes('retiré'))).toHaveLength(1);
      expect(afterWithdrawal.find((card) => card.includes('retiré'))).toContain('à la demande de l’enfant');
      expect(afterWithdrawal.filter((card) => card.includes('en vigueur'))).toHaveLength(3);

      // The family's account, in French then English, naming each organisation by its name.
      await page.getByRole('link', { name: 'En français' }).click();
      await expect.poll(() => page.getByRole('heading', { level: 1 }).textContent(), WAIT).toBe(`Ce qui a été partagé — dossier ${caseCode}`);
      results.push(await measure('sharing fr', () => page.reload()));
      const fr = page.locator('section[lang="fr"]');
      await expect.poll(async () => (await fr.textContent()) ?? '', WAIT).toContain(`avec ${CLINIC.name}, pour un référencement`);
      const frText = (await fr.textContent()) ?? '';
      expect(frText).toContain(`avec ${DPPE.name}, pour un référencement`);
      expect(frText).toContain('Il a été retiré le');
      expect(frText).not.toMatch(/l'organisation [0-9a-f]{8}/);
      expect(await fr.getByRole('listitem').count()).toBe(4);

      await page.getByRole('link', { name: 'Lire en anglais' }).click();
      await page.waitForURL(`${env.consoleUrl}/cases/${caseCode}/sharing?lang=en`);
      results.push(await measure('sharing en', () => page.reload()));
      const enText = (await page.locator('section[lang="en"]').textContent()) ?? '';
      expect(enText).toContain(`The caregiver (Aunt or uncle) gave consent in writing to share: ${FIELD_GROUP_LABELS.identity.en} and ${FIELD_GROUP_LABELS.health.en}, with ${CLINIC.name}, for a referral`);
      expect(enText).toContain(`with ${DPPE.name}, for a referral`);
      expect(enText).toContain('It was withdrawn on');
      expect(enText).not.toMatch(/organisation [0-9a-f]{8}/);

      expectLightAndAccessible(results);
    } finally {
      await context.close();
    }
  });
});
