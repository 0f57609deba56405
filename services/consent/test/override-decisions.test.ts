import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { verifyAuditChain } from '@referral-hub/platform';
import { createServiceTestEnv } from '@referral-hub/testkit';
import type { ServiceTestEnv, TestClaims } from '@referral-hub/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AUDIT_TABLES } from '../src/data-access/audit-tables.js';
import type { Page } from '@referral-hub/platform';
import type { Override } from '../src/domain/override.js';
import { start } from '../src/start.js';
import type { RunningConsent } from '../src/start.js';
import { as, consentApiClient, inDays, newCaseCode } from './support.js';

/**
 * A supervisor decides on a best-interests override request: approves it or refuses it, with the
 * reason, never their own request; the decision is kept as an audit record, its reason sealed.
 */

const migrationsDir = fileURLToPath(new URL('../prisma/migrations', import.meta.url));

let testEnv: ServiceTestEnv;
let service: RunningConsent;

beforeAll(async () => {
  testEnv = await createServiceTestEnv({ name: 'consent-override-decisions', migrationsDir, extraEnv: { DATABASE_POOL_MAX: '10' } });
  service = await start({ env: testEnv.env });
});

afterAll(async () => {
  await service?.stop();
  await testEnv?.cleanup();
});

const { api, json, problem } = consentApiClient(() => ({ url: service.url, testEnv }));

/** A caseworker-supervisor of a new organisation asks for an override; another supervisor of it decides. */
async function pendingRequest(): Promise<{ owner: string; lead: TestClaims; supervisor: TestClaims; override: Override }> {
  const owner = randomUUID();
  const lead: TestClaims = { sub: `lead-${randomUUID()}`, org: owner, roles: ['caseworker', 'supervisor'] };
  const override = await json<Override>(
    await api('POST', '/v1/overrides', lead, {
      caseCode: newCaseCode(),
      legalBasis: 'Code de protection de l’enfant, art. 12',
      justification: 'Immediate risk of harm; the caregiver is the alleged perpetrator.',
      explanationGiven: 'Explained to the child, in words fit for her age, who will receive what and why.',
      scope: { recipientOrganizationIds: [randomUUID()], fields: ['protection'], purposes: ['referral'] },
      expiresAt: inDays(10),
    }),
    201,
  );
  return { owner, lead, supervisor: as('supervisor', owner), override };
}

describe('refusing an override request', () => {
  it('needs a reason, and names the field when it is missing or blank', async () => {
    const { override, supervisor } = await pendingRequest();
    expect((await problem(await api('POST', `/v1/overrides/${override.id}/refuse`, supervisor, {}), 400)).fields).toContain('body.reason');
    expect((await problem(await api('POST', `/v1/overrides/${override.id}/refuse`, supervisor, { reason: '     ' }), 400)).fields).toContain('body.reason');
    const still = await json<Override>(await api('GET', `/v1/overrides/${override.id}`, supervisor), 200);
    expect(still).toMatchObject({ status: 'pending', decision: null });
  });

  it('is the supervisor’s alone, never the requester’s nor another organisation’s', async () => {
    const { override, lead, owner } = await pendingRequest();
    const self = await problem(await api('POST', `/v1/overrides/${override.id}/refuse`, lead, { reason: 'Not needed after all.' }), 403);
    expect(self.detail).toMatch(/requested an override cannot refuse it/);
    await problem(await api('POST', `/v1/overrides/${override.id}/refuse`, as('caseworker', owner), { reason: 'Not needed.' }), 403);
    await problem(await api('POST', `/v1/overrides/${override.id}/refuse`, as('supervisor', randomUUID()), { reason: 'Not needed.' }), 403);
  });

  it('closes the request for good with the reason, who refused and when; it can be neither approved nor revoked then', async () => {
    const { override, supervisor, lead } = await pendingRequest();
    const refused = await json<Override>(
      await api('POST', `/v1/overrides/${override.id}/refuse`, supervisor, { reason: '  The family agreed to share after all; ask them.  ' }),
      200,
    );
    expect(refused.status).toBe('refused');
    expect(refused.decision).toMatchObject({ outcome: 'refused', reason: 'The family agreed to share after all; ask them.', decidedBy: supervisor.sub });
    expect(refused.approvedAt).toBeNull();

    await problem(await api('POST', `/v1/overrides/${override.id}/approve`, supervisor), 409);
    await problem(await api('POST', `/v1/overrides/${override.id}/refuse`, supervisor, { reason: 'Twice.' }), 409);
    await problem(await api('POST', `/v1/overrides/${override.id}/revoke`, lead), 409);

    const listed = await json<Page<Override>>(await api('GET', '/v1/overrides?status=refused', supervisor), 200);
    expect(listed.items.map((item) => item.id)).toEqual([override.id]);
    const pending = await json<Page<Override>>(await api('GET', '/v1/overrides?status=pending', supervisor), 200);
    expect(pending.items).toEqual([]);

    // The family's account says so in words, in both languages.
    for (const [lang, words] of [
      ['fr', /Un superviseur l'a refusé le .+ : rien n'a été partagé sur cette base\./],
      ['en', /A supervisor refused it on .+: nothing was shared on this basis\./],
    ] as const) {
      const sharing = await json<{ entries: { kind: string; id: string; text: string }[] }>(await api('GET', `/v1/cases/${override.caseCode}/sharing?lang=${lang}`, supervisor), 200);
      expect(sharing.entries.find((entry) => entry.kind === 'override' && entry.id === override.id)?.text).toMatch(words);
    }
  });

  it('keeps the reason sealed at rest, in an audit record that verifies', async () => {
    const { override, supervisor } = await pendingRequest();
    await json(await api('POST', `/v1/overrides/${override.id}/refuse`, supervisor, { reason: 'Refused: no legal basis given here.' }), 200);
    const { rows } = await testEnv.database.pool.query<{ reason: string; outcome: string }>(
      'SELECT reason, outcome FROM override_decision WHERE override_id = $1',
      [override.id],
    );
    expect(rows[0]?.outcome).toBe('refused');
    expect(rows[0]?.reason).toMatch(/^sealed:/);
    const table = AUDIT_TABLES.find((t) => t.table === 'override_decision');
    if (table === undefined) throw new Error('override_decision is not an audit table');
    expect(await verifyAuditChain(testEnv.database.pool, table)).toMatchObject({ ok: true, triggersEnabled: true });
    await expect(testEnv.database.pool.query(`UPDATE override_decision SET reason = NULL WHERE override_id = $1`, [override.id])).rejects.toThrow();
  });
});

describe('approving an override request', () => {
  it('never by its requester, even a supervisor', async () => {
    const { override, lead } = await pendingRequest();
    const self = await problem(await api('POST', `/v1/overrides/${override.id}/approve`, lead, { reason: 'I am sure of it.' }), 403);
    expect(self.detail).toMatch(/cannot approve it/);
  });

  it('keeps the reason given, and still works without a body', async () => {
    const first = await pendingRequest();
    const approved = await json<Override>(
      await api('POST', `/v1/overrides/${first.override.id}/approve`, first.supervisor, { reason: 'Legal basis checked with the team.' }),
      200,
    );
    expect(approved).toMatchObject({ status: 'active', approvedBy: first.supervisor.sub });
    expect(approved.decision).toMatchObject({ outcome: 'approved', reason: 'Legal basis checked with the team.', decidedBy: first.supervisor.sub });
    await problem(await api('POST', `/v1/overrides/${first.override.id}/refuse`, first.supervisor, { reason: 'Too late.' }), 409);

    const second = await pendingRequest();
    const bare = await json<Override>(await api('POST', `/v1/overrides/${second.override.id}/approve`, second.supervisor), 200);
    expect(bare.decision).toMatchObject({ outcome: 'approved', reason: null });
  });

  it('lets only one of a concurrent approval and refusal stand', async () => {
    const { override, supervisor, owner } = await pendingRequest();
    const other = as('supervisor', owner);
    const [approval, refusal] = await Promise.all([
      api('POST', `/v1/overrides/${override.id}/approve`, supervisor, { reason: 'Approved at once.' }),
      api('POST', `/v1/overrides/${override.id}/refuse`, other, { reason: 'Refused at once.' }),
    ]);
    expect([approval.status, refusal.status].sort()).toEqual([200, 409]);
    const final = await json<Override>(await api('GET', `/v1/overrides/${override.id}`, supervisor), 200);
    expect(final.status).toBe(approval.status === 200 ? 'active' : 'refused');
  });
});
