import { ROLES } from '@referral-hub/platform';
import type { Role } from '@referral-hub/platform';
import { describe, expect, it } from 'vitest';
import { ACCESS_POLICY, ACTIONS, mayAct } from '../src/domain/access.js';
import type { Action, Relationship } from '../src/domain/access.js';
import { consentStatus } from '../src/domain/consent.js';

const CASE_TEAM: Role[] = ['caseworker', 'supervisor'];

// The policy written out again as the roles allowed per action and relationship, so that any
// change to the policy shows here as a failing row.
const EXPECTED: Record<Action, Partial<Record<Relationship, Role[]>>> = {
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
  'agreement.propose': { network: ['network_coordinator'], party: ['network_coordinator', 'org_admin'] },
  'agreement.accept': { party: ['org_admin'] },
  'agreement.read': { network: ['network_coordinator'], party: ['network_coordinator', 'org_admin', 'caseworker', 'supervisor', 'focal_point'] },
  'policy.read': { network: ['caseworker', 'supervisor', 'focal_point', 'org_admin', 'network_coordinator', 'system'] },
  'policy.write': { network: ['network_coordinator'] },
  'decision.ask': { network: ['system'], owner: ['system', ...CASE_TEAM] },
  'decision.consume': { network: ['system'] },
  'decision.list': { owner: CASE_TEAM },
};

const STANDINGS: Relationship[] = ['owner', 'recipient', 'party', 'network'];

describe('consent access policy', () => {
  const rows = ACTIONS.flatMap((action) =>
    STANDINGS.flatMap((standing) =>
      ROLES.map((role) => {
        const expected = EXPECTED[action];
        // Network-wide roles hold whatever the caller's standing.
        const allowed = (expected.network ?? []).includes(role) || (standing !== 'network' && (expected[standing] ?? []).includes(role));
        return [action, role, standing, allowed] as const;
      }),
    ),
  );

  it.each(rows)('%s by a %s (%s): %s', (action, role, standing, allowed) => {
    expect(mayAct({ roles: [role] }, action, standing === 'network' ? [] : [standing])).toBe(allowed);
  });

  it('lists every action once', () => {
    expect(Object.keys(ACCESS_POLICY).sort()).toEqual([...ACTIONS].sort());
  });

  it('a principal without any known role may do nothing', () => {
    for (const action of ACTIONS) expect(mayAct({ roles: [] }, action, ['owner', 'recipient', 'party'])).toBe(false);
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
