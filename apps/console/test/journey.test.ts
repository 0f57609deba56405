/**
 * The receiving side's journey in a real Chromium over the real services:
 * a link from a message signs the clinic's focal point in through the
 * development identity's login page and lands on the referral, which she
 * acknowledges, accepts, starts and completes; the decline form refuses a
 * missing reason in words; another agency's focal point is told the referral
 * is not hers to see. Also: what every page must be (light, accessible,
 * strict CSP, CSRF, no-store, session cookie flags).
 */
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DEMO_PEOPLE } from '../../../scripts/demo/case.js';
import { DemoCase } from '../../../scripts/demo/scenario.js';
import { startConsoleHub } from './support/console-hub.js';
import type { ConsoleHub } from './support/console-hub.js';

let env: ConsoleHub;
/** Generous but bounded: the machine running the tests may be busy. */
const WAIT = { timeout: 30_000, interval: 200 };
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

beforeEach(({ onTestFailed }) => {
  onTestFailed(async () => {
    process.stderr.write(`\nProcess logs:\n${await env.logs()}\n`);
  });
});

async function newContext(options: { bypassCSP?: boolean } = {}): Promise<BrowserContext> {
  const context = await env.browser.newContext({ locale: 'fr-FR', viewport: { width: 360, height: 740 }, ...options });
  context.setDefaultTimeout(20_000);
  context.setDefaultNavigationTimeout(30_000);
  return context;
}

/** Signs in on the identity's login page as one of the demo's people. */
async function signInAs(page: Page, name: string): Promise<void> {
  await expect.poll(() => page.getByRole('heading', { level: 1 }).textContent(), WAIT).toContain('Se connecter');
  await page.getByRole('button', { name: new RegExp(name) }).click();
}

/** Opens the inbox and signs in there as one of the demo's people; the page lands back on the inbox. */
async function signedInOnInbox(page: Page, name: string): Promise<void> {
  await page.goto(`${env.consoleUrl}/inbox`);
  await signInAs(page, name);
  await page.waitForURL(`${env.consoleUrl}/inbox`);
}

async function act(page: Page, button: string, flash: string): Promise<void> {
  await page.getByRole('button', { name: button, exact: true }).click();
  await expect.poll(() => page.getByRole('status').textContent(), WAIT).toBe(flash);
}

describe('the console, receiving side', () => {
  it('signs the clinic focal point in from a message link and takes the referral through acknowledge, accept, start and complete', async () => {
    const context = await newContext();
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
      const refusal = /<p class="error" role="alert"[^>]*>([^<]+)<\/p>/.exec(await refused.text())?.[1] ?? '';
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
    const context = await newContext();
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
    const context = await newContext();
    const page = await context.newPage();
    try {
      await signedInOnInbox(page, DEMO_PEOPLE.dppeFocalPoint.name);
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
    const context = await newContext();
    const page = await context.newPage();
    try {
      await signedInOnInbox(page, DEMO_PEOPLE.dppeFocalPoint.name);
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
    const axeSource = await readFile(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
    const context = await newContext({ bypassCSP: true });
    const page = await context.newPage();
    let bodies: Promise<number>[] = [];
    page.on('response', (response) => {
      bodies.push(response.body().then((body) => body.length, () => 0));
    });
    const measure = async (label: string, open: () => Promise<unknown>) => {
      bodies = [];
      await open();
      await page.waitForLoadState('load');
      const bytes = (await Promise.all(bodies)).reduce((sum, n) => sum + n, 0);
      const violations = await page.evaluate(async (source) => {
        new Function(source)();
        const axe = (globalThis as unknown as { axe: { run(): Promise<{ violations: { id: string; impact: string | null }[] }> } }).axe;
        const result = await axe.run();
        return result.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => `${v.id} (${v.impact})`);
      }, axeSource);
      return { label, bytes, violations };
    };
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
      process.stdout.write(`${results.map((r) => `${r.label}: ${r.bytes} bytes`).join('\n')}\n`);
      for (const result of results) {
        expect(result.bytes, result.label).toBeGreaterThan(0);
        expect(result.bytes, result.label).toBeLessThan(100 * 1024);
        expect(result.violations, result.label).toEqual([]);
      }
    } finally {
      await context.close();
    }
  });
});
