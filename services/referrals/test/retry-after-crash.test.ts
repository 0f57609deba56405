/**
 * Idempotency-Keys after a crash, and what the referrals service keeps at rest:
 * a claim left by a process that died once its step committed is taken over
 * when its lease runs out, and the retry gets what committed (never a second
 * effect, never a 409 about the status the step itself brought); stored answers
 * and the need's text are sealed.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ReferralView } from '../src/domain/referral.js';
import { sealLegacyNeedTexts } from '../src/domain/seal-legacy-need-texts.js';
import { as, client, givenConsentedCase, json, PAYLOAD, startHarness } from './harness.js';
import type { Harness } from './harness.js';

const LEASE_MS = 1_000;
const NEED = 'Amani dort chez une voisine depuis mardi';

let h: Harness;
beforeAll(async () => {
  h = await startHarness('referrals-retry-after-crash', { extraEnv: { IDEMPOTENCY_LEASE_MS: String(LEASE_MS) } });
});
afterAll(async () => {
  await h?.close();
});

const api = client(() => ({ testEnv: h.testEnv, url: h.referrals.url }));

/**
 * What `kill -9` between the handler's commit and the stored answer leaves: the
 * claim without an answer. Its lease runs out `LEASE_MS` after `claimed_at`, set
 * here in the past (or to now, for a claim whose lease still holds).
 */
async function crashBeforeTheAnswer(key: string, options: { leaseOver: boolean }): Promise<void> {
  const claimedAt = new Date(Date.now() - (options.leaseOver ? LEASE_MS + 1_000 : 0));
  const updated = await h.referrals.pool.query(
    `UPDATE idempotent_request SET status_code = NULL, response = NULL, response_key_id = NULL, response_ciphertext = NULL,
       claimed_at = $2, created_at = $2 WHERE key = $1`,
    [key, claimedAt],
  );
  expect(updated.rowCount).toBe(1);
}

async function givenDraft(key?: string) {
  const { owner, recipient, caseCode, serviceId } = await givenConsentedCase(h);
  const lead = as('caseworker', owner, `lead-${randomUUID()}`);
  const body = { caseCode, recipientOrganizationId: recipient, recipientServiceId: serviceId, urgency: 'high', need: { category: 'psychosocial_distress', text: NEED }, payload: PAYLOAD };
  const response = await api('POST', '/v1/referrals', lead, body, key === undefined ? {} : { 'idempotency-key': key });
  return { owner, recipient, caseCode, lead, body, draft: await json<ReferralView>(response, 201) };
}

describe('a retry after the process died', () => {
  it('of a create that committed: while the lease holds a 409, then the draft that committed (201, same id), never a second referral', async () => {
    const key = randomUUID();
    const { lead, body, caseCode, draft } = await givenDraft(key);
    await crashBeforeTheAnswer(key, { leaseOver: false });
    await json(await api('POST', '/v1/referrals', lead, body, { 'idempotency-key': key }), 409);

    await crashBeforeTheAnswer(key, { leaseOver: true });
    const retried = await api('POST', '/v1/referrals', lead, body, { 'idempotency-key': key });
    expect(retried.headers.get('idempotent-replayed')).toBeNull();
    expect(retried.headers.get('location')).toBe(`/v1/referrals/${draft.id}`);
    expect(await json<ReferralView>(retried, 201)).toMatchObject({ id: draft.id, code: draft.code, status: 'draft', payload: PAYLOAD });
    expect(await h.referrals.db.client.referral.count({ where: { caseCode } })).toBe(1);
    // And its answer is now the key's answer.
    const replay = await api('POST', '/v1/referrals', lead, body, { 'idempotency-key': key });
    expect(replay.headers.get('idempotent-replayed')).toBe('true');
    expect((await json<ReferralView>(replay, 201)).id).toBe(draft.id);
  });

  it('of an accept that committed: the referral in accepted state (200), one accept in the history, one event', async () => {
    const { recipient, lead, draft } = await givenDraft();
    const fp = as('focal_point', recipient, `fp-${randomUUID()}`);
    await json(await api('POST', `/v1/referrals/${draft.id}/submit`, lead, {}), 200);
    await json(await api('POST', `/v1/referrals/${draft.id}/acknowledge`, fp), 200);
    const key = { 'idempotency-key': randomUUID() };
    const accepted = await json<ReferralView>(await api('POST', `/v1/referrals/${draft.id}/accept`, fp, undefined, key), 200);

    await crashBeforeTheAnswer(key['idempotency-key'], { leaseOver: true });
    const retried = await json<ReferralView>(await api('POST', `/v1/referrals/${draft.id}/accept`, fp, undefined, key), 200);
    expect(retried).toMatchObject({ id: draft.id, status: 'accepted', updatedAt: accepted.updatedAt });
    const history = await h.referrals.db.client.referralHistory.findMany({ where: { referralId: draft.id, action: 'accept' } });
    expect(history).toHaveLength(1);
    await h.tap.waitFor(() => h.tap.events().some((e) => e.subject === draft.id && e.type === 'referral.accepted'));
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(h.tap.events().filter((e) => e.subject === draft.id && e.type === 'referral.accepted')).toHaveLength(1);
    // Without the key, a second accept is still what it was: a 409 about the status.
    await json(await api('POST', `/v1/referrals/${draft.id}/accept`, fp), 409);
  });

  it('of an accept whose run died before it committed: the retry takes the step', async () => {
    const { recipient, lead, draft } = await givenDraft();
    const fp = as('focal_point', recipient, `fp-${randomUUID()}`);
    await json(await api('POST', `/v1/referrals/${draft.id}/submit`, lead, {}), 200);
    await json(await api('POST', `/v1/referrals/${draft.id}/acknowledge`, fp), 200);
    const key = randomUUID();
    // The claim as the dead run left it, before anything committed.
    await h.referrals.pool.query(
      `INSERT INTO idempotent_request (organization_id, key, request_hash, claim_id, claimed_at, created_at)
       VALUES ($1, $2, encode(sha256(convert_to($3, 'UTF8')), 'hex'), $4, $5, $5)`,
      [fp.org, key, `POST /v1/referrals/${draft.id}/accept\nnull`, randomUUID(), new Date(Date.now() - LEASE_MS - 1_000)],
    );
    const retried = await json<ReferralView>(await api('POST', `/v1/referrals/${draft.id}/accept`, fp, undefined, { 'idempotency-key': key }), 200);
    expect(retried.status).toBe('accepted');
    expect(await h.referrals.db.client.referralHistory.count({ where: { referralId: draft.id, action: 'accept' } })).toBe(1);
  });
});

describe('at rest', () => {
  it('stored answers hold no case field in clear; the need text is sealed, and shown as written', async () => {
    const key = randomUUID();
    const { lead, draft } = await givenDraft(key);
    expect(draft.need.text).toBe(NEED);
    const { rows } = await h.referrals.pool.query<{ response: unknown; response_ciphertext: Buffer | null }>(
      'SELECT response, response_ciphertext FROM idempotent_request WHERE key = $1',
      [key],
    );
    expect(rows[0]?.response).toBeNull();
    expect(rows[0]?.response_ciphertext?.toString('latin1')).not.toContain('Amani');
    const row = await h.referrals.db.client.referral.findUniqueOrThrow({ where: { id: draft.id } });
    expect(row.needText).toBeNull();
    expect(Buffer.from(row.needTextCiphertext ?? new Uint8Array()).toString('latin1')).not.toContain('Amani');
    expect((await json<ReferralView>(await api('GET', `/v1/referrals/${draft.id}`, lead), 200)).need.text).toBe(NEED);
  });

  it('a need text stored in clear before it was sealed is still shown, and sealed by the start-up backfill', async () => {
    const { lead, draft } = await givenDraft();
    await h.referrals.db.client.referral.update({ where: { id: draft.id }, data: { needText: 'Texte ancien, en clair', needTextKeyId: null, needTextCiphertext: null } });
    expect((await json<ReferralView>(await api('GET', `/v1/referrals/${draft.id}`, lead), 200)).need.text).toBe('Texte ancien, en clair');

    expect(await sealLegacyNeedTexts(h.referrals.deps, 1)).toBeGreaterThanOrEqual(1);
    const row = await h.referrals.db.client.referral.findUniqueOrThrow({ where: { id: draft.id } });
    expect(row.needText).toBeNull();
    expect(row.needTextCiphertext).not.toBeNull();
    expect((await json<ReferralView>(await api('GET', `/v1/referrals/${draft.id}`, lead), 200)).need.text).toBe('Texte ancien, en clair');
  });
});
