import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ConsentApi, DirectoryApi } from '@referral-hub/contracts';
import { isAppError } from '@referral-hub/platform';
import { createServiceTestEnv } from '@referral-hub/testkit';
import type { ServiceTestEnv, TestClaims } from '@referral-hub/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { start as startConsent } from '../../services/consent/src/start.js';
import type { RunningConsent } from '../../services/consent/src/start.js';
import { start as startDirectory } from '../../services/directory/src/start.js';
import type { RunningDirectory } from '../../services/directory/src/start.js';
import { DEMO_AGREEMENT, DEMO_COORDINATOR, DEMO_ORGANIZATIONS, demoOrganization } from '../../scripts/demo/network.js';
import { DEMO_TOTALS, findDemoOrganizations, seedDemoNetwork } from '../../scripts/demo/seed.js';
import type { DemoClaims, DemoSeedResult, SeedDemoNetworkOptions } from '../../scripts/demo/seed.js';

type D = DirectoryApi.components['schemas'];
type Agreement = ConsentApi.components['schemas']['Agreement'];

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
const directoryMigrations = fileURLToPath(new URL('../../services/directory/prisma/migrations', import.meta.url));
const consentMigrations = fileURLToPath(new URL('../../services/consent/prisma/migrations', import.meta.url));

let testEnv: ServiceTestEnv;
let directory: RunningDirectory;
let consent: RunningConsent;
let first: DemoSeedResult;
const firstLog: string[] = [];

const COORDINATOR: TestClaims = { sub: 'test-coordinator', org: '00000000-0000-4000-8000-0000000000aa', roles: ['network_coordinator'] };

function options(log?: string[]): SeedDemoNetworkOptions {
  return {
    directoryUrl: directory.url,
    consentUrl: consent.url,
    token: (claims: DemoClaims) => testEnv.issuer.sign(claims),
    ...(log === undefined ? {} : { log: (line: string) => log.push(line) }),
  };
}

async function get<T>(baseUrl: string, path: string, claims: TestClaims): Promise<T> {
  const response = await fetch(`${baseUrl}${path}`, { headers: { authorization: await testEnv.authorization(claims) } });
  const body = (await response.json()) as T;
  expect(response.status, `${path}: ${JSON.stringify(body)}`).toBe(200);
  return body;
}

async function allServices(claims: TestClaims = COORDINATOR): Promise<D['Service'][]> {
  const all: D['Service'][] = [];
  let cursor: string | null = null;
  do {
    const page: D['ServicePage'] = await get(directory.url, `/v1/services?limit=200${cursor === null ? '' : `&cursor=${encodeURIComponent(cursor)}`}`, claims);
    all.push(...page.items);
    cursor = page.nextCursor;
  } while (cursor !== null);
  return all;
}

async function allOrganizations(): Promise<D['Organization'][]> {
  return (await get<D['OrganizationPage']>(directory.url, '/v1/organizations?limit=200', COORDINATOR)).items;
}

async function allFocalPoints(): Promise<D['FocalPoint'][]> {
  const organizations = await allOrganizations();
  const lists = await Promise.all(
    organizations.map((o) => get<D['FocalPointList']>(directory.url, `/v1/organizations/${o.id}/focal-points`, COORDINATOR)),
  );
  return lists.flatMap((list) => list.items);
}

async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (typeof address !== 'object' || address === null) throw new Error('no port');
  return address.port;
}

beforeAll(async () => {
  testEnv = await createServiceTestEnv({ name: 'demo-seed', migrationsDir: directoryMigrations });
  const consentEnv = await testEnv.envForAnotherService(consentMigrations);
  directory = await startDirectory({ env: testEnv.env });
  consent = await startConsent({ env: consentEnv });
  first = await seedDemoNetwork(options(firstLog));
});

afterAll(async () => {
  await directory?.stop();
  await consent?.stop();
  await testEnv?.cleanup();
});

describe('seedDemoNetwork on empty databases', () => {
  it('registers one government department, six NGOs, a UN agency and two community committees', async () => {
    const organizations = await allOrganizations();
    const byType = new Map<string, number>();
    for (const organization of organizations) byType.set(organization.type, (byType.get(organization.type) ?? 0) + 1);
    expect(Object.fromEntries(byType)).toEqual({ government: 1, ngo: 6, un_agency: 1, community_committee: 2 });
    expect(first.alreadySeeded).toBe(false);
    expect(new Set(Object.values(first.organizations))).toEqual(new Set(organizations.map((o) => o.id)));
    expect(organizations.find((o) => o.id === first.organizations.dppe)?.type).toBe('government');
  });

  it('adds about forty bilingual services that cover every term of the taxonomy', async () => {
    const services = await allServices();
    expect(services.length).toBe(DEMO_TOTALS.services);
    expect(services.length).toBeGreaterThanOrEqual(35);
    expect(services.length).toBeLessThanOrEqual(45);
    for (const service of services) {
      expect(service.name.fr, service.id).toBeTruthy();
      expect(service.name.en, service.id).toBeTruthy();
      expect(service.description?.fr, service.id).toBeTruthy();
      expect(service.description?.en, service.id).toBeTruthy();
      expect(service.languages.length, service.id).toBeGreaterThan(0);
      expect(service.stale, service.id).toBe(false);
    }
    const taxonomy = await get<D['TaxonomyTermList']>(directory.url, '/v1/taxonomy', COORDINATOR);
    const covered = new Set(services.flatMap((s) => s.types));
    expect(taxonomy.items.length).toBe(15);
    expect(taxonomy.items.map((t) => t.code).filter((code) => !covered.has(code))).toEqual([]);
    // A referral must be possible to most of the map.
    expect(services.filter((s) => s.acceptsReferrals).length).toBeGreaterThan(services.length * 0.8);
  });

  it('serves the province down to the collines, and finds services by area', async () => {
    const areas = await get<D['AdminAreaList']>(directory.url, '/v1/areas', COORDINATOR);
    expect(areas.items.map((a) => a.level).sort()).toEqual(expect.arrayContaining([1, 2, 3, 4]));
    expect(areas.items.length).toBe(DEMO_TOTALS.areas);
    const inKabingo = await get<D['ServicePage']>(directory.url, '/v1/services?area=MV-KB&type=safe_shelter', COORDINATOR);
    expect(inKabingo.items.map((s) => s.name.en)).toContain('Safe shelter');
  });

  it('names work focal points for every organisation, and for some services', async () => {
    const focalPoints = await allFocalPoints();
    expect(focalPoints.length).toBe(DEMO_TOTALS.focalPoints);
    for (const id of Object.values(first.organizations)) {
      expect(focalPoints.some((f) => f.organizationId === id && f.serviceId === null), id).toBe(true);
    }
    expect(focalPoints.filter((f) => f.serviceId !== null).length).toBeGreaterThanOrEqual(4);
    for (const focalPoint of focalPoints) {
      if (focalPoint.email !== null) expect(focalPoint.email).toMatch(/@[a-z0-9.-]*example\.org$/);
      // A work phone in E.164, the number the hub texts and recognises in an SMS reply or a USSD session.
      expect(focalPoint.phone).toMatch(/^\+25779000\d{3}$/);
    }
  });

  it('puts the sharing agreement between the lead NGO, the clinic and the department in force', async () => {
    expect(first.agreementId).not.toBeNull();
    const agreement = await get<Agreement>(consent.url, `/v1/agreements/${first.agreementId ?? ''}`, COORDINATOR);
    const parties = [first.organizations.tubakingire, first.organizations.ubuzima, first.organizations.dppe];
    expect(agreement.inForce).toBe(true);
    expect([...agreement.partyOrganizationIds].sort()).toEqual([...parties].sort());
    expect(agreement.acceptances.map((a) => a.organizationId).sort()).toEqual([...parties].sort());
    expect(agreement.dataGroups).toEqual(expect.arrayContaining(['health', 'case_summary']));
    expect(agreement.dataGroups).toEqual([...DEMO_AGREEMENT.dataGroups]);
    // Proposed by the coordinator, accepted by each party's administrator.
    expect(agreement.createdBy).toBe(DEMO_COORDINATOR.userId);
    expect(agreement.acceptances.map((a) => a.acceptedBy).sort()).toEqual(
      DEMO_AGREEMENT.parties.map((key) => demoOrganization(key).adminUserId).sort(),
    );
  });

  it('shows the safe house only to its own organisation: an outsider sees it redacted', async () => {
    const shelterName = demoOrganization('amahoro').services.find((s) => s.key === 'safe_shelter')?.name.fr;
    const outsider: TestClaims = { sub: 'caseworker-1', org: first.organizations.tubakingire, roles: ['caseworker'] };
    const owner: TestClaims = { sub: 'caseworker-2', org: first.organizations.amahoro, roles: ['caseworker'] };
    const path = `/v1/services?organizationId=${first.organizations.amahoro}&type=safe_shelter`;

    const seenByOutsider = (await get<D['ServicePage']>(directory.url, path, outsider)).items.find((s) => s.name.fr === shelterName);
    expect(seenByOutsider?.locations).toHaveLength(1);
    expect(seenByOutsider?.locations[0]).toMatchObject({ confidential: true, redacted: true, address: null, coordinates: null });

    const seenByOwner = (await get<D['ServicePage']>(directory.url, path, owner)).items.find((s) => s.name.fr === shelterName);
    expect(seenByOwner?.locations[0]).toMatchObject({ confidential: true, redacted: false });
    expect(seenByOwner?.locations[0]?.address).toBeTruthy();
  });

  it('says what it did, naming no one', () => {
    expect(firstLog.at(-1)).toMatch(/^Demo network seeded: created 22 areas, 10 organisations/);
    const people = DEMO_ORGANIZATIONS.flatMap((o) => o.focalPoints.map((f) => f.name));
    for (const line of firstLog) for (const person of people) expect(line).not.toContain(person);
  });
});

describe('seedDemoNetwork on a hub that has it', () => {
  it('a second run creates nothing and says the network is already there', async () => {
    const before = { services: (await allServices()).length, focalPoints: (await allFocalPoints()).length };
    const log: string[] = [];
    const second = await seedDemoNetwork(options(log));
    expect(second.alreadySeeded).toBe(true);
    expect(second.created).toEqual({ areas: 0, organizations: 0, locations: 0, services: 0, focalPoints: 0, agreements: 0 });
    expect(second.organizations).toEqual(first.organizations);
    expect(second.agreementId).toBeNull();
    expect(log.join('\n')).toMatch(/already there/);
    expect((await allOrganizations()).length).toBe(10);
    expect({ services: (await allServices()).length, focalPoints: (await allFocalPoints()).length }).toEqual(before);
  });

  it('when one entry went missing, a run adds back only that entry and no second agreement', async () => {
    const focalPoints = await get<D['FocalPointList']>(directory.url, `/v1/organizations/${first.organizations.ubuzima}/focal-points`, COORDINATOR);
    const removed = focalPoints.items.find((f) => f.serviceId !== null);
    expect(removed).toBeDefined();
    const admin: TestClaims = { sub: 'demo-admin-ubuzima', org: first.organizations.ubuzima, roles: ['org_admin'] };
    const deleted = await fetch(`${directory.url}/v1/focal-points/${removed?.id ?? ''}?version=${removed?.version ?? 0}`, {
      method: 'DELETE',
      headers: { authorization: await testEnv.authorization(admin) },
    });
    expect(deleted.status).toBeLessThan(300);

    const again = await seedDemoNetwork(options());
    expect(again.alreadySeeded).toBe(false);
    expect(again.created).toEqual({ areas: 0, organizations: 0, locations: 0, services: 0, focalPoints: 1, agreements: 0 });
    expect(again.agreementId).toBeNull();
    const restored = await get<D['FocalPointList']>(directory.url, `/v1/organizations/${first.organizations.ubuzima}/focal-points`, COORDINATOR);
    expect(restored.items.find((f) => f.name === removed?.name)?.serviceId).toBe(removed?.serviceId);
  });

  it('gives a focal point that lost its work phone the demo’s number back, and creates nothing', async () => {
    const focalPoints = await get<D['FocalPointList']>(directory.url, `/v1/organizations/${first.organizations.dppe}/focal-points`, COORDINATOR);
    const target = focalPoints.items.find((f) => f.serviceId === null);
    expect(target?.phone).toMatch(/^\+25779000\d{3}$/);
    const admin: TestClaims = { sub: 'demo-admin-dppe', org: first.organizations.dppe, roles: ['org_admin'] };
    const patched = await fetch(`${directory.url}/v1/focal-points/${target?.id ?? ''}`, {
      method: 'PATCH',
      headers: { authorization: await testEnv.authorization(admin), 'content-type': 'application/json' },
      body: JSON.stringify({ version: target?.version ?? 0, phone: null }),
    });
    expect(patched.status).toBe(200);

    const again = await seedDemoNetwork(options());
    expect(again.alreadySeeded).toBe(false);
    expect(again.phonesAdded).toBe(1);
    expect(again.created).toEqual({ areas: 0, organizations: 0, locations: 0, services: 0, focalPoints: 0, agreements: 0 });
    const after = await get<D['FocalPointList']>(directory.url, `/v1/organizations/${first.organizations.dppe}/focal-points`, COORDINATOR);
    expect(after.items.find((f) => f.id === target?.id)?.phone).toBe(target?.phone);
    expect((await seedDemoNetwork(options())).alreadySeeded).toBe(true);
  });

  it('writes the demo’s number in E.164 where an older seed wrote it with spaces, and keeps a number someone changed', async () => {
    const focalPoints = await get<D['FocalPointList']>(directory.url, `/v1/organizations/${first.organizations.ubuzima}/focal-points`, COORDINATOR);
    const [spaced, changed] = focalPoints.items;
    const admin: TestClaims = { sub: 'demo-admin-ubuzima', org: first.organizations.ubuzima, roles: ['org_admin'] };
    const patch = async (id: string, version: number, phone: string) => {
      const response = await fetch(`${directory.url}/v1/focal-points/${id}`, {
        method: 'PATCH',
        headers: { authorization: await testEnv.authorization(admin), 'content-type': 'application/json' },
        body: JSON.stringify({ version, phone }),
      });
      expect(response.status).toBe(200);
    };
    const e164 = spaced?.phone ?? '';
    await patch(spaced?.id ?? '', spaced?.version ?? 0, e164.replace(/^\+257(\d{2})(\d{3})(\d{3})$/, '+257 $1 $2 $3'));
    await patch(changed?.id ?? '', changed?.version ?? 0, '+257 61 234 567');

    const again = await seedDemoNetwork(options());
    expect(again.phonesAdded).toBe(1);
    const after = await get<D['FocalPointList']>(directory.url, `/v1/organizations/${first.organizations.ubuzima}/focal-points`, COORDINATOR);
    expect(after.items.find((f) => f.id === spaced?.id)?.phone).toBe(e164);
    expect(after.items.find((f) => f.id === changed?.id)?.phone).toBe('+257 61 234 567');
  });

  it('finds the demo organisations by name for the walkthrough', async () => {
    const found = await findDemoOrganizations({ directoryUrl: directory.url, token: (claims) => testEnv.issuer.sign(claims) });
    expect(found).toEqual(first.organizations);
  });
});

describe('when a service is unreachable', () => {
  it('seedDemoNetwork rejects with 503, naming the unreachable service and its address', async () => {
    const port = await closedPort();
    const consentUrl = `http://127.0.0.1:${port}`;
    const error: unknown = await seedDemoNetwork({ ...options(), consentUrl }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(isAppError(error)).toBe(true);
    expect(isAppError(error) ? error.status : 0).toBe(503);
    expect(isAppError(error) ? error.detail : '').toContain(`consent service is not reachable at ${consentUrl}`);
  });

  it('the CLI exits 2 with a clear message', async () => {
    const port = await closedPort();
    const identityDir = await mkdtemp(join(tmpdir(), 'demo-seed-identity-'));
    try {
      const child = spawn(process.execPath, ['--conditions=@referral-hub/source', '--import', 'tsx', 'scripts/demo/seed.ts'], {
        cwd: repoRoot,
        env: { ...process.env, DIRECTORY_URL: `http://127.0.0.1:${port}`, CONSENT_URL: consent.url, DEV_IDENTITY_DIR: identityDir },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stderr = '';
      child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
      const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
      expect(stderr).toContain(`directory service is not reachable at http://127.0.0.1:${port}`);
      expect(code).toBe(2);
    } finally {
      await rm(identityDir, { recursive: true, force: true });
    }
  });
});
