/**
 * The receiving side's journey in a real Chromium over the real services:
 * a link from a message signs the clinic's focal point in through the
 * development identity's login page and lands on the referral, which she
 * acknowledges, accepts, starts and completes; the decline form refuses a
 * missing reason in words; another agency's focal point is told the referral
 * is not hers to see. Then the referring side: the lead finds both answers
 * among her sent referrals, reads the history and who read which fields,
 * closes one, is told in words that a declined one cannot be withdrawn,
 * withdraws another (its messages sent list the focal point's e-mail) and
 * finds her draft. Also: what every page must be (light, accessible, strict
 * CSP, CSRF, no-store, session cookie flags).
 */
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_PAYLOAD, DEMO_PEOPLE } from '../../../scripts/demo/case.js';
import { DemoCase } from '../../../scripts/demo/scenario.js';
import type { Referral } from '../../../scripts/demo/scenario.js';
import { startConsoleHub } from './support/console-hub.js';
import type { ConsoleHub } from './support/console-hub.js';
import { WAIT, newContext, printLogsOnFailure, refusalIn, signInAs, signedInAt } from './support/browser.js';
import { expectLightAndAccessible, pageChecker } from './support/page-checks.js';

let env: ConsoleHub;
let demo: DemoCase;
let code: string;
let referralId: string;
let dppeCode: string;
let dppeReferralId: string;

beforeAll(async () => {
  env = await startConsoleHub('journey');
  demo = await DemoCase.open({ hub: env.hub.endpoints, token: env.hub.token, mailbox: env.hub.mailbox });
  await demo.recordConsents();
  await demo.findServices();
  const { submitted } = await demo.refer('clinic');
  code = submitted.code;
  referralId = submitted.id;
  const dppe = await demo.refer('dppe');
  dppeCode = dppe.submitted.code;
  dppeReferralId = dppe.submitted.id;
}, 420_000);

afterAll(async () => {
  await env?.close();
});

printLogsOnFailure(() => env);

async function act(page: Page, button: string, flash: string): Promise<void> {
  await page.getByRole('button', { name: button, exact: true }).click();
  await expect.poll(() => page.getByRole('status').textContent(), WAIT).toBe(flash);
}

describe('the console, receiving side', () => {
  it('signs the clinic focal point in from a message link and takes the referral through acknowledge, accept, start and complete', async () => {
    const context = await newContext(env);
    const page = await context.newPage();
    const cspViolations: string[] = [];
    page.on('console', (message) => {
      if (message.type() === 'error' && message.text().includes('Content Security Policy')) cspViolations.push(message.text());
    });
    try {
      await page.goto(`${env.consoleUrl}/r/${code}`);
      await signInAs(page, DEMO_PEOPLE.clinicFocalPoint.name);
      await page.waitForURL(`${env.consoleUrl}/referrals/${referralId}`);

      await expect.poll(() => page.title(), WAIT).toBe(`Référencement ${code} — Console du hub de référencement`);
      const main = page.getByRole('main');
      const text = (await main.textContent()) ?? '';
      expect(text).toContain('Seules les informations que la famille a accepté de partager avec votre organisation sont affichées.');
      expect(text).toContain(demo.caseCode);
      // Catalogue labels in the reader's language, grouped as the catalogue groups them.
      expect(await main.getByRole('heading', { level: 3 }).allTextContents()).toEqual(['Identité', 'Santé']);
      expect(text).toContain("Prénom de l'enfant");
      expect(text).toContain('Toux persistante depuis trois semaines');
      // Shared with the clinic: identity and health only, never the case summary.
      expect(text).not.toContain('Synthèse du dossier');
      expect(text).toContain(DEMO_PEOPLE.lead.email);

      await act(page, 'Accuser réception', 'Réception accusée.');

      // The decline form refuses a missing reason in words, and nothing changes.
      await page.getByRole('group', { name: 'Refuser' }).getByRole('button', { name: 'Refuser' }).click();
      await expect.poll(() => page.getByRole('alert').textContent(), WAIT).toBe('Choisissez un motif.');
      expect(await page.getByRole('main').textContent()).toContain('Réception accusée');

      await act(page, 'Accepter', 'Référencement accepté.');
      await act(page, 'Commencer le service', 'Service commencé.');
      await page.getByRole('group', { name: 'Service rendu' }).getByLabel('Note (facultative)').fill('Bilan réalisé.');
      await act(page, 'Service rendu', 'Service indiqué comme rendu.');
      expect(await page.getByRole('main').getByText('Aucune action n’est possible pour vous à ce stade.').count()).toBe(1);

      // A step the service refuses (acknowledging a completed referral) reads as the problem's words, never a stack or a code.
      const csrf = (await page.locator('input[name="_csrf"]').first().getAttribute('value')) ?? '';
      const refused = await page.request.post(`${env.consoleUrl}/referrals/${referralId}/acknowledge`, { form: { _csrf: csrf }, maxRedirects: 0 });
      expect(refused.status()).toBe(409);
      const refusal = refusalIn(await refused.text());
      expect(refusal.length).toBeGreaterThan(10);
      expect(refusal).not.toMatch(/ at |Error|[a-z]+_[a-z]+/);

      const history = await demo.history('clinic');
      expect(history.map((h) => h.action)).toEqual(['create', 'submit', 'acknowledge', 'accept', 'start', 'complete']);
      expect(history.at(-1)?.actor?.userId).toBe(DEMO_PEOPLE.clinicFocalPoint.userId);

      // The inbox lists it under "closed", with the counts of every tab.
      await page.goto(`${env.consoleUrl}/inbox?tab=closed`);
      expect(await page.getByRole('main').textContent()).toContain(code);
      expect(await page.getByRole('link', { name: /Clos/ }).getAttribute('aria-current')).toBe('page');
      // Filters: none of low urgency, hers is high.
      await page.getByLabel('Urgence').selectOption('low');
      await page.getByRole('button', { name: 'Filtrer' }).click();
      await expect.poll(() => page.getByRole('main').textContent(), WAIT).toContain('Aucun référencement dans cet onglet.');
      await page.getByLabel('Urgence').selectOption('high');
      await page.getByRole('button', { name: 'Filtrer' }).click();
      await expect.poll(() => page.getByRole('main').textContent(), WAIT).toContain(code);
      expect(new URL(page.url()).searchParams.get('urgency')).toBe('high');

      // The language switcher: English from then on.
      await page.getByLabel('Langue').selectOption('en');
      await page.getByRole('button', { name: 'Changer' }).click();
      await expect.poll(() => page.getByRole('heading', { level: 1 }).textContent(), WAIT).toBe('Received referrals');

      // No child data in any URL, no script blocked (there is none) and no error in the page.
      expect(page.url()).not.toContain('Keza');
      expect(cspViolations).toEqual([]);

      await page.getByRole('button', { name: 'Sign out' }).click();
      await page.getByRole('button', { name: /Yes|Oui|sign out/i }).first().click();
      await page.waitForURL(`${env.consoleUrl}/signed-out`);
      await page.goto(`${env.consoleUrl}/referrals/${referralId}`);
      await expect.poll(() => page.getByRole('heading', { level: 1 }).textContent(), WAIT).toContain('Se connecter');
    } finally {
      await context.close();
    }
  });

  it('tells a focal point of another agency that the referral is not hers to see, and lets her decline her own with a catalogue reason and an onward service', async () => {
    const context = await newContext(env);
    const page = await context.newPage();
    try {
      const response = await page.goto(`${env.consoleUrl}/r/${code}`);
      expect(response).not.toBeNull();
      await signInAs(page, DEMO_PEOPLE.dppeFocalPoint.name);
      await expect.poll(() => page.getByRole('heading', { level: 1 }).textContent(), WAIT).toBe('Ce référencement ne vous est pas accessible');
      expect(await page.getByRole('main').textContent()).not.toContain(demo.caseCode);
      const direct = await page.goto(`${env.consoleUrl}/referrals/${referralId}`);
      expect(direct?.status()).toBe(404);

      // Her own referral: the case summary only (what the family agreed to share with her department); she declines it.
      await page.goto(`${env.consoleUrl}/r/${dppeCode}`);
      await page.waitForURL(`${env.consoleUrl}/referrals/${dppeReferralId}`);
      expect(await page.getByRole('main').getByRole('heading', { level: 3 }).allTextContents()).toEqual(['Synthèse du dossier']);
      const decline = page.getByRole('group', { name: 'Refuser' });
      await decline.getByLabel('Motif').selectOption('no_capacity');
      await decline.getByLabel('Service suggéré (facultatif)').selectOption({ index: 1 });
      await decline.getByRole('button', { name: 'Refuser' }).click();
      await expect.poll(() => page.getByRole('status').textContent(), WAIT).toBe('Référencement refusé.');
      expect(await page.getByRole('main').textContent()).toContain("Capacité d'accueil atteinte");
      const last = (await demo.history('dppe')).at(-1);
      expect(last).toMatchObject({ action: 'decline', reasonCode: 'no_capacity', actor: { userId: DEMO_PEOPLE.dppeFocalPoint.userId } });
      expect(last?.suggestedServiceId).toMatch(/^[0-9a-f-]{36}$/);
    } finally {
      await context.close();
    }
  });

  it('lets a signed-in person set her notification channels and language, and shows the service\'s refusal in words naming the field', async () => {
    const context = await newContext(env);
    const page = await context.newPage();
    try {
      await signedInAt(env, page, '/inbox', DEMO_PEOPLE.dppeFocalPoint.name);
      await page.getByRole('navigation').getByRole('link', { name: 'Mes notifications' }).click();
      await expect.poll(() => page.getByRole('heading', { level: 1 }).textContent(), WAIT).toBe('Mes notifications');
      const channels = page.getByRole('group', { name: 'Canaux' });
      await channels.getByLabel('Courriel').uncheck();
      await channels.getByLabel('SMS').check();
      await page.getByRole('group', { name: 'Langue des notifications' }).getByLabel('English').check();
      await page.getByRole('button', { name: 'Enregistrer' }).click();
      await expect.poll(() => page.getByRole('status').textContent(), WAIT).toBe('Vos préférences sont enregistrées.');
      // Stored at the notifications service, under her own token, and shown back.
      expect(await channels.getByLabel('SMS').isChecked()).toBe(true);
      expect(await channels.getByLabel('Courriel').isChecked()).toBe(false);
      expect(await page.getByRole('group', { name: 'Langue des notifications' }).getByLabel('English').isChecked()).toBe(true);

      // A language the service does not know: its 400 problem, in words, naming the field, beside the form.
      const csrf = (await page.locator('input[name="_csrf"]').first().getAttribute('value')) ?? '';
      const refused = await page.request.post(`${env.consoleUrl}/preferences`, { form: { _csrf: csrf, channels: 'email', language: 'de' }, maxRedirects: 0 });
      expect(refused.status()).toBe(400);
      const words = await refused.text();
      expect(words).toContain('role="alert"');
      expect(words).toContain('Langue des notifications :');
      // Nothing changed.
      await page.reload();
      expect(await channels.getByLabel('SMS').isChecked()).toBe(true);
    } finally {
      await context.close();
    }
  });

  it('searches the directory, read-only, with its filters and opens a service with its capacity and focal points', async () => {
    const context = await newContext(env);
    const page = await context.newPage();
    try {
      await signedInAt(env, page, '/inbox', DEMO_PEOPLE.dppeFocalPoint.name);
      await page.getByRole('navigation').getByRole('link', { name: 'Annuaire' }).click();
      await expect.poll(() => page.getByRole('heading', { level: 1 }).textContent(), WAIT).toBe('Annuaire des services');
      const search = page.getByRole('search', { name: 'Rechercher un service' });
      await search.getByLabel('Mots-clés').fill('pédiatriques');
      await search.getByLabel('Accepte les référencements').selectOption('true');
      await search.getByRole('button', { name: 'Rechercher' }).click();
      await page.waitForURL(/\/directory\?q=/);
      const results = page.getByRole('main').getByRole('listitem');
      expect(await results.allTextContents()).toEqual(['Consultations pédiatriques — Places disponibles']);
      // A filter nothing matches: the directory's answer, not the console's.
      await search.getByLabel('Mots-clés').fill('introuvablexyz');
      await search.getByRole('button', { name: 'Rechercher' }).click();
      await expect.poll(() => page.getByRole('main').textContent(), WAIT).toContain('Aucun service ne correspond à ces critères.');
      await search.getByLabel('Mots-clés').fill('pédiatriques');
      await search.getByRole('button', { name: 'Rechercher' }).click();
      await page.getByRole('link', { name: 'Consultations pédiatriques' }).click();
      await expect.poll(() => page.getByRole('heading', { level: 1 }).textContent(), WAIT).toBe('Consultations pédiatriques');
      const main = (await page.getByRole('main').textContent()) ?? '';
      expect(main).toContain('Places disponibles');
      expect(main).toContain('Dr Espérance Niyonzima');
    } finally {
      await context.close();
    }
  });

  it('keeps its forms and cookies safe: CSRF token required, httpOnly SameSite cookie, strict CSP, no-store', async () => {
    const home = await fetch(`${env.consoleUrl}/`, { headers: { 'accept-language': 'en' } });
    expect(home.status).toBe(200);
    expect(await home.text()).toContain('<html lang="en">');
    const cookie = home.headers.getSetCookie().find((c) => c.startsWith('hub_console='));
    expect(cookie).toMatch(/; HttpOnly; SameSite=Lax$/);
    expect(home.headers.get('content-security-policy')).toContain("default-src 'none'");
    expect(home.headers.get('content-security-policy')).not.toContain('unsafe-inline');
    expect(home.headers.get('cache-control')).toBe('no-store');

    const forged = await fetch(`${env.consoleUrl}/language`, {
      method: 'POST',
      headers: { cookie: (cookie ?? '').split(';')[0] ?? '', 'content-type': 'application/x-www-form-urlencoded', 'accept-language': 'en' },
      body: 'language=en&returnTo=/',
      redirect: 'manual',
    });
    expect(forged.status).toBe(403);
    expect(await forged.text()).toContain('The form expired');

    const signedOut = await fetch(`${env.consoleUrl}/inbox`, { redirect: 'manual' });
    expect(signedOut.status).toBe(303);
    expect(signedOut.headers.get('location')).toBe('/login?returnTo=%2Finbox');
  });

  it('keeps every page under 100 KB transferred and free of serious or critical axe-core violations, at 360 px', async () => {
    const context = await newContext(env, { bypassCSP: true });
    const page = await context.newPage();
    const measure = await pageChecker(page);
    try {
      const results = [await measure('home', () => page.goto(`${env.consoleUrl}/`))];
      results.push(await measure('login', () => page.goto(`${env.consoleUrl}/login?returnTo=/inbox`)));
      await page.getByRole('button', { name: new RegExp(DEMO_PEOPLE.clinicFocalPoint.name) }).click();
      await page.waitForURL(`${env.consoleUrl}/inbox`);
      results.push(await measure('inbox', () => page.goto(`${env.consoleUrl}/inbox?tab=closed`)));
      results.push(await measure('referral', () => page.goto(`${env.consoleUrl}/referrals/${referralId}`)));
      results.push(await measure('not yours', () => page.goto(`${env.consoleUrl}/r/REF-00000`)));
      results.push(await measure('my notifications', () => page.goto(`${env.consoleUrl}/preferences`)));
      results.push(await measure('directory', () => page.goto(`${env.consoleUrl}/directory?q=consultations`)));
      const serviceHref = (await page.getByRole('link', { name: 'Consultations pédiatriques' }).getAttribute('href')) ?? '';
      expect(serviceHref).toMatch(/^\/directory\/services\//);
      results.push(await measure('directory service', () => page.goto(`${env.consoleUrl}${serviceHref}`)));
      expectLightAndAccessible(results);
    } finally {
      await context.close();
    }
  });
});

/** A call to a service as the demo's lead caseworker, with her own token. */
async function asLead<T>(service: 'referrals' | 'directory', method: string, path: string, body?: unknown): Promise<T> {
  const base = service === 'referrals' ? env.hub.endpoints.referralsUrl : env.hub.endpoints.directoryUrl;
  const response = await fetch(`${base}${path}`, {
    method,
    headers: { authorization: `Bearer ${await env.hub.token(demo.claimsOf('lead'))}`, accept: 'application/json', ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`${method} ${path} answered ${response.status}: ${text}`);
  return JSON.parse(text) as T;
}

/** The lead refers the demo case once more, as a draft or sent. */
async function referAgain(recipient: 'clinic' | 'dppe', urgency: 'high' | 'medium' | 'low', send: boolean): Promise<Referral> {
  const service = demo.services[recipient]?.chosen;
  if (service === undefined) throw new Error('find the services first');
  const draft = await asLead<Referral>('referrals', 'POST', '/v1/referrals', {
    caseCode: demo.caseCode,
    recipientOrganizationId: service.organizationId,
    recipientServiceId: service.id,
    ...(service.types[0] === undefined ? {} : { recipientServiceType: service.types[0] }),
    urgency,
    need: { category: 'unaccompanied_or_separated', text: 'Un second avis est demandé.' },
    payload: DEMO_PAYLOAD,
  });
  return send ? asLead<Referral>('referrals', 'POST', `/v1/referrals/${draft.id}/submit`, {}) : draft;
}

describe('the console, referring side', () => {
  it('shows the lead her sent referrals in tabs with the recipients\' answers, and on one the history, who read which fields, and closing it', async () => {
    const context = await newContext(env);
    const page = await context.newPage();
    try {
      await signedInAt(env, page, '/sent', DEMO_PEOPLE.lead.name);
      await expect.poll(() => page.getByRole('heading', { level: 1 }).textContent(), WAIT).toBe('Référencements envoyés');
      expect(await page.getByRole('navigation', { name: 'Console du hub de référencement' }).getByRole('link', { name: 'Référencements envoyés' }).count()).toBe(1);
      const main = page.getByRole('main');

      // The clinic delivered and the department declined: both answered, both for her to close.
      await page.getByRole('link', { name: /À clore/ }).click();
      await page.waitForURL(/tab=to_close/);
      expect(await page.getByRole('link', { name: /À clore/ }).getAttribute('aria-current')).toBe('page');
      expect(await page.getByRole('link', { name: /À clore/ }).textContent()).toContain('(2 référencements)');
      const clinicCard = (await main.getByRole('listitem').filter({ hasText: code }).textContent()) ?? '';
      expect(clinicCard).toContain('Service rendu');
      expect(clinicCard).toContain('Clinique communautaire Ubuzima');
      expect(await main.getByRole('listitem').filter({ hasText: dppeCode }).textContent()).toContain('Refusé');
      // Filters: hers to the clinic is of high urgency, the department's medium.
      await page.getByLabel('Urgence').selectOption('high');
      await page.getByRole('button', { name: 'Filtrer' }).click();
      await page.waitForURL(/urgency=high/);
      expect(await main.textContent()).toContain(code);
      expect(await main.textContent()).not.toContain(dppeCode);

      await main.getByRole('link', { name: code }).click();
      await page.waitForURL(`${env.consoleUrl}/referrals/${referralId}`);
      expect(await page.title()).toBe(`Référencement ${code} — Console du hub de référencement`);
      const outcome = (await main.getByRole('region', { name: 'Réponse du destinataire' }).textContent()) ?? '';
      expect(outcome).toContain('Accepté');
      expect(outcome).toContain('Service rendu');
      expect(outcome).toContain('Bilan réalisé.');
      const history = await main.getByRole('region', { name: 'Historique' }).getByRole('listitem').allTextContents();
      expect(history.map((entry) => entry.split(' — ')[0])).toEqual(['Créé', 'Envoyé', 'Accuser réception', 'Accepter', 'Commencer le service', 'Service rendu']);
      // Who read it: the clinic's focal point, each read with the fields the clinic was shown, by their catalogue labels.
      const reads = await main.getByRole('region', { name: 'Qui a consulté le référencement' }).getByRole('listitem').allTextContents();
      const logged = await demo.accessLog('clinic');
      expect(reads).toHaveLength(logged.length);
      expect(reads.length).toBeGreaterThan(0);
      for (const read of reads) {
        expect(read).toContain('Clinique communautaire Ubuzima');
        expect(read).toContain(DEMO_PEOPLE.clinicFocalPoint.userId);
      }
      expect(reads[0]).toContain("Informations lues : Prénom de l'enfant");
      expect(reads.join('\n')).not.toContain('Synthèse du dossier');
      // A finished referral is closed, not withdrawn.
      expect(await main.getByRole('group', { name: 'Retirer le référencement' }).count()).toBe(0);
      const close = main.getByRole('group', { name: 'Clore le référencement' });
      await close.getByLabel('Note (facultative)').fill('Bilan reçu, suivi terminé.');
      await close.getByRole('button', { name: 'Clore le référencement' }).click();
      await expect.poll(() => page.getByRole('status').textContent(), WAIT).toBe('Référencement clos.');
      expect(await main.getByRole('region', { name: 'Réponse du destinataire' }).textContent()).toContain('Statut : Clos');
      expect((await demo.history('clinic')).at(-1)).toMatchObject({ action: 'close', toStatus: 'closed', note: 'Bilan reçu, suivi terminé.', actor: { userId: DEMO_PEOPLE.lead.userId } });

      // The department's answer: declined, with its catalogue reason and the service it suggested instead.
      await page.goto(`${env.consoleUrl}/referrals/${dppeReferralId}`);
      const declined = (await main.getByRole('region', { name: 'Réponse du destinataire' }).textContent()) ?? '';
      expect(declined).toContain('Refusé');
      expect(declined).toContain("Motif : Capacité d'accueil atteinte");
      const suggestedId = (await demo.history('dppe')).find((e) => e.action === 'decline')?.suggestedServiceId ?? '';
      const suggested = await asLead<{ name: { fr?: string | null } }>('directory', 'GET', `/v1/services/${suggestedId}`);
      expect(declined).toContain(`Service suggéré${suggested.name.fr ?? ''}`);
      // Withdrawing it is not offered, and the service's refusal of it reads as words, never a code.
      expect(await main.getByRole('group', { name: 'Retirer le référencement' }).count()).toBe(0);
      const csrf = (await page.locator('input[name="_csrf"]').first().getAttribute('value')) ?? '';
      const refused = await page.request.post(`${env.consoleUrl}/referrals/${dppeReferralId}/withdraw`, { form: { _csrf: csrf, note: 'Trop tard.' }, maxRedirects: 0 });
      expect(refused.status()).toBe(409);
      const refusal = refusalIn(await refused.text());
      expect(refusal.length).toBeGreaterThan(10);
      expect(refusal).not.toMatch(/ at |Error|[a-z]+_[a-z]+/);
      expect((await demo.history('dppe')).at(-1)?.action).toBe('decline');
    } finally {
      await context.close();
    }
  });

  it('lets the lead withdraw a referral waiting for an answer and continue a draft, on pages light and accessible at 360 px', async () => {
    const [waiting, draft] = await Promise.all([referAgain('dppe', 'low', true), referAgain('clinic', 'medium', false)]);
    const context = await newContext(env, { bypassCSP: true });
    const page = await context.newPage();
    const measure = await pageChecker(page);
    try {
      await signedInAt(env, page, '/sent', DEMO_PEOPLE.lead.name);
      const main = page.getByRole('main');
      const results = [await measure('sent', () => page.goto(`${env.consoleUrl}/sent`))];
      // Waiting for an answer (the default tab), with the time left to acknowledge it.
      expect(await page.getByRole('link', { name: /En attente de réponse/ }).getAttribute('aria-current')).toBe('page');
      expect(await main.getByRole('listitem').filter({ hasText: waiting.code }).textContent()).toMatch(/Reste \d+ jours \(accusé de réception\)/);
      await main.getByRole('link', { name: waiting.code }).click();
      await page.waitForURL(`${env.consoleUrl}/referrals/${waiting.id}`);
      expect(await main.getByRole('region', { name: 'Réponse du destinataire' }).textContent()).toContain('Pas encore de décision du destinataire.');
      // Messages sent: the department's focal point was told of it (the log fills as the hub sends it), by SMS
      // when an earlier test of this file had her choose SMS alone, else by e-mail.
      const messages = main.getByRole('region', { name: 'Messages envoyés' });
      const told = /Nouveau référencement — .*Point focal destinataire · (E-mail|SMS)\u00a0: envoyé — /s;
      await expect.poll(async () => ((await messages.count()) === 1 && told.test((await messages.textContent()) ?? '') ? 'told' : page.reload().then(() => 'not yet')), WAIT).toBe('told');
      results.push(await measure('sent referral', () => page.reload()));
      const withdraw = main.getByRole('group', { name: 'Retirer le référencement' });
      await withdraw.getByLabel('Note (facultative)').fill('La famille a quitté la zone.');
      await withdraw.getByRole('button', { name: 'Retirer le référencement' }).click();
      await expect.poll(() => page.getByRole('status').textContent(), WAIT).toBe('Référencement retiré.');
      expect(await main.getByRole('region', { name: 'Réponse du destinataire' }).textContent()).toContain('Statut : Retiré');
      expect(await main.getByRole('region', { name: 'Historique' }).getByRole('listitem').last().textContent()).toContain('La famille a quitté la zone.');
      // Withdrawn, it is now for her to close.
      expect(await main.getByRole('group', { name: 'Clore le référencement' }).count()).toBe(1);
      const last = (await asLead<{ items: { action: string; actor: { userId: string } | null }[] }>('referrals', 'GET', `/v1/referrals/${waiting.id}/history`)).items.at(-1);
      expect(last).toMatchObject({ action: 'withdraw', actor: { userId: DEMO_PEOPLE.lead.userId } });

      // A draft: nothing sent yet, and the way back to its form.
      results.push(await measure('sent drafts', () => page.goto(`${env.consoleUrl}/sent?tab=draft`)));
      await main.getByRole('link', { name: draft.code }).click();
      await page.waitForURL(`${env.consoleUrl}/referrals/${draft.id}`);
      expect(await main.getByRole('link', { name: 'Continuer le brouillon' }).getAttribute('href')).toBe(`/new-referral/${draft.id}`);
      expect(await main.textContent()).toContain('Rien n’est transmis tant que le brouillon n’est pas envoyé.');
      results.push(await measure('sent draft', () => page.reload()));
      results.push(await measure('sent to close', () => page.goto(`${env.consoleUrl}/sent?tab=to_close`)));
      expect(page.url()).not.toContain('Keza');
      expectLightAndAccessible(results);
    } finally {
      await context.close();
    }
  });
});
