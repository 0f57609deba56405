/**
 * Coordination of the network in a real Chromium over the real services:
 * the network coordinator adds a confidential location and a service offered
 * there, and a caseworker of another agency sees the service but never the
 * address (neither in the console nor in the directory's API); an
 * organisation's administrator changes her own service's capacity and is
 * refused, in words, on another organisation's; a focal point is added,
 * edited and removed; an HSDS dataset is imported and the report read; bad
 * input is refused in words naming the field, and nothing is saved. Every
 * page is light and accessible at 360 px.
 */
import { readFileSync, readdirSync } from 'node:fs';
import type { DirectoryApi } from '@referral-hub/contracts';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_PEOPLE } from '../../../scripts/demo/case.js';
import { DEMO_COORDINATOR } from '../../../scripts/demo/network.js';
import { startConsoleHub } from './support/console-hub.js';
import type { ConsoleHub } from './support/console-hub.js';
import { WAIT, newContext, printLogsOnFailure, refusal, signedInAt } from './support/browser.js';
import { expectLightAndAccessible, pageChecker } from './support/page-checks.js';

type Service = DirectoryApi.components['schemas']['Service'];
type Location = DirectoryApi.components['schemas']['Location'];
type FocalPoint = DirectoryApi.components['schemas']['FocalPoint'];
type Organization = DirectoryApi.components['schemas']['Organization'];

let env: ConsoleHub;
const COORDINATOR = DEMO_COORDINATOR.name;
const CLINIC_ADMIN = 'Administration CCU';
const SAFE_HOUSE = { name: 'Maison d’accueil Amizero', address: '14 ruelle des Jacarandas, Rugazi' };
const SHELTER_SERVICE = 'Hébergement d’urgence Amizero';

beforeAll(async () => {
  env = await startConsoleHub('coordination');
}, 420_000);

afterAll(async () => {
  await env?.close();
});

printLogsOnFailure(() => env);

const clinicId = () => env.hub.seed.organizations.ubuzima;
const atpeId = () => env.hub.seed.organizations.tubakingire;

/** The directory's API, as someone: the coordinator, the clinic's administrator, or the lead caseworker of ATPE. */
async function directory<T>(who: 'coordinator' | 'clinicAdmin' | 'lead', path: string): Promise<T> {
  const claims =
    who === 'coordinator'
      ? { sub: DEMO_COORDINATOR.userId, org: DEMO_COORDINATOR.organizationId, roles: ['network_coordinator' as const], name: DEMO_COORDINATOR.name }
      : who === 'clinicAdmin'
        ? { sub: 'demo-admin-ubuzima', org: clinicId(), roles: ['org_admin' as const], name: CLINIC_ADMIN }
        : { sub: DEMO_PEOPLE.lead.userId, org: atpeId(), roles: DEMO_PEOPLE.lead.roles, name: DEMO_PEOPLE.lead.name };
  const response = await fetch(`${env.hub.endpoints.directoryUrl}${path}`, { headers: { authorization: `Bearer ${await env.hub.token(claims)}` } });
  expect(response.status, path).toBe(200);
  return (await response.json()) as T;
}

async function servicesOf(organizationId: string): Promise<Service[]> {
  return (await directory<{ items: Service[] }>('coordinator', `/v1/services?organizationId=${organizationId}&limit=200`)).items;
}

async function submit(page: Page, form: string, button: string, flash: string): Promise<void> {
  await page.getByRole('form', { name: form }).getByRole('button', { name: button, exact: true }).click();
  await expect.poll(() => page.getByRole('status').first().textContent(), WAIT).toBe(flash);
}

let shelterServiceId = '';

describe('network coordination', () => {
  it('lets the coordinator add a confidential location and a service there, whose address another agency never sees', async () => {
    const context = await newContext(env);
    const page = await context.newPage();
    try {
      await signedInAt(env, page, '/network', COORDINATOR);
      expect(await page.getByRole('navigation').getByRole('link', { name: 'Coordination du réseau' }).count()).toBe(1);
      await page.getByRole('link', { name: /Clinique communautaire Ubuzima/ }).click();
      await expect.poll(() => page.getByRole('heading', { level: 1 }).textContent(), WAIT).toBe('Clinique communautaire Ubuzima (CCU)');
      expect(await page.getByRole('main').textContent()).toContain('son adresse et sa position ne sont pas montrées aux autres agences');

      const location = page.getByRole('form', { name: 'Ajouter un lieu' });
      await location.getByLabel('Nom', { exact: true }).fill(SAFE_HOUSE.name);
      await location.getByLabel('Zone').selectOption('MV-RG-GT-01');
      await location.getByLabel('Adresse').fill(SAFE_HOUSE.address);
      await location.getByLabel('Latitude').fill('-3,3961');
      await location.getByLabel('Longitude').fill('29.9115');
      await location.getByLabel('Lieu confidentiel').check();
      await submit(page, 'Ajouter un lieu', 'Ajouter', 'Lieu ajouté.');
      // The coordinator may see the address of a confidential location.
      expect(await page.getByRole('main').textContent()).toContain(SAFE_HOUSE.address);

      const service = page.getByRole('form', { name: 'Ajouter un service' });
      await service.getByLabel('Nom en français').fill(SHELTER_SERVICE);
      await service.getByLabel('Nom en anglais').fill('Amizero emergency shelter');
      await service.getByLabel('Description en français').fill('Hébergement temporaire sécurisé pour les enfants en danger.');
      await service.getByLabel('Types de service').selectOption({ index: 0 });
      await service.getByLabel('Capacité', { exact: true }).selectOption('waitlist');
      await service.getByLabel('Note sur la capacité (facultative)').fill('Deux places libérées la semaine prochaine.');
      await service.getByLabel('Zones desservies').selectOption(['MV-RG']);
      await service.getByLabel('Lieux où il est offert').selectOption({ label: `${SAFE_HOUSE.name} (confidentiel)` });
      await submit(page, 'Ajouter un service', 'Ajouter', 'Service ajouté.');
      const href = (await page.getByRole('link', { name: SHELTER_SERVICE }).getAttribute('href')) ?? '';
      expect(href).toMatch(/^\/network\/services\/[0-9a-f-]{36}$/);
      shelterServiceId = href.split('/').at(-1) ?? '';

      const stored = await directory<Service>('coordinator', `/v1/services/${shelterServiceId}`);
      expect(stored).toMatchObject({ organizationId: clinicId(), acceptsReferrals: true, capacity: { status: 'waitlist', note: 'Deux places libérées la semaine prochaine.' }, areasServed: ['MV-RG'] });
      expect(stored.locations).toEqual([expect.objectContaining({ name: SAFE_HOUSE.name, confidential: true, redacted: false, address: SAFE_HOUSE.address, coordinates: { latitude: -3.3961, longitude: 29.9115 } })]);
    } finally {
      await context.close();
    }

    // A caseworker of another agency: the service, never the address, in the console and in the API with her token.
    const theirs = await newContext(env);
    const other = await theirs.newPage();
    try {
      await signedInAt(env, other, `/directory/services/${shelterServiceId}`, DEMO_PEOPLE.lead.name);
      await expect.poll(() => other.getByRole('heading', { level: 1 }).textContent(), WAIT).toBe(SHELTER_SERVICE);
      const shown = (await other.content()) ?? '';
      expect(shown).not.toContain('Jacarandas');
      expect(shown).not.toContain('29.9115');
      // Not offered the coordination page, which the directory would refuse anyway.
      expect(await other.getByRole('navigation').getByRole('link', { name: 'Coordination du réseau' }).count()).toBe(0);
      const seen = await directory<Service>('lead', `/v1/services/${shelterServiceId}`);
      expect(seen.locations).toEqual([expect.objectContaining({ name: SAFE_HOUSE.name, confidential: true, redacted: true, address: null, coordinates: null })]);
      const place = await directory<Location>('lead', `/v1/locations/${seen.locations[0]?.id ?? ''}`);
      expect(place).toMatchObject({ redacted: true, address: null, coordinates: null });
      expect(JSON.stringify(seen)).not.toContain('Jacarandas');
    } finally {
      await theirs.close();
    }
  });

  it('lets an organisation’s administrator change her own service’s capacity, and refuses in words her change to another’s', async () => {
    const context = await newContext(env);
    const page = await context.newPage();
    try {
      await signedInAt(env, page, '/network', CLINIC_ADMIN);
      const listed = await page.getByRole('main').getByRole('listitem').allTextContents();
      expect(listed).toEqual(['Clinique communautaire Ubuzima (CCU)']);
      await page.getByRole('link', { name: /Clinique communautaire Ubuzima/ }).click();
      await page.getByRole('link', { name: 'Consultations pédiatriques' }).click();
      await expect.poll(() => page.getByRole('heading', { level: 1 }).textContent(), WAIT).toBe('Consultations pédiatriques');
      const capacity = page.getByRole('form', { name: 'Capacité d’accueil' });
      await capacity.getByLabel('Capacité', { exact: true }).selectOption('full');
      await capacity.getByLabel('Note sur la capacité (facultative)').fill('Pédiatre en congé jusqu’à lundi.');
      await submit(page, 'Capacité d’accueil', 'Enregistrer', 'Modifications enregistrées.');
      const paediatrics = (await servicesOf(clinicId())).find((s) => s.name.fr === 'Consultations pédiatriques');
      expect(paediatrics?.capacity).toMatchObject({ status: 'full', note: 'Pédiatre en congé jusqu’à lundi.' });

      // Another organisation's service: the page opens (the map is for everyone to read), the change is refused.
      const [atpeService] = await servicesOf(atpeId());
      expect(atpeService).toBeDefined();
      const before = atpeService?.capacity;
      await page.goto(`${env.consoleUrl}/network/services/${atpeService?.id ?? ''}`);
      const theirs = page.getByRole('form', { name: 'Capacité d’accueil' });
      await theirs.getByLabel('Capacité', { exact: true }).selectOption(before?.status === 'full' ? 'available' : 'full');
      await theirs.getByRole('button', { name: 'Enregistrer' }).click();
      expect(await refusal(page)).toContain('Votre rôle ne permet pas cette action sur cette ressource.');
      expect((await directory<Service>('coordinator', `/v1/services/${atpeService?.id ?? ''}`)).capacity).toEqual(before);
      // Nor may she register an organisation: the form is not offered to her.
      await page.goto(`${env.consoleUrl}/network`);
      expect(await page.getByRole('form', { name: 'Ajouter une organisation' }).count()).toBe(0);
    } finally {
      await context.close();
    }
  });

  it('adds, edits and removes a focal point, with the service she answers for', async () => {
    const context = await newContext(env);
    const page = await context.newPage();
    try {
      await signedInAt(env, page, `/network/organizations/${clinicId()}`, CLINIC_ADMIN);
      const form = page.getByRole('form', { name: 'Ajouter un point focal' });
      await form.getByLabel('Nom', { exact: true }).fill('Claudine Ndayishimiye');
      await form.getByLabel('Fonction').fill('Infirmière référente');
      await form.getByLabel('Courriel professionnel').fill('claudine@ubuzima.example.org');
      await form.getByLabel('Téléphone professionnel').fill('+257 79 000 099');
      await form.getByLabel('Langues').fill('fr, rn');
      await form.getByLabel('Service dont il ou elle répond').selectOption({ label: SHELTER_SERVICE });
      await submit(page, 'Ajouter un point focal', 'Ajouter', 'Point focal ajouté.');
      const points = async () => (await directory<{ items: FocalPoint[] }>('coordinator', `/v1/organizations/${clinicId()}/focal-points`)).items;
      expect((await points()).find((p) => p.name === 'Claudine Ndayishimiye')).toMatchObject({ serviceId: shelterServiceId, email: 'claudine@ubuzima.example.org', phone: '+257 79 000 099', languages: ['fr', 'rn'] });

      await page.getByRole('link', { name: 'Modifier Claudine Ndayishimiye' }).click();
      await expect.poll(() => page.getByRole('heading', { level: 1 }).textContent(), WAIT).toBe('Claudine Ndayishimiye');
      expect(await page.getByRole('main').textContent()).toContain(`Répond pour : ${SHELTER_SERVICE}.`);
      await page.getByRole('form', { name: 'Point focal' }).getByLabel('Fonction').fill('Infirmière cheffe');
      await submit(page, 'Point focal', 'Enregistrer', 'Modifications enregistrées.');
      expect((await points()).find((p) => p.name === 'Claudine Ndayishimiye')?.title).toBe('Infirmière cheffe');

      await page.getByRole('button', { name: 'Retirer Claudine Ndayishimiye' }).click();
      await expect.poll(() => page.getByRole('status').textContent(), WAIT).toBe('Point focal retiré.');
      expect((await points()).some((p) => p.name === 'Claudine Ndayishimiye')).toBe(false);
      expect(await page.getByRole('main').textContent()).not.toContain('Claudine');
    } finally {
      await context.close();
    }
  });

  it('lets an organisation’s administrator edit her organisation, a location, and whom and where a service serves', async () => {
    const context = await newContext(env);
    const page = await context.newPage();
    try {
      await signedInAt(env, page, `/network/organizations/${clinicId()}`, CLINIC_ADMIN);
      const details = page.getByRole('form', { name: 'L’organisation' });
      await details.getByLabel('Téléphone professionnel').fill('+257 79 000 021');
      await submit(page, 'L’organisation', 'Enregistrer', 'Modifications enregistrées.');
      const clinic = await directory<Organization>('coordinator', `/v1/organizations/${clinicId()}`);
      expect(clinic).toMatchObject({ name: 'Clinique communautaire Ubuzima', acronym: 'CCU', contact: { phone: '+257 79 000 021', email: 'accueil@ubuzima.example.org' } });

      await page.getByRole('link', { name: 'Clinique de Rugazi' }).click();
      await expect.poll(() => page.getByRole('heading', { level: 1 }).textContent(), WAIT).toBe('Clinique de Rugazi');
      expect(await page.getByRole('main').textContent()).toContain('son adresse et sa position ne sont pas montrées aux autres agences');
      await page.getByRole('form', { name: 'Lieu' }).getByLabel('Adresse').fill('Route de Mubanda 7, Rugazi');
      await submit(page, 'Lieu', 'Enregistrer', 'Modifications enregistrées.');
      const places = (await directory<{ items: Location[] }>('coordinator', `/v1/organizations/${clinicId()}/locations`)).items;
      expect(places.find((l) => l.name === 'Clinique de Rugazi')).toMatchObject({ address: 'Route de Mubanda 7, Rugazi', confidential: false });

      await page.goto(`${env.consoleUrl}/network/services/${shelterServiceId}`);
      const reach = page.getByRole('form', { name: 'Public, langues et zones desservies' });
      await reach.getByLabel('Âge minimum (ans)').fill('12');
      await reach.getByLabel('Âge maximum (ans)').fill('6');
      await reach.getByRole('button', { name: 'Enregistrer' }).click();
      expect(await refusal(page)).toMatch(/Âge minimum \(ans\) : /);
      expect((await directory<Service>('coordinator', `/v1/services/${shelterServiceId}`)).eligibility.minAge ?? null).toBeNull();
      // What was typed is kept, to correct.
      expect(await reach.getByLabel('Âge minimum (ans)').inputValue()).toBe('12');
      await reach.getByLabel('Âge minimum (ans)').fill('5');
      await reach.getByLabel('Âge maximum (ans)').fill('17');
      await reach.getByLabel('Ouvert aux').selectOption(['female']);
      await reach.getByLabel('Langues').fill('fr, rn');
      await reach.getByLabel('Horaires').fill('Jour et nuit');
      await submit(page, 'Public, langues et zones desservies', 'Enregistrer', 'Modifications enregistrées.');
      const shelter = await directory<Service>('coordinator', `/v1/services/${shelterServiceId}`);
      expect(shelter).toMatchObject({ eligibility: { minAge: 5, maxAge: 17, sexes: ['female'] }, languages: ['fr', 'rn'], openingHours: 'Jour et nuit', areasServed: ['MV-RG'] });
      // The other forms' fields are untouched, the location still there.
      expect(shelter.capacity.status).toBe('waitlist');
      expect(shelter.locations.map((l) => l.name)).toEqual([SAFE_HOUSE.name]);
    } finally {
      await context.close();
    }
  });

  it('refuses bad input in words naming the field, and saves nothing', async () => {
    const context = await newContext(env);
    const page = await context.newPage();
    try {
      await signedInAt(env, page, '/network', COORDINATOR);
      const organizations = async () => (await directory<{ items: Organization[] }>('coordinator', '/v1/organizations?limit=200')).items.length;
      const count = await organizations();
      const create = page.getByRole('form', { name: 'Ajouter une organisation' });
      await create.getByLabel('Sigle').fill('VIDE');
      await create.getByLabel('Courriel professionnel').fill('contact@vide.example.org');
      await create.getByRole('button', { name: 'Ajouter' }).click();
      expect(await refusal(page)).toMatch(/Nom : /);
      // What was typed is still there, to correct.
      expect(await page.getByRole('form', { name: 'Ajouter une organisation' }).getByLabel('Sigle').inputValue()).toBe('VIDE');
      expect(await organizations()).toBe(count);

      await page.goto(`${env.consoleUrl}/network/organizations/${clinicId()}`);
      const focal = page.getByRole('form', { name: 'Ajouter un point focal' });
      await focal.getByLabel('Nom', { exact: true }).fill('Point focal sans courriel valide');
      await focal.getByLabel('Courriel professionnel').fill('pas-un-courriel');
      await focal.getByRole('button', { name: 'Ajouter' }).click();
      expect(await refusal(page)).toMatch(/Courriel professionnel : /);
      const points = (await directory<{ items: FocalPoint[] }>('coordinator', `/v1/organizations/${clinicId()}/focal-points`)).items;
      expect(points.some((p) => p.name === 'Point focal sans courriel valide')).toBe(false);

      // A service without a name or a type: refused as a whole, no service left behind.
      const before = (await servicesOf(clinicId())).length;
      await page.goto(`${env.consoleUrl}/network/organizations/${clinicId()}`);
      const service = page.getByRole('form', { name: 'Ajouter un service' });
      await service.getByLabel('Lieux où il est offert').selectOption({ label: `${SAFE_HOUSE.name} (confidentiel)` });
      await service.getByRole('button', { name: 'Ajouter' }).click();
      expect(await refusal(page)).toMatch(/Nom : |Types de service : /);
      expect((await servicesOf(clinicId())).length).toBe(before);

      // More fields than the console reads in one form: words saying what to do, nothing sent on.
      const csrf = (await page.locator('input[name="_csrf"]').first().getAttribute('value')) ?? '';
      const crowded = [`_csrf=${encodeURIComponent(csrf)}`, 'nameFr=Trop', 'types=medical_care', ...Array.from({ length: 450 }, (_, n) => `areasServed=MV-${n}`)].join('&');
      const oversized = await page.request.post(`${env.consoleUrl}/network/organizations/${clinicId()}/services`, { headers: { 'content-type': 'application/x-www-form-urlencoded' }, data: crowded, maxRedirects: 0 });
      expect(oversized.status()).toBe(413);
      expect(await oversized.text()).toContain('Ce formulaire contient trop de choix ou trop de texte : rien n’a été enregistré.');
      expect((await servicesOf(clinicId())).length).toBe(before);
    } finally {
      await context.close();
    }
  });

  it('imports an HSDS dataset and reports what was created, updated, unchanged and rejected', async () => {
    const ids = (n: number) => `c0a1b2c3-d4e5-4f60-8a7b-${String(n).padStart(12, '0')}`;
    const dataset = {
      taxonomy_terms: [{ id: ids(1), code: 'coordination_import', name: 'Soutien importé', description: 'Un type venu d’un autre répertoire.' }],
      organizations: [
        { id: ids(2), name: 'Association Umucyo', description: 'Association de quartier importée depuis HSDS.' },
        { id: 'pas-un-uuid', name: 'Fiche invalide' },
      ],
      services: [{ id: ids(3), organization_id: ids(2), name: 'Soutien scolaire Umucyo', status: 'active', attributes: [{ id: ids(4), taxonomy_term_id: ids(1) }] }],
    };
    const context = await newContext(env);
    const page = await context.newPage();
    try {
      await signedInAt(env, page, '/network', COORDINATOR);
      const form = () => page.getByRole('form', { name: 'Importer un jeu de données HSDS' });
      const report = async () => {
        await expect.poll(() => page.getByRole('status').textContent(), WAIT).toContain('Import terminé');
        return (await page.getByRole('status').textContent()) ?? '';
      };
      const importing = async (how: 'file' | 'paste') => {
        if (how === 'file') await form().getByLabel('Fichier(s) HSDS').setInputFiles({ name: 'umucyo.json', mimeType: 'application/json', buffer: Buffer.from(JSON.stringify(dataset)) });
        else await form().getByLabel('Ou collez le jeu de données HSDS (JSON)').fill(JSON.stringify(dataset));
        await form().getByLabel('Langue des noms et descriptions').selectOption('fr');
        await form().getByRole('button', { name: 'Importer' }).click();
        return report();
      };
      // Uploaded as a file (a multipart form, its CSRF token read like any form's).
      const first = await importing('file');
      expect(first).toMatch(/Import terminé : [1-9]\d* fiches? créées?, aucune mise à jour, .*, 1 refusée\./);
      expect(first).toContain('pas-un-uuid');
      expect(await page.getByRole('link', { name: 'Association Umucyo' }).count()).toBe(1);
      const imported = (await directory<{ items: Service[] }>('coordinator', '/v1/services?q=Umucyo')).items;
      expect(imported.map((s) => s.name.fr)).toEqual(['Soutien scolaire Umucyo']);

      // Again, pasted: recognised by their HSDS ids, nothing created or changed.
      const again = await importing('paste');
      expect(again).toMatch(/Import terminé : aucune fiche créée, aucune mise à jour, [1-9]\d* inchangées?, 1 refusée\./);
      expect((await directory<{ items: Service[] }>('coordinator', '/v1/services?q=Umucyo')).items).toHaveLength(1);

      // The tabular package: its CSV files, passed on to the directory as they are.
      const csvDir = new URL('../../../services/directory/test/fixtures/hsds/csv/', import.meta.url);
      const csvFiles = readdirSync(csvDir).filter((file) => file.endsWith('.csv'));
      expect(csvFiles.length).toBeGreaterThan(1);
      await form().getByLabel('Fichier(s) HSDS').setInputFiles(csvFiles.map((file) => ({ name: file, mimeType: 'text/csv', buffer: readFileSync(new URL(file, csvDir)) })));
      await form().getByRole('button', { name: 'Importer' }).click();
      expect(await report()).toMatch(/Import terminé : [1-9]\d* fiches? créées?/);

      // Neither one JSON file nor CSV files: refused in words, nothing sent.
      await form().getByLabel('Fichier(s) HSDS').setInputFiles({ name: 'notes.txt', mimeType: 'text/plain', buffer: Buffer.from('organisations') });
      await form().getByRole('button', { name: 'Importer' }).click();
      expect(await refusal(page)).toContain('Envoyez soit un seul fichier JSON, soit uniquement des fichiers CSV du paquet tabulaire.');

      // Not JSON: refused in words naming the field, nothing sent.
      await form().getByLabel('Ou collez le jeu de données HSDS (JSON)').fill('organizations: oui');
      await form().getByRole('button', { name: 'Importer' }).click();
      expect(await refusal(page)).toContain('Ce texte n’est pas un objet JSON.');
    } finally {
      await context.close();
    }
  });

  it('keeps every coordination page under 100 KB transferred and free of serious or critical axe-core violations, at 360 px', async () => {
    const context = await newContext(env, { bypassCSP: true });
    const page = await context.newPage();
    const measure = await pageChecker(page);
    try {
      await signedInAt(env, page, '/network', COORDINATOR);
      const results = [await measure('network', () => page.goto(`${env.consoleUrl}/network`))];
      results.push(await measure('organisation', () => page.goto(`${env.consoleUrl}/network/organizations/${clinicId()}`)));
      results.push(await measure('service', () => page.goto(`${env.consoleUrl}/network/services/${shelterServiceId}`)));
      const shelter = await directory<Service>('coordinator', `/v1/services/${shelterServiceId}`);
      results.push(await measure('location', () => page.goto(`${env.consoleUrl}/network/locations/${shelter.locations[0]?.id ?? ''}`)));
      const [point] = (await directory<{ items: FocalPoint[] }>('coordinator', `/v1/organizations/${clinicId()}/focal-points`)).items;
      results.push(await measure('focal point', () => page.goto(`${env.consoleUrl}/network/organizations/${clinicId()}/focal-points/${point?.id ?? ''}`)));
      results.push(
        await measure('HSDS report', async () => {
          await page.goto(`${env.consoleUrl}/network`);
          const form = page.getByRole('form', { name: 'Importer un jeu de données HSDS' });
          await form.getByLabel('Ou collez le jeu de données HSDS (JSON)').fill(JSON.stringify({ organizations: [{ id: 'pas-un-uuid', name: 'Fiche invalide' }] }));
          await form.getByRole('button', { name: 'Importer' }).click();
          await expect.poll(() => page.getByRole('status').textContent(), WAIT).toContain('Import terminé');
        }),
      );
      results.push(
        await measure('refused form', async () => {
          await page.goto(`${env.consoleUrl}/network/organizations/${clinicId()}`);
          await page.getByRole('form', { name: 'Ajouter un lieu' }).getByRole('button', { name: 'Ajouter' }).click();
          await refusal(page);
        }),
      );
      expectLightAndAccessible(results);
    } finally {
      await context.close();
    }
  });
});
