import { randomBytes, randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { createServiceTestEnv } from '@referral-hub/testkit';
import type { ServiceTestEnv, TestClaims } from '@referral-hub/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ReferralSummary } from '../src/domain/referral.js';
import { start } from '../src/start.js';
import { referralsExtraEnv, testServiceTokens } from './support.js';
import type { RunningReferrals } from '../src/start.js';

const migrationsDir = fileURLToPath(new URL('../prisma/migrations', import.meta.url));

let testEnv: ServiceTestEnv;
let service: RunningReferrals;

beforeAll(async () => {
  testEnv = await createServiceTestEnv({ name: 'referrals-list', migrationsDir, extraEnv: referralsExtraEnv() });
  service = await start({ env: testEnv.env, serviceTokens: testServiceTokens(testEnv, randomUUID()) });
});

afterAll(async () => {
  await service?.stop();
  await testEnv?.cleanup();
});

const CODE_ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ';
const referralCode = () => `REF-${[...randomBytes(5)].map((b) => CODE_ALPHABET[b % 36]).join('')}`;

/**
 * Stores a referral envelope directly: creating referrals through the API
 * comes with the referral lifecycle; listing them must already be real.
 */
async function givenReferral(overrides: { from: string; to: string; status?: string; updatedAt: Date }) {
  return service.db.client.referral.create({
    data: {
      id: randomUUID(),
      code: referralCode(),
      caseCode: `CASE-${randomBytes(4).toString('hex').toUpperCase()}`,
      status: overrides.status ?? 'submitted',
      urgency: 'high',
      referringOrganizationId: overrides.from,
      recipientOrganizationId: overrides.to,
      recipientServiceId: randomUUID(),
      createdAt: overrides.updatedAt,
      updatedAt: overrides.updatedAt,
    },
  });
}

async function listAll(box: 'sent' | 'received', claims: TestClaims, limit = 2): Promise<ReferralSummary[]> {
  const authorization = await testEnv.authorization(claims);
  const items: ReferralSummary[] = [];
  let cursor: string | null = null;
  do {
    const url = new URL(`${service.url}/v1/referrals`);
    url.searchParams.set('box', box);
    url.searchParams.set('limit', String(limit));
    if (cursor !== null) url.searchParams.set('cursor', cursor);
    const response = await fetch(url, { headers: { authorization } });
    expect(response.status).toBe(200);
    const page = (await response.json()) as { items: ReferralSummary[]; nextCursor: string | null };
    items.push(...page.items);
    cursor = page.nextCursor;
  } while (cursor !== null);
  return items;
}

describe('listing referrals', () => {
  it('needs a token', async () => {
    expect((await fetch(`${service.url}/v1/referrals?box=sent`)).status).toBe(401);
  });

  it('needs a box', async () => {
    const authorization = await testEnv.authorization({ sub: 'cw', org: randomUUID(), roles: ['caseworker'] });
    const response = await fetch(`${service.url}/v1/referrals`, { headers: { authorization } });
    expect(response.status).toBe(400);
  });

  it('is refused to a role that does not handle referrals', async () => {
    const authorization = await testEnv.authorization({ sub: 'nc', org: randomUUID(), roles: ['network_coordinator'] });
    expect((await fetch(`${service.url}/v1/referrals?box=sent`, { headers: { authorization } })).status).toBe(403);
  });

  it("an organisation with no referrals gets an empty page", async () => {
    const authorization = await testEnv.authorization({ sub: 'cw', org: randomUUID(), roles: ['caseworker'] });
    const response = await fetch(`${service.url}/v1/referrals?box=received`, { headers: { authorization } });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ items: [], nextCursor: null });
  });

  it('each side sees its own box, most recently updated first; the recipient never sees a draft', async () => {
    const lead = randomUUID();
    const recipient = randomUUID();
    const bystander = randomUUID();
    const t = (minutes: number) => new Date(Date.UTC(2027, 0, 1, 9, minutes));
    const oldest = await givenReferral({ from: lead, to: recipient, updatedAt: t(1) });
    const newest = await givenReferral({ from: lead, to: recipient, updatedAt: t(3) });
    const draft = await givenReferral({ from: lead, to: recipient, status: 'draft', updatedAt: t(2) });
    // Two updated at the same instant: the id breaks the tie, so paging neither skips nor repeats.
    const tiedA = await givenReferral({ from: lead, to: bystander, updatedAt: t(2) });
    const tiedB = await givenReferral({ from: lead, to: bystander, updatedAt: t(2) });
    const incoming = await givenReferral({ from: recipient, to: lead, updatedAt: t(5) });

    const sent = await listAll('sent', { sub: 'cw', org: lead, roles: ['caseworker'] });
    const tied = [tiedA.id, tiedB.id, draft.id].sort().reverse();
    expect(sent.map((r) => r.id)).toEqual([newest.id, ...tied, oldest.id]);

    const received = await listAll('received', { sub: 'fp', org: recipient, roles: ['focal_point'] });
    expect(received.map((r) => r.id)).toEqual([newest.id, oldest.id]);
    expect(received[0]).toEqual({
      id: newest.id,
      code: newest.code,
      // Written straight into the table here, without a submit: no reply code was drawn.
      replyCode: null,
      caseCode: newest.caseCode,
      status: 'submitted',
      urgency: 'high',
      referringOrganizationId: lead,
      recipientOrganizationId: recipient,
      recipientServiceId: newest.recipientServiceId,
      kind: 'referral',
      transferred: false,
      submittedAt: null,
      acknowledgeDueAt: null,
      decisionDueAt: null,
      createdAt: t(3).toISOString(),
      updatedAt: t(3).toISOString(),
    });

    const leadReceived = await listAll('received', { sub: 'cw', org: lead, roles: ['caseworker'] });
    expect(leadReceived.map((r) => r.id)).toEqual([incoming.id]);
    expect(await listAll('sent', { sub: 'x', org: randomUUID(), roles: ['supervisor'] })).toEqual([]);
  });
});
