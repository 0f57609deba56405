/**
 * Seeds the demo network (`network.ts`) into a running hub through the
 * directory's and the consent service's HTTP APIs only, as the network
 * coordinator and each organisation's administrator would.
 *
 *   node --conditions=@referral-hub/source --import tsx scripts/demo/seed.ts
 *
 * Env: DIRECTORY_URL (default http://127.0.0.1:4010), CONSENT_URL (default
 * http://127.0.0.1:4020), AUTH_ISSUER / AUTH_AUDIENCE (defaults of the
 * development identity), DEV_IDENTITY_DIR (default `.hub/dev-identity` at the
 * repository root). Exit codes: 0 seeded or already there; 2 a service is not
 * reachable; 1 anything else.
 *
 * Idempotent. The directory assigns its own ids, so the seed finds what exists
 * by name (organisations by name; their locations, services and focal points by
 * name within the organisation) and creates only what is missing. The consent
 * service cannot list agreements, so the agreement is proposed just before the
 * last directory write of the seed (the department's own focal point): when
 * that focal point exists, the agreement was made, and a later run leaves both
 * alone. A run interrupted between the two proposes the agreement again; a
 * second identical agreement changes no sharing decision. A focal point that
 * is there without a work phone, or with the demo's number written with
 * spaces (an older seed), is given the demo's in E.164: the hub texts the
 * receiving focal points and knows them by it when they answer by SMS or USSD.
 */
import { pathToFileURL } from 'node:url';
import type { ConsentApi, DirectoryApi } from '@referral-hub/contracts';
import {
  AppError,
  DEV_AUDIENCE_DEFAULT,
  DEV_ISSUER_DEFAULT,
  defaultDevIdentityDir,
  isAppError,
  mintDevToken,
  serviceUnavailable,
} from '@referral-hub/platform';
import type { Role } from '@referral-hub/platform';
import { DEMO_AGREEMENT, DEMO_AREAS, DEMO_COORDINATOR, DEMO_ORGANIZATIONS, DEMO_ORGANIZATION_KEYS } from './network.js';
import type { DemoFocalPoint, DemoOrganization, DemoOrganizationKey } from './network.js';

type D = DirectoryApi.components['schemas'];
type Organization = D['Organization'];
type Location = D['Location'];
type Service = D['Service'];
type FocalPoint = D['FocalPoint'];
type Agreement = ConsentApi.components['schemas']['Agreement'];

/** The claims of a token the seed needs; the caller signs them. */
export type DemoClaims = { sub: string; org: string; roles: Role[]; name?: string };

export type SeedDemoNetworkOptions = {
  directoryUrl: string;
  consentUrl: string;
  /** Returns a bearer token (without `Bearer `) carrying these claims, from an issuer both services trust. */
  token: (claims: DemoClaims) => Promise<string>;
  /** One line per step; nothing personal goes through it (the demo has no children). */
  log?: (line: string) => void;
  /** The clock for the agreement's review date. */
  now?: () => Date;
};

export type DemoCounts = {
  areas: number;
  organizations: number;
  locations: number;
  services: number;
  focalPoints: number;
  agreements: number;
};

export type DemoSeedResult = {
  /** True when the whole network was already there and nothing was written. */
  alreadySeeded: boolean;
  /** The directory ids of the demo organisations. */
  organizations: Record<DemoOrganizationKey, string>;
  /** What this run created. */
  created: DemoCounts;
  /** Focal points that were there without a work phone (or with the demo's written otherwise) and were given the demo's, in E.164. */
  phonesAdded: number;
  /** What the demo network holds, once seeded. */
  totals: DemoCounts;
  /** The agreement this run made in force, if it made one. */
  agreementId: string | null;
};

const EMPTY: DemoCounts = { areas: 0, organizations: 0, locations: 0, services: 0, focalPoints: 0, agreements: 0 };

/** What the demo network holds: the figures of `network.ts`. */
export const DEMO_TOTALS: DemoCounts = {
  areas: DEMO_AREAS.length,
  organizations: DEMO_ORGANIZATIONS.length,
  locations: DEMO_ORGANIZATIONS.reduce((sum, o) => sum + o.locations.length, 0),
  services: DEMO_ORGANIZATIONS.reduce((sum, o) => sum + o.services.length, 0),
  focalPoints: DEMO_ORGANIZATIONS.reduce((sum, o) => sum + o.focalPoints.length, 0),
  agreements: 1,
};

/**
 * The last write of a seed: the government department's own focal point.
 * Its presence tells a later run that the agreement was made (see the header).
 */
const COMPLETION_MARKER = ((): { organization: DemoOrganization; focalPoint: DemoFocalPoint } => {
  const organization = DEMO_ORGANIZATIONS.find((o) => o.type === 'government');
  const focalPoint = organization?.focalPoints.find((f) => f.serviceKey === undefined);
  if (organization === undefined || focalPoint === undefined) throw new Error('the demo network needs a government organisation with its own focal point');
  return { organization, focalPoint };
})();

const REQUEST_TIMEOUT_MS = 15_000;

type Problem = { title?: unknown; detail?: unknown; errors?: unknown };

function describeProblem(body: unknown): string {
  if (typeof body !== 'object' || body === null) return '';
  const problem = body as Problem;
  const parts = [problem.title, problem.detail].filter((p): p is string => typeof p === 'string');
  if (Array.isArray(problem.errors)) {
    for (const error of problem.errors as unknown[]) {
      if (typeof error === 'object' && error !== null) {
        const { field, message } = error as { field?: unknown; message?: unknown };
        if (typeof field === 'string' && typeof message === 'string') parts.push(`${field} ${message}`);
      }
    }
  }
  return parts.join('; ');
}

/** One of the two services, called with a token per caller. */
class ServiceClient {
  constructor(
    private readonly name: 'directory' | 'consent',
    private readonly baseUrl: string,
    private readonly tokenFor: (claims: DemoClaims) => Promise<string>,
  ) {}

  private async send(method: string, path: string, headers: Record<string, string>, body?: unknown): Promise<{ status: number; body: unknown }> {
    let response: Response;
    try {
      response = await fetch(new URL(path, this.baseUrl), {
        method,
        headers: body === undefined ? headers : { ...headers, 'content-type': 'application/json' },
        signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
    } catch (error) {
      throw new AppError('service_unreachable', 503, 'Service unreachable', {
        detail: `The ${this.name} service is not reachable at ${this.baseUrl}: is the hub running (npm start)?`,
        cause: error,
      });
    }
    const text = await response.text();
    let parsed: unknown = undefined;
    if (text !== '') {
      try {
        parsed = JSON.parse(text);
      } catch {
        parsed = undefined;
      }
    }
    return { status: response.status, body: parsed };
  }

  /** Fails unless the service answers its liveness probe. */
  async probe(): Promise<void> {
    const answer = await this.send('GET', '/livez', {});
    if (answer.status !== 200) {
      throw serviceUnavailable(`The ${this.name} service at ${this.baseUrl} answered ${answer.status} to /livez.`);
    }
  }

  async call<T>(caller: DemoClaims, method: string, path: string, body?: unknown, expected: readonly number[] = [200]): Promise<T> {
    const token = await this.tokenFor(caller);
    const answer = await this.send(method, path, { authorization: `Bearer ${token}`, accept: 'application/json' }, body);
    if (!expected.includes(answer.status)) {
      const problem = describeProblem(answer.body);
      throw new AppError('demo_seed_failed', 502, 'Unexpected answer', {
        detail: `${this.name}: ${method} ${path} as ${caller.roles.join(',')} answered ${answer.status}${problem === '' ? '' : ` (${problem})`}`,
      });
    }
    return answer.body as T;
  }
}

/** Caches one token per caller for the run (the seed lasts seconds). */
function tokenCache(token: (claims: DemoClaims) => Promise<string>): (claims: DemoClaims) => Promise<string> {
  const tokens = new Map<string, Promise<string>>();
  return (claims) => {
    const key = JSON.stringify([claims.sub, claims.org, claims.roles]);
    let cached = tokens.get(key);
    if (cached === undefined) {
      cached = token(claims);
      tokens.set(key, cached);
      // A failed signing is not kept: the next call tries again.
      cached.catch(() => tokens.delete(key));
    }
    return cached;
  };
}

const COORDINATOR: DemoClaims = {
  sub: DEMO_COORDINATOR.userId,
  org: DEMO_COORDINATOR.organizationId,
  roles: ['network_coordinator'],
  name: DEMO_COORDINATOR.name,
};

function adminOf(organization: DemoOrganization, id: string): DemoClaims {
  return { sub: organization.adminUserId, org: id, roles: ['org_admin'], name: `Administration ${organization.acronym ?? organization.key}` };
}

async function pages<T>(fetchPage: (cursor: string | null) => Promise<{ items: T[]; nextCursor: string | null }>): Promise<T[]> {
  const all: T[] = [];
  let cursor: string | null = null;
  do {
    const page: { items: T[]; nextCursor: string | null } = await fetchPage(cursor);
    all.push(...page.items);
    cursor = page.nextCursor;
  } while (cursor !== null);
  return all;
}

type OrganizationState = {
  organization: Organization;
  locations: Location[];
  services: Service[];
  focalPoints: FocalPoint[];
};

async function listOrganizations(directory: ServiceClient): Promise<Organization[]> {
  return pages((cursor) =>
    directory.call<{ items: Organization[]; nextCursor: string | null }>(
      COORDINATOR,
      'GET',
      `/v1/organizations?limit=200${cursor === null ? '' : `&cursor=${encodeURIComponent(cursor)}`}`,
    ),
  );
}

async function readOrganizationState(directory: ServiceClient, organization: Organization): Promise<OrganizationState> {
  const id = encodeURIComponent(organization.id);
  const [locations, focalPoints, services] = await Promise.all([
    directory.call<{ items: Location[] }>(COORDINATOR, 'GET', `/v1/organizations/${id}/locations`),
    directory.call<{ items: FocalPoint[] }>(COORDINATOR, 'GET', `/v1/organizations/${id}/focal-points`),
    pages((cursor) =>
      directory.call<{ items: Service[]; nextCursor: string | null }>(
        COORDINATOR,
        'GET',
        `/v1/services?organizationId=${id}&limit=200${cursor === null ? '' : `&cursor=${encodeURIComponent(cursor)}`}`,
      ),
    ),
  ]);
  return { organization, locations: locations.items, services, focalPoints: focalPoints.items };
}

/** What a demo organisation still lacks in the directory. */
function missingOf(demo: DemoOrganization, state: OrganizationState | undefined) {
  const serviceIdOf = (key: string | undefined): string | null | undefined => {
    if (key === undefined) return null;
    const wanted = demo.services.find((s) => s.key === key);
    return state?.services.find((s) => wanted !== undefined && s.name.fr === wanted.name.fr)?.id;
  };
  return {
    locations: demo.locations.filter((l) => !(state?.locations.some((existing) => existing.name === l.name) ?? false)),
    services: demo.services.filter((s) => !(state?.services.some((existing) => existing.name.fr === s.name.fr) ?? false)),
    focalPoints: demo.focalPoints.filter((f) => {
      const serviceId = serviceIdOf(f.serviceKey);
      return !(state?.focalPoints.some((existing) => existing.name === f.name && serviceId !== undefined && existing.serviceId === serviceId) ?? false);
    }),
    // Focal points there already without the work phone the hub texts and recognises them by, or with the demo's
    // number written as people write it (an older seed): given it in E.164. A number someone changed is kept.
    phones: demo.focalPoints.flatMap((f): { existing: FocalPoint; phone: string }[] => {
      const serviceId = serviceIdOf(f.serviceKey);
      const existing = state?.focalPoints.find((e) => e.name === f.name && serviceId !== undefined && e.serviceId === serviceId);
      const phone = f.phone ?? null;
      if (existing === undefined || phone === null || existing.phone === phone) return [];
      const digits = (value: string | null) => (value ?? '').replace(/[^+0-9]/g, '');
      return digits(existing.phone) === '' || digits(existing.phone) === digits(phone) ? [{ existing, phone }] : [];
    }),
  };
}

/**
 * The ids of the demo organisations in the directory, found by name; `null`
 * when any of them is missing. For the demo walkthrough and the docs, which
 * cannot know the ids the directory gave.
 */
export async function findDemoOrganizations(options: Pick<SeedDemoNetworkOptions, 'directoryUrl' | 'token'>): Promise<Record<DemoOrganizationKey, string> | null> {
  const directory = new ServiceClient('directory', options.directoryUrl, tokenCache(options.token));
  const byName = new Map((await listOrganizations(directory)).map((o) => [o.name, o.id]));
  const ids: Partial<Record<DemoOrganizationKey, string>> = {};
  for (const demo of DEMO_ORGANIZATIONS) {
    const id = byName.get(demo.name);
    if (id === undefined) return null;
    ids[demo.key] = id;
  }
  return ids as Record<DemoOrganizationKey, string>;
}

function addDays(day: Date, days: number): string {
  return new Date(day.getTime() + days * 86_400_000).toISOString().slice(0, 10);
}

/**
 * Creates the demo network of `network.ts` in a running hub, or whatever part
 * of it is missing; does nothing (and says so) when it is all there.
 *
 * @throws AppError 503 `service_unreachable` / `service_unavailable` when a
 *   service cannot be reached (before anything is written), 502
 *   `demo_seed_failed` when a service refuses a step.
 */
export async function seedDemoNetwork(options: SeedDemoNetworkOptions): Promise<DemoSeedResult> {
  const log = options.log ?? (() => undefined);
  const now = options.now ?? (() => new Date());
  const token = tokenCache(options.token);
  const directory = new ServiceClient('directory', options.directoryUrl, token);
  const consent = new ServiceClient('consent', options.consentUrl, token);
  await Promise.all([directory.probe(), consent.probe()]);

  // What is there already.
  const areaCodes = new Set((await directory.call<{ items: { code: string }[] }>(COORDINATOR, 'GET', '/v1/areas')).items.map((a) => a.code));
  const byName = new Map((await listOrganizations(directory)).map((o) => [o.name, o]));
  const states = new Map<DemoOrganizationKey, OrganizationState>();
  await Promise.all(
    DEMO_ORGANIZATIONS.map(async (demo) => {
      const existing = byName.get(demo.name);
      if (existing !== undefined) states.set(demo.key, await readOrganizationState(directory, existing));
    }),
  );

  const missingAreas = DEMO_AREAS.filter((a) => !areaCodes.has(a.code));
  const complete =
    missingAreas.length === 0 &&
    DEMO_ORGANIZATIONS.every((demo) => {
      const missing = missingOf(demo, states.get(demo.key));
      return states.has(demo.key) && missing.locations.length + missing.services.length + missing.focalPoints.length + missing.phones.length === 0;
    });
  if (complete) {
    log(`The demo network is already there (${DEMO_ORGANIZATIONS.length} organisations): nothing to do.`);
    return { alreadySeeded: true, organizations: idsOf(states), created: { ...EMPTY }, phonesAdded: 0, totals: { ...DEMO_TOTALS }, agreementId: null };
  }

  const created: DemoCounts = { ...EMPTY };
  let phonesAdded = 0;

  // Areas, parents first (the list is in that order), as the coordinator.
  for (const area of missingAreas) {
    await directory.call(COORDINATOR, 'PUT', `/v1/areas/${encodeURIComponent(area.code)}`, { parentCode: area.parentCode, names: area.names }, [200, 201]);
    created.areas += 1;
  }
  if (missingAreas.length > 0) log(`+ ${missingAreas.length} administrative areas (province, communes, zones, collines)`);

  // Organisations, as the coordinator.
  const createdNow = new Set<DemoOrganizationKey>();
  for (const demo of DEMO_ORGANIZATIONS) {
    if (states.has(demo.key)) continue;
    const organization = await directory.call<Organization>(
      COORDINATOR,
      'POST',
      '/v1/organizations',
      {
        name: demo.name,
        type: demo.type,
        ...(demo.acronym === undefined ? {} : { acronym: demo.acronym }),
        ...(demo.description === undefined ? {} : { description: demo.description }),
        ...(demo.contact === undefined ? {} : { contact: demo.contact }),
        ...(demo.areasServed === undefined ? {} : { areasServed: demo.areasServed }),
      } satisfies D['NewOrganization'],
      [201],
    );
    states.set(demo.key, { organization, locations: [], services: [], focalPoints: [] });
    createdNow.add(demo.key);
    created.organizations += 1;
  }
  const ids = idsOf(states);

  // Each organisation's own entries, as its administrator.
  for (const demo of DEMO_ORGANIZATIONS) {
    const state = states.get(demo.key);
    if (state === undefined) throw new Error(`organisation ${demo.key} was not created`);
    const admin = adminOf(demo, state.organization.id);
    const orgPath = `/v1/organizations/${encodeURIComponent(state.organization.id)}`;
    const missing = missingOf(demo, state);
    const before = { locations: created.locations, services: created.services, focalPoints: created.focalPoints };

    for (const location of missing.locations) {
      const body: D['NewLocation'] = {
        name: location.name,
        areaCode: location.areaCode,
        address: location.address,
        coordinates: location.coordinates,
        confidential: location.confidential ?? false,
      };
      state.locations.push(await directory.call<Location>(admin, 'POST', `${orgPath}/locations`, body, [201]));
      created.locations += 1;
    }

    for (const service of missing.services) {
      const { key: _key, locationKeys, ...fields } = service;
      const locationIds = locationKeys.map((key) => {
        const name = demo.locations.find((l) => l.key === key)?.name;
        const id = state.locations.find((l) => l.name === name)?.id;
        if (id === undefined) throw new Error(`demo service ${demo.key}/${service.key} names an unknown location ${key}`);
        return id;
      });
      const body: D['NewService'] = { ...fields, locationIds, markVerified: true };
      state.services.push(await directory.call<Service>(admin, 'POST', `${orgPath}/services`, body, [201]));
      created.services += 1;
    }

    for (const focalPoint of missing.focalPoints) {
      if (demo === COMPLETION_MARKER.organization && focalPoint === COMPLETION_MARKER.focalPoint) continue;
      await createFocalPoint(directory, admin, orgPath, demo, state, focalPoint);
      created.focalPoints += 1;
    }

    for (const { existing, phone } of missing.phones) {
      const body: D['FocalPointPatch'] = { version: existing.version, phone };
      await directory.call<FocalPoint>(admin, 'PATCH', `/v1/focal-points/${encodeURIComponent(existing.id)}`, body);
      phonesAdded += 1;
    }

    const added = [
      counted(created.locations - before.locations, 'location'),
      counted(created.services - before.services, 'service'),
      counted(created.focalPoints - before.focalPoints, 'focal point'),
      counted(missing.phones.length, 'work phone'),
    ].filter((part) => part !== '');
    if (added.length > 0 || createdNow.has(demo.key)) {
      log(`+ ${demo.acronym ?? demo.key} (${demo.type})${added.length > 0 ? `: ${added.join(', ')}` : ''}`);
    }
  }

  // The agreement, then the marker that says it was made.
  let agreementId: string | null = null;
  const markerState = states.get(COMPLETION_MARKER.organization.key);
  if (markerState === undefined) throw new Error('the government organisation was not created');
  const markerMissing = missingOf(COMPLETION_MARKER.organization, markerState).focalPoints.includes(COMPLETION_MARKER.focalPoint);
  if (markerMissing) {
    agreementId = await makeAgreement(consent, ids, now(), log);
    created.agreements += 1;
    await createFocalPoint(
      directory,
      adminOf(COMPLETION_MARKER.organization, markerState.organization.id),
      `/v1/organizations/${encodeURIComponent(markerState.organization.id)}`,
      COMPLETION_MARKER.organization,
      markerState,
      COMPLETION_MARKER.focalPoint,
    );
    created.focalPoints += 1;
    log(`+ ${COMPLETION_MARKER.organization.acronym ?? COMPLETION_MARKER.organization.key}: its referral focal point, now that the agreement is in force`);
  }

  log(
    `Demo network seeded: created ${created.areas} areas, ${created.organizations} organisations, ${created.locations} locations, ` +
      `${created.services} services, ${created.focalPoints} focal points, ${created.agreements} agreements.`,
  );
  return { alreadySeeded: false, organizations: ids, created, phonesAdded, totals: { ...DEMO_TOTALS }, agreementId };
}

/** `3 services`, `1 service`, or nothing for none. */
function counted(count: number, noun: string): string {
  return count === 0 ? '' : `${count} ${noun}${count === 1 ? '' : 's'}`;
}

function idsOf(states: ReadonlyMap<DemoOrganizationKey, OrganizationState>): Record<DemoOrganizationKey, string> {
  const ids: Partial<Record<DemoOrganizationKey, string>> = {};
  for (const key of DEMO_ORGANIZATION_KEYS) {
    const state = states.get(key);
    if (state !== undefined) ids[key] = state.organization.id;
  }
  return ids as Record<DemoOrganizationKey, string>;
}

async function createFocalPoint(
  directory: ServiceClient,
  admin: DemoClaims,
  orgPath: string,
  demo: DemoOrganization,
  state: OrganizationState,
  focalPoint: DemoFocalPoint,
): Promise<void> {
  const { serviceKey, ...fields } = focalPoint;
  let serviceId: string | null = null;
  if (serviceKey !== undefined) {
    const name = demo.services.find((s) => s.key === serviceKey)?.name.fr;
    const service = state.services.find((s) => s.name.fr === name);
    if (service === undefined) throw new Error(`demo focal point ${focalPoint.name} names an unknown service ${demo.key}/${serviceKey}`);
    serviceId = service.id;
  }
  const body: D['NewFocalPoint'] = { ...fields, serviceId };
  state.focalPoints.push(await directory.call<FocalPoint>(admin, 'POST', `${orgPath}/focal-points`, body, [201]));
}

/** Proposed by the coordinator, accepted by each party's administrator; fails unless it ends in force. */
async function makeAgreement(
  consent: ServiceClient,
  ids: Record<DemoOrganizationKey, string>,
  today: Date,
  log: (line: string) => void,
): Promise<string> {
  const { parties, reviewAfterDays, ...terms } = DEMO_AGREEMENT;
  const proposal: ConsentApi.components['schemas']['NewAgreement'] = {
    ...terms,
    partyOrganizationIds: parties.map((key) => ids[key]),
    reviewDate: addDays(today, reviewAfterDays),
  };
  let agreement = await consent.call<Agreement>(COORDINATOR, 'POST', '/v1/agreements', proposal, [201]);
  for (const key of parties) {
    const party = DEMO_ORGANIZATIONS.find((o) => o.key === key);
    if (party === undefined) throw new Error(`the agreement names an unknown demo organisation ${key}`);
    agreement = await consent.call<Agreement>(adminOf(party, ids[key]), 'POST', `/v1/agreements/${encodeURIComponent(agreement.id)}/accept`);
  }
  if (!agreement.inForce) {
    throw new AppError('demo_seed_failed', 502, 'Agreement not in force', { detail: `agreement ${agreement.id} is not in force after every party accepted it` });
  }
  log(`+ sharing agreement ${agreement.id} between ${parties.join(', ')}: in force until its review on ${agreement.reviewDate}`);
  return agreement.id;
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value.trim();
}

/** The CLI: seeds against the local hub with development tokens. */
async function main(): Promise<number> {
  const directoryUrl = nonEmpty(process.env.DIRECTORY_URL) ?? 'http://127.0.0.1:4010';
  const consentUrl = nonEmpty(process.env.CONSENT_URL) ?? 'http://127.0.0.1:4020';
  const issuer = nonEmpty(process.env.AUTH_ISSUER) ?? DEV_ISSUER_DEFAULT;
  const audience = nonEmpty(process.env.AUTH_AUDIENCE) ?? DEV_AUDIENCE_DEFAULT;
  const dir = nonEmpty(process.env.DEV_IDENTITY_DIR) ?? defaultDevIdentityDir();
  const print = (line: string) => process.stdout.write(`${line}\n`);

  try {
    const result = await seedDemoNetwork({
      directoryUrl,
      consentUrl,
      token: (claims) =>
        mintDevToken({
          dir,
          issuer,
          audience,
          organizationId: claims.org,
          roles: claims.roles,
          userId: claims.sub,
          ...(claims.name === undefined ? {} : { name: claims.name }),
          expiresIn: '15m',
        }),
      log: print,
    });
    const t = result.totals;
    print(
      `Demo network: ${t.organizations} organisations, ${t.services} services, ${t.locations} locations, ` +
        `${t.focalPoints} focal points, ${t.areas} areas, ${t.agreements} sharing agreement.`,
    );
    for (const key of DEMO_ORGANIZATION_KEYS) {
      const organization = DEMO_ORGANIZATIONS.find((o) => o.key === key);
      print(`  ${result.organizations[key]}  ${organization?.acronym ?? key}`);
    }
    return 0;
  } catch (error) {
    if (isAppError(error)) {
      process.stderr.write(`demo seed: ${error.detail ?? error.message}\n`);
      return error.status === 503 ? 2 : 1;
    }
    process.stderr.write(`demo seed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    return 1;
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  process.exitCode = await main();
}
