import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { coordinator, createArea, createOrg, member, startDirectory } from './support/directory.js';
import type { Svc, TestDirectory } from './support/directory.js';

let dir: TestDirectory;

beforeAll(async () => {
  dir = await startDirectory('directory-services', { DIRECTORY_STALE_AFTER_DAYS: '30' });
  await createArea(dir, 'P1');
  await createArea(dir, 'P1-C1', 'P1');
  await createArea(dir, 'P2');
});

afterAll(async () => {
  await dir?.stop();
});

const newService = { name: { fr: 'Écoute psychosociale', en: 'Psychosocial listening' }, types: ['mhpss'], areasServed: ['P1-C1'] };

describe('services: writes, events and history', () => {
  it('when an org_admin adds and changes a service, each change is announced once with its changed fields and kept in the history', async () => {
    const org = await createOrg(dir);
    const admin = member(org.id, 'org_admin');
    const created = await dir.call<Svc>('POST', `/v1/organizations/${org.id}/services`, admin, newService);
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ version: 1, stale: false, verifiedBy: admin.sub });

    const updated = await dir.call<Svc & { capacity: { status: string } }>('PATCH', `/v1/services/${created.body.id}`, admin, {
      version: 1,
      capacity: { status: 'waitlist', note: 'Deux semaines' },
      acceptsReferrals: true,
    });
    expect(updated.status).toBe(200);
    expect(updated.body.version).toBe(2);
    expect(updated.body.capacity.status).toBe('waitlist');

    const events = await dir.tap.waitFor((seen) => seen.filter((e) => e.data.serviceId === created.body.id).length >= 2);
    const mine = events.filter((e) => e.data.serviceId === created.body.id);
    expect(mine).toHaveLength(2);
    expect(mine.map((e) => e.data.change)).toEqual(['created', 'updated']);
    // acceptsReferrals was already true: only the capacity changed.
    expect(mine[1]?.data).toMatchObject({ version: 2, changedFields: ['capacity.note', 'capacity.status'], organizationType: 'ngo' });

    const history = await dir.call<{ items: { changedFields: string[]; actor: { userId: string }; version: number }[] }>(
      'GET',
      `/v1/services/${created.body.id}/history`,
      admin,
    );
    expect(history.status).toBe(200);
    expect(history.body.items.map((h) => h.version)).toEqual([1, 2]);
    expect(history.body.items[1]).toMatchObject({ changedFields: ['capacity.note', 'capacity.status'], actor: { userId: admin.sub } });
    expect(JSON.stringify(history.body)).not.toContain('Deux semaines');
  });

  it('when a patch carries an old version, it gets 409 and nothing changes', async () => {
    const org = await createOrg(dir);
    const admin = member(org.id, 'org_admin');
    const created = await dir.call<Svc>('POST', `/v1/organizations/${org.id}/services`, admin, newService);
    expect((await dir.call('PATCH', `/v1/services/${created.body.id}`, admin, { version: 1, cost: 'free' })).status).toBe(200);
    const stale = await dir.call('PATCH', `/v1/services/${created.body.id}`, admin, { version: 1, cost: '5 USD' });
    expect(stale.status).toBe(409);
    const now = await dir.call<{ cost: string; version: number }>('GET', `/v1/services/${created.body.id}`, admin);
    expect(now.body).toMatchObject({ cost: 'free', version: 2 });
  });

  it('when a patch changes nothing, no version, event or history entry is added', async () => {
    const org = await createOrg(dir);
    const admin = member(org.id, 'org_admin');
    const created = await dir.call<Svc>('POST', `/v1/organizations/${org.id}/services`, admin, newService);
    const same = await dir.call<Svc>('PATCH', `/v1/services/${created.body.id}`, admin, { version: 1, types: ['mhpss'] });
    expect(same.body.version).toBe(1);
    expect(await dir.service.db.client.changeHistory.count({ where: { entityId: created.body.id } })).toBe(1);
    expect(await dir.service.db.client.outboxMessage.count({ where: { subject: created.body.id } })).toBe(1);
  });

  it('focal points and locations move their owner’s version, are announced and recorded by field name only', async () => {
    const org = await createOrg(dir);
    const admin = member(org.id, 'org_admin');
    const fp = await dir.call<{ id: string; version: number }>('POST', `/v1/organizations/${org.id}/focal-points`, admin, {
      name: 'Aline Niyonzima',
      email: 'aline@example.org',
      notificationLanguage: 'fr',
    });
    expect(fp.status).toBe(201);
    const location = await dir.call<{ id: string }>('POST', `/v1/organizations/${org.id}/locations`, admin, { name: 'Bureau', areaCode: 'P1-C1' });
    expect(location.status).toBe(201);
    const events = await dir.tap.waitFor((seen) => seen.filter((e) => e.data.organizationId === org.id && e.type === 'directory.organization.changed').length >= 3);
    const mine = events.filter((e) => e.data.organizationId === org.id && e.type === 'directory.organization.changed');
    expect(mine.map((e) => e.data.changedFields)).toEqual([['name', 'type'], ['focalPoints'], ['locations']]);
    expect(mine.map((e) => e.data.version)).toEqual([1, 2, 3]);
    const history = await dir.call<{ items: { entityType: string; changedFields: string[] }[] }>('GET', `/v1/organizations/${org.id}/history`, admin);
    expect(history.body.items.map((h) => h.entityType)).toEqual(['organization', 'focal_point', 'organization', 'location', 'organization']);
    expect(JSON.stringify(history.body)).not.toContain('aline@example.org');
    expect(JSON.stringify(history.body)).not.toContain('Niyonzima');
  });

  it('a service never verified or verified too long ago is stale, and coordinators get the list', async () => {
    const org = await createOrg(dir);
    const admin = member(org.id, 'org_admin');
    const created = await dir.call<Svc>('POST', `/v1/organizations/${org.id}/services`, admin, newService);
    await dir.service.db.client.service.update({ where: { id: created.body.id }, data: { verifiedAt: new Date(Date.now() - 31 * 86_400_000) } });
    const read = await dir.call<{ stale: boolean }>('GET', `/v1/services/${created.body.id}`, admin);
    expect(read.body.stale).toBe(true);
    expect((await dir.call('GET', '/v1/services/stale', admin)).status).toBe(403);
    const ids: string[] = [];
    let cursor: string | null = null;
    do {
      const page: { status: number; body: { items: { id: string; stale: boolean }[]; nextCursor: string | null } } = await dir.call(
        'GET',
        `/v1/services/stale?limit=1${cursor === null ? '' : `&cursor=${cursor}`}`,
        coordinator(),
      );
      expect(page.status).toBe(200);
      expect(page.body.items.every((s) => s.stale)).toBe(true);
      ids.push(...page.body.items.map((s) => s.id));
      cursor = page.body.nextCursor;
    } while (cursor !== null);
    expect(ids).toContain(created.body.id);
    expect(new Set(ids).size).toBe(ids.length);

    const verified = await dir.call<{ stale: boolean }>('PATCH', `/v1/services/${created.body.id}`, admin, { version: 1, markVerified: true });
    expect(verified.body.stale).toBe(false);
  });

  it('the gap report counts active services taking referrals per type and area, and lists where there are none', async () => {
    const org = await createOrg(dir);
    const admin = member(org.id, 'org_admin');
    await dir.call('POST', `/v1/organizations/${org.id}/services`, admin, { ...newService, types: ['legal_aid'] });
    await dir.call('POST', `/v1/organizations/${org.id}/services`, admin, { ...newService, types: ['legal_aid'], acceptsReferrals: false });
    expect((await dir.call('GET', '/v1/reports/gaps', admin)).status).toBe(403);
    const report = await dir.call<{ cells: { type: string; areaCode: string; services: number }[]; gaps: { type: string; areaCode: string }[] }>(
      'GET',
      '/v1/reports/gaps?level=1',
      coordinator(),
    );
    expect(report.status).toBe(200);
    expect(report.body.cells.find((c) => c.type === 'legal_aid' && c.areaCode === 'P1')?.services).toBe(1);
    expect(report.body.gaps).toContainEqual({ type: 'legal_aid', areaCode: 'P2' });
    expect(report.body.gaps).not.toContainEqual({ type: 'legal_aid', areaCode: 'P1' });
    expect(report.body.gaps).toContainEqual({ type: 'safe_shelter', areaCode: 'P1' });
  });

  it('the seeded taxonomy has the 15 child-protection types; coordinators relabel terms from the version they read', async () => {
    const reader = member(randomUUID(), 'caseworker');
    const list = await dir.call<{ items: { code: string; labels: { fr: string }; version: number }[] }>('GET', '/v1/taxonomy', reader);
    expect(list.body.items.length).toBeGreaterThanOrEqual(15);
    expect(list.body.items.find((t) => t.code === 'mhpss')?.labels.fr).toBe('Santé mentale et soutien psychosocial');
    expect((await dir.call('PUT', '/v1/taxonomy/nutrition', member(randomUUID(), 'org_admin'), { labels: { fr: 'x', en: 'y' }, version: 1 })).status).toBe(403);
    const relabel = await dir.call<{ version: number }>('PUT', '/v1/taxonomy/nutrition', coordinator(), {
      labels: { fr: 'Nutrition et alimentation', en: 'Nutrition' },
      version: 1,
    });
    expect(relabel.status).toBe(200);
    expect(relabel.body.version).toBe(2);
    expect((await dir.call('PUT', '/v1/taxonomy/nutrition', coordinator(), { labels: { fr: 'a', en: 'b' }, version: 1 })).status).toBe(409);
  });
});
