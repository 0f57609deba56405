/**
 * Supervision and sharing agreements in a real Chromium over the real
 * services: the supervisor decides the lead's best-interests override
 * requests (a reason is required, refused in words when missing; approve one,
 * which lets a further referral to the department carry what the family's
 * consent did not cover; refuse another; the decisions are the consent
 * service's, by her), and sees
 * the team's declined referral; the network coordinator proposes a sharing
 * agreement and each party's administrator accepts it until it is in force.
 * Each page stays light and accessible at 360 px.
 */
import type { ConsentApi } from '@referral-hub/contracts';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_PEOPLE } from '../../../scripts/demo/case.js';
import { DEMO_COORDINATOR } from '../../../scripts/demo/network.js';
import { DemoCase } from '../../../scripts/demo/scenario.js';
import type { TokenClaims } from '../../../scripts/demo/scenario.js';
import { translator } from '../src/i18n.js';
import { supervisionPage } from '../src/views/supervision.js';
import { startConsoleHub } from './support/console-hub.js';
import type { ConsoleHub } from './support/console-hub.js';
import { WAIT, newContext, printLogsOnFailure, signedInAt } from './support/browser.js';
import { expectLightAndAccessible, pageChecker } from './support/page-checks.js';

type Override = ConsentApi.components['schemas']['Override'];

let env: ConsoleHub;
let demo: DemoCase;
let declinedCode: string;
let declinedId: string;
let toApprove: Override;
let toRefuse: Override;

/** Calls a service of the hub as someone, with a token the development identity signs. */
async function call<T>(service: 'consentUrl' | 'referralsUrl', claims: TokenClaims, method: string, path: string, body?: unknown): Promise<{ status: number; body: T }> {
  const token = await env.hub.token(claims);
  const response = await fetch(new URL(path, env.hub.endpoints[service]), {
    method,
    headers: { authorization: `Bearer ${token}`, 'accept-language': 'fr', ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: response.status, body: (await response.json()) as T };
}

/** The lead asks to share the case's protection information with the department, which the family's consent does not cover. */
async function requestOverride(justification: string): Promise<Override> {
  const answer = await call<Override>('consentUrl', demo.claimsOf('lead'), 'POST', '/v1/overrides', {
    caseCode: demo.caseCode,
    legalBasis: 'Code de protection de l’enfant, article 12',
    justification,
    explanationGiven: 'Expliqué à l’enfant et à sa tante : ce qui sera transmis à la direction provinciale, et pourquoi.',
    scope: { recipientOrganizationIds: [demo.organizations.dppe], fields: ['protection'], purposes: ['referral'] },
    expiresAt: new Date(Date.now() + 10 * 86_400_000).toISOString(),
  });
  expect(answer.status, JSON.stringify(answer.body)).toBe(201);
  return answer.body;
}

/** The lead refers the case to the department once more; the fields its focal point may read. */
async function referToDepartment(): Promise<string[]> {
  await demo.refer('dppe');
  return [...(await demo.read('dppe')).access.fieldKeys];
}

beforeAll(async () => {
  env = await startConsoleHub('supervision');
  demo = await DemoCase.open({ hub: env.hub.endpoints, token: env.hub.token, mailbox: env.hub.mailbox });
  await demo.recordConsents();
  await demo.findServices();
  const { submitted } = await demo.refer('clinic');
  declinedCode = submitted.code;
  declinedId = submitted.id;
  const declined = await call<{ status: string }>('referralsUrl', demo.claimsOf('clinicFocalPoint'), 'POST', `/v1/referrals/${declinedId}/decline`, { reasonCode: 'no_capacity' });
  expect(declined.status, JSON.stringify(declined.body)).toBe(200);
  toApprove = await requestOverride('Risque immédiat : la tante signale des menaces ; la direction provinciale doit évaluer sans attendre.');
  toRefuse = await requestOverride('Demande faite par précaution, sans élément nouveau depuis la dernière évaluation du dossier.');
}, 420_000);

afterAll(async () => {
  await env?.close();
});

printLogsOnFailure(() => env);

async function flashAfter(page: Page, click: () => Promise<void>, flash: string): Promise<void> {
  await click();
  await expect.poll(() => page.getByRole('status').textContent(), WAIT).toBe(flash);
}

/** The card (list item) of the page's main content that contains `text`. */
function cardWith(page: Page, text: string) {
  return page.getByRole('main').getByRole('listitem').filter({ hasText: text }).filter({ has: page.getByRole('heading', { level: 3 }) });
}

describe('supervision', () => {
  it('lets the supervisor approve and refuse the lead’s override requests, always with a reason, and shows the team’s declined referral', async () => {
    const context = await newContext(env);
    const page = await context.newPage();
    try {
      await signedInAt(env, page, '/supervision', DEMO_PEOPLE.supervisor.name);
      expect(await page.title()).toBe('Supervision — Console du hub de référencement');
      expect(await page.getByRole('navigation').getByRole('link', { name: 'Supervision' }).count()).toBe(1);

      const approveCard = cardWith(page, toApprove.justification);
      const shown = (await approveCard.textContent()) ?? '';
      // What it would allow, and who asked.
      expect(shown).toContain("Direction provinciale de la protection de l'enfant de Mivumba");
      expect(shown).toContain('Protection');
      expect(shown).toContain('référencement');
      expect(shown).toContain(DEMO_PEOPLE.lead.userId);
      expect(shown).toContain('Code de protection de l’enfant, article 12');

      // Without a reason: refused in words, beside the request, and nothing is decided.
      await approveCard.getByRole('button', { name: 'Approuver' }).click();
      await expect.poll(() => cardWith(page, toApprove.justification).getByRole('alert').textContent(), WAIT).toBe(
        'Indiquez le motif de votre décision (au moins 3 caractères).',
      );
      expect(await cardWith(page, toApprove.justification).getByLabel('Motif de votre décision').getAttribute('aria-invalid')).toBe('true');
      const still = await call<Override>('consentUrl', demo.claimsOf('supervisor'), 'GET', `/v1/overrides/${toApprove.id}`);
      expect(still.body.status).toBe('pending');

      // Until approved, the request allows nothing: the department would not get the protection information.
      expect((await referToDepartment()).filter((key) => key.startsWith('protection.'))).toEqual([]);

      await cardWith(page, toApprove.justification).getByLabel('Motif de votre décision').fill('Base légale vérifiée avec l’équipe ; risque immédiat confirmé.');
      await flashAfter(page, () => cardWith(page, toApprove.justification).getByRole('button', { name: 'Approuver' }).click(), 'Dérogation approuvée.');
      const approved = await call<Override>('consentUrl', demo.claimsOf('supervisor'), 'GET', `/v1/overrides/${toApprove.id}`);
      expect(approved.body).toMatchObject({ status: 'active', approvedBy: DEMO_PEOPLE.supervisor.userId });
      expect(approved.body.decision).toMatchObject({
        outcome: 'approved',
        reason: 'Base légale vérifiée avec l’équipe ; risque immédiat confirmé.',
        decidedBy: DEMO_PEOPLE.supervisor.userId,
      });
      expect(await page.getByRole('main').textContent()).not.toContain(toApprove.justification);
      // Approved, it lets a new referral to the department carry the protection information.
      expect(await referToDepartment()).toContain('protection.riskLevel');

      await cardWith(page, toRefuse.justification).getByLabel('Motif de votre décision').fill('Aucun élément nouveau : demandez d’abord le consentement de la famille.');
      await flashAfter(page, () => cardWith(page, toRefuse.justification).getByRole('button', { name: 'Refuser la demande' }).click(), 'Demande de dérogation refusée.');
      const refused = await call<Override>('consentUrl', demo.claimsOf('supervisor'), 'GET', `/v1/overrides/${toRefuse.id}`);
      expect(refused.body).toMatchObject({ status: 'refused', approvedBy: null });
      expect(refused.body.decision).toMatchObject({ outcome: 'refused', decidedBy: DEMO_PEOPLE.supervisor.userId });
      expect(await page.getByRole('main').textContent()).toContain('Aucune demande de dérogation n’attend de décision.');

      // The team's declined referral, with its service, linked to its page.
      const referrals = page.getByRole('region', { name: 'Référencements de l’équipe en retard ou refusés' });
      const link = referrals.getByRole('link', { name: declinedCode });
      expect(await link.getAttribute('href')).toBe(`/referrals/${declinedId}`);
      const card = (await referrals.getByRole('listitem').filter({ hasText: declinedCode }).textContent()) ?? '';
      expect(card).toContain('Refusé');
      expect(card).toContain('Consultations pédiatriques');
      expect(card).toContain('Clinique communautaire Ubuzima');
      expect(page.url()).toBe(`${env.consoleUrl}/supervision`);
    } finally {
      await context.close();
    }
  });

  it('never lets the lead decide her own request: the consent service refuses her', async () => {
    const own = await requestOverride('Demande de la référente elle-même, qu’elle ne peut pas approuver seule.');
    const approve = await call<{ detail: string }>('consentUrl', demo.claimsOf('lead'), 'POST', `/v1/overrides/${own.id}/approve`, { reason: 'Je suis sûre.' });
    expect(approve.status).toBe(403);
    expect(approve.body.detail.length).toBeGreaterThan(10);
    const refuse = await call<{ detail: string }>('consentUrl', demo.claimsOf('lead'), 'POST', `/v1/overrides/${own.id}/refuse`, { reason: 'Finalement non.' });
    expect(refuse.status).toBe(403);
    expect((await call<Override>('consentUrl', demo.claimsOf('supervisor'), 'GET', `/v1/overrides/${own.id}`)).body.status).toBe('pending');
  });

  it('offers no decision on a supervisor’s own request', () => {
    const mine: Override = { ...toRefuse, id: '00000000-0000-4000-8000-000000000001', requestedBy: 'me', status: 'pending', decision: null };
    const page = supervisionPage(
      { t: translator('fr'), language: 'fr', languages: ['fr', 'en'], csrf: 'x', path: '/supervision', user: { name: 'Moi', organizationName: 'ATPE', roles: ['supervisor'] } },
      { userId: 'me', overrides: [mine], referrals: [], services: new Map(), organizations: new Map(), now: new Date() },
    );
    expect(page).toContain('C’est votre propre demande : un autre superviseur doit décider.');
    expect(page).not.toContain('/supervision/overrides/');
  });
});

describe('sharing agreements', () => {
  const title = `Protocole santé ATPE–CCU ${Date.now()}`;

  it('lets the coordinator propose one, refused in words naming the field when parties are missing, and each party’s administrator accept it', async () => {
    const coordinator = await newContext(env);
    try {
      const page = await coordinator.newPage();
      await signedInAt(env, page, '/agreements', DEMO_COORDINATOR.name);
      expect(await page.title()).toBe('Protocoles de partage — Console du hub de référencement');
      const form = page.getByRole('region', { name: 'Proposer un protocole' });
      await form.getByLabel('Intitulé').fill(title);
      await form.getByRole('group', { name: 'Informations partagées' }).getByLabel('Santé').check();
      await form.getByLabel('Date de révision').fill(new Date(Date.now() + 200 * 86_400_000).toISOString().slice(0, 10));
      await form.getByRole('button', { name: 'Proposer' }).click();
      await expect.poll(() => page.getByRole('region', { name: 'Proposer un protocole' }).getByRole('alert').textContent(), WAIT).toContain(
        'Organisations parties',
      );
      // What was typed is kept.
      expect(await page.getByLabel('Intitulé').inputValue()).toBe(title);

      const parties = page.getByRole('group', { name: 'Organisations parties' });
      await parties.getByLabel('Clinique communautaire Ubuzima').check();
      await parties.getByLabel("Association Tubakingire pour la protection de l'enfant").check();
      await flashAfter(page, () => page.getByRole('button', { name: 'Proposer', exact: true }).click(), 'Protocole proposé : il attend l’acceptation de chaque partie.');
      const card = (await cardWith(page, title).textContent()) ?? '';
      expect(card).toContain('Proposé, en attente d’acceptation');
      expect(card).toContain('Clinique communautaire Ubuzima — n’a pas encore accepté');
      // The coordinator accepts for no organisation.
      expect(await cardWith(page, title).getByRole('button', { name: 'Accepter pour mon organisation' }).count()).toBe(0);
    } finally {
      await coordinator.close();
    }

    for (const [admin, inForce] of [
      ['Administration CCU', false],
      ['Administration ATPE', true],
    ] as const) {
      const context = await newContext(env);
      try {
        const page = await context.newPage();
        await signedInAt(env, page, '/agreements', admin);
        await flashAfter(page, () => cardWith(page, title).getByRole('button', { name: 'Accepter pour mon organisation' }).click(), 'Protocole accepté pour votre organisation.');
        const card = (await cardWith(page, title).textContent()) ?? '';
        expect(card).toContain('Clinique communautaire Ubuzima — a accepté');
        expect(card).toContain(inForce ? 'En vigueur' : 'Proposé, en attente d’acceptation');
        expect(await cardWith(page, title).getByRole('button', { name: 'Accepter pour mon organisation' }).count()).toBe(0);
      } finally {
        await context.close();
      }
    }
  });
});

describe('the supervision and agreements pages', () => {
  it('stay under 100 KB transferred and free of serious or critical axe-core violations, at 360 px', async () => {
    const measureAs = async (name: string, path: string, label: string, before?: (page: Page) => Promise<void>) => {
      const context = await newContext(env, { bypassCSP: true });
      try {
        const page = await context.newPage();
        await signedInAt(env, page, path, name);
        const measure = await pageChecker(page);
        return await measure(label, () => (before === undefined ? page.goto(`${env.consoleUrl}${path}`) : before(page)));
      } finally {
        await context.close();
      }
    };
    const pending = await requestOverride('Demande en attente pour mesurer la page avec une demande et son formulaire.');
    const results = [
      await measureAs(DEMO_PEOPLE.supervisor.name, '/supervision', 'supervision'),
      await measureAs(DEMO_PEOPLE.supervisor.name, '/supervision', 'supervision, reason missing', async (page) => {
        await cardWith(page, pending.justification).getByRole('button', { name: 'Refuser la demande' }).click();
        await expect.poll(() => cardWith(page, pending.justification).getByRole('alert').count(), WAIT).toBe(1);
      }),
      await measureAs(DEMO_COORDINATOR.name, '/agreements', 'agreements (coordinator)'),
      await measureAs('Administration CCU', '/agreements', 'agreements (administrator)'),
      await measureAs(DEMO_PEOPLE.supervisor.name, '/agreements', 'agreements (supervisor)'),
    ];
    expectLightAndAccessible(results);
  });
});
