import { factsOfCell } from '@referral-hub/platform';
import { accessTableRows } from '@referral-hub/testkit';
import type { Grants, Role } from '@referral-hub/platform';
import { describe, expect, it } from 'vitest';
import { ACCESS, ACTIONS, can, consentRelationships } from '../src/domain/access.js';
import type { Action, Relationship } from '../src/domain/access.js';
import { consentStatus } from '../src/domain/consent.js';

const CASE_TEAM: Role[] = ['caseworker', 'supervisor'];

// The policy written out again as the roles allowed per action and relationship, so that any
// change to the policy shows here as a failing row (`any`: whatever the caller's organisation is to the thing).
const EXPECTED: Record<Action, Grants<Relationship>> = {
  'consent.record': { owner: CASE_TEAM },
  'consent.read': { owner: CASE_TEAM },
  'consent.withdraw': { owner: CASE_TEAM },
  'consent.status': { owner: CASE_TEAM, recipient: ['caseworker', 'supervisor', 'focal_point', 'org_admin'] },
  'case.context.write': { owner: CASE_TEAM },
  'case.context.read': { owner: CASE_TEAM },
  'case.sharing.read': { owner: CASE_TEAM },
  'override.request': { owner: ['caseworker'] },
  'override.approve': { owner: ['supervisor'] },
  'override.revoke': { owner: CASE_TEAM },
  'override.read': { owner: CASE_TEAM },
  'agreement.propose': { any: ['network_coordinator'], party: ['network_coordinator', 'org_admin'] },
  'agreement.accept': { party: ['org_admin'] },
  'agreement.read': { any: ['network_coordinator'], party: ['network_coordinator', 'org_admin', 'caseworker', 'supervisor', 'focal_point'] },
  'policy.read': { any: ['caseworker', 'supervisor', 'focal_point', 'org_admin', 'network_coordinator', 'system'] },
  'policy.write': { any: ['network_coordinator'] },
  'decision.ask': { any: ['system'], owner: ['system', ...CASE_TEAM] },
  'decision.consume': { any: ['system'] },
  'decision.list': { owner: CASE_TEAM },
};

describe('consent access policy', () => {
  const rows = accessTableRows(ACCESS, EXPECTED);

  it.each(rows)('%s by a %s (%s): %s', (_action, _role, _relationship, allowed, cell) => {
    expect(can({ roles: [cell.role] }, cell.action, factsOfCell(cell)).allowed).toBe(allowed);
  });

  it('lists every action once', () => {
    expect([...ACTIONS].sort()).toEqual(Object.keys(EXPECTED).sort());
  });

  it('a principal without any known role may do nothing', () => {
    for (const action of ACTIONS) expect(can({ roles: [] }, action, ['owner', 'recipient', 'party']).allowed).toBe(false);
  });

  it('a consent’s owner and the organisations it names as recipients each stand in their relationship to it', () => {
    const consent = { organizationId: 'org-a', recipientOrganizationIds: ['org-b', 'org-c'] };
    expect(consentRelationships({ organizationId: 'org-a' }, consent)).toEqual(['owner']);
    expect(consentRelationships({ organizationId: 'org-c' }, consent)).toEqual(['recipient']);
    expect(consentRelationships({ organizationId: 'org-d' }, consent)).toEqual([]);
    expect(consentRelationships({ organizationId: 'org-a' }, { organizationId: 'org-a', recipientOrganizationIds: ['org-a'] })).toEqual(['owner', 'recipient']);
  });
});

describe('consent status', () => {
  const now = new Date('2027-01-10T12:00:00.000Z');
  const later = new Date('2027-02-01T00:00:00.000Z');
  const earlier = new Date('2027-01-01T00:00:00.000Z');

  it.each([
    ['active while nothing ended it', { withdrawnAt: null, consumedAt: null, expiresAt: later }, 'active'],
    ['expired once its end has passed', { withdrawnAt: null, consumedAt: null, expiresAt: earlier }, 'expired'],
    ['expired at the very instant of its end', { withdrawnAt: null, consumedAt: null, expiresAt: now }, 'expired'],
    ['consumed once used, even if expired since', { withdrawnAt: null, consumedAt: earlier, expiresAt: earlier }, 'consumed'],
    ['withdrawn over everything else', { withdrawnAt: earlier, consumedAt: earlier, expiresAt: earlier }, 'withdrawn'],
  ] as const)('is %s', (_case, row, status) => {
    expect(consentStatus(row, now)).toBe(status);
  });
});
