import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { createServiceTestEnv } from '@referral-hub/testkit';
import type { ServiceTestEnv, TestClaims } from '@referral-hub/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findAdministratorsOf } from '../src/data-access/preferences.js';
import { start } from '../src/start.js';
import type { RunningNotifications } from '../src/start.js';

const migrationsDir = fileURLToPath(new URL('../prisma/migrations', import.meta.url));
const redisUrl = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

let testEnv: ServiceTestEnv;
let service: RunningNotifications;

beforeAll(async () => {
  testEnv = await createServiceTestEnv({ name: 'notifications-prefs', migrationsDir, extraEnv: { REDIS_URL: redisUrl, NOTIFICATIONS_QUEUE_PREFIX: `test-${randomUUID()}` } });
  service = await start({ env: testEnv.env });
});

afterAll(async () => {
  // This file's queue keys, under its own prefix.
  await service?.deliveries.queue.obliterate({ force: true }).catch(() => undefined);
  await service?.stop();
  await testEnv?.cleanup();
});

const person = (extra: Partial<TestClaims> = {}): TestClaims => ({
  sub: `user-${randomUUID()}`,
  org: randomUUID(),
  roles: ['focal_point'],
  ...extra,
});

async function getPreferences(claims: TestClaims): Promise<Response> {
  return fetch(`${service.url}/v1/me/preferences`, { headers: { authorization: await testEnv.authorization(claims) } });
}

async function putPreferences(claims: TestClaims, body: unknown): Promise<Response> {
  return fetch(`${service.url}/v1/me/preferences`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json', authorization: await testEnv.authorization(claims) },
    body: JSON.stringify(body),
  });
}

describe('my notification preferences', () => {
  it('until set, they are e-mail in French, with no date', async () => {
    const response = await getPreferences(person());
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ channels: ['email'], language: 'fr', updatedAt: null, contact: { name: null, email: null, phone: null } });
  });

  it("until set, the language follows the token's locale", async () => {
    const response = await getPreferences(person({ locale: 'en-GB' }));
    expect(await response.json()).toEqual({ channels: ['email'], language: 'en', updatedAt: null, contact: { name: null, email: null, phone: null } });
  });

  it('what I set is what I read back, and it is stored for me and my organisation only', async () => {
    const me = person();
    const put = await putPreferences(me, { channels: ['sms', 'email'], language: 'en' });
    expect(put.status).toBe(200);
    const stored = (await put.json()) as { channels: string[]; language: string; updatedAt: string };
    expect(stored).toMatchObject({ channels: ['sms', 'email'], language: 'en' });
    expect(Date.parse(stored.updatedAt)).not.toBeNaN();

    expect(await (await getPreferences(me)).json()).toEqual(stored);
    const row = await service.db.client.preference.findUnique({ where: { userId: me.sub } });
    expect(row?.organizationId).toBe(me.org);
    // Someone else still has the defaults.
    expect(((await (await getPreferences(person())).json()) as { updatedAt: unknown }).updatedAt).toBeNull();
  });

  it('setting them again replaces them, including with no channel at all', async () => {
    const me = person();
    expect((await putPreferences(me, { channels: ['sms'], language: 'fr' })).status).toBe(200);
    expect((await putPreferences(me, { channels: [], language: 'en' })).status).toBe(200);
    expect(await (await getPreferences(me)).json()).toMatchObject({ channels: [], language: 'en' });
    expect(await service.db.client.preference.count({ where: { userId: me.sub } })).toBe(1);
  });

  it('an unknown channel is a 400 naming it, and nothing is stored', async () => {
    const me = person();
    const response = await putPreferences(me, { channels: ['pigeon'], language: 'fr' });
    expect(response.status).toBe(400);
    const problem = (await response.json()) as { errors: { field: string }[] };
    expect(problem.errors.map((e) => e.field)).toContain('body.channels[0]');
    expect(await service.db.client.preference.count({ where: { userId: me.sub } })).toBe(0);
  });

  it("reading or setting them stores the work contact of the caller's token, which is where the hub writes to", async () => {
    const me = person({ roles: ['supervisor'], name: 'Fatou Sow', email: 'fatou.sow@tde.example', phone_number: '+22670000077', locale: 'en' });
    const read = (await (await getPreferences(me)).json()) as Record<string, unknown>;
    expect(read).toEqual({ channels: ['email'], language: 'en', updatedAt: null, contact: { name: 'Fatou Sow', email: 'fatou.sow@tde.example', phone: '+22670000077' } });
    // Stored without being a choice: the defaults still apply, and a read says so.
    expect(await service.db.client.preference.findUnique({ where: { userId: me.sub } })).toMatchObject({ chosen: false, email: 'fatou.sow@tde.example', phone: '+22670000077', name: 'Fatou Sow' });

    // A new token (a new phone), then a choice: both kept.
    const later = { ...me, phone_number: '+22670000078' };
    const put = (await (await putPreferences(later, { channels: ['sms'], language: 'fr' })).json()) as Record<string, unknown>;
    expect(put).toMatchObject({ channels: ['sms'], language: 'fr', contact: { name: 'Fatou Sow', email: 'fatou.sow@tde.example', phone: '+22670000078' } });
    expect(await service.db.client.preference.findUnique({ where: { userId: me.sub } })).toMatchObject({ chosen: true, channels: ['sms'], phone: '+22670000078' });
    // Reading again keeps the choice.
    expect(await (await getPreferences(later)).json()).toEqual(put);
  });

  it('need a token, and are refused to a machine client', async () => {
    expect((await fetch(`${service.url}/v1/me/preferences`)).status).toBe(401);
    expect((await getPreferences(person({ roles: ['system'] }))).status).toBe(403);
    expect((await putPreferences(person({ roles: ['system'] }), { channels: [], language: 'fr' })).status).toBe(403);
  });
});

describe('administrators, as their tokens said', () => {
  it('an org_admin who opened their preferences is found among their organisation’s administrators, with their work contact; others are not', async () => {
    const org = randomUUID();
    const admin = person({ org, roles: ['org_admin'], email: 'admin@aide-nord.example', phone_number: '+22370000001' });
    const caseworker = person({ org, roles: ['caseworker'], email: 'cw@aide-nord.example' });
    const elsewhere = person({ roles: ['org_admin'], email: 'admin@ailleurs.example' });
    for (const claims of [admin, caseworker, elsewhere]) expect((await getPreferences(claims)).status).toBe(200);
    const found = await findAdministratorsOf(service.pool, org);
    expect(found.map((p) => [p.userId, p.email, p.phone])).toEqual([[admin.sub, 'admin@aide-nord.example', '+22370000001']]);
  });
});
