import { factsOfCell } from '@referral-hub/platform';
import { accessTableRows } from '@referral-hub/testkit';
import type { Grants, Role } from '@referral-hub/platform';
import { describe, expect, it } from 'vitest';
import { ACCESS, offers, relationshipsTo } from '../src/access.js';
import type { Action, Relationship } from '../src/access.js';
import { navigationFor } from '../src/navigation.js';
import { referringActions } from '../src/referring-actions.js';

const CASE_TEAM: Role[] = ['caseworker', 'supervisor'];
const FOCAL_POINT: Grants<Relationship> = { recipient: ['focal_point'] };
const DELIVERY_TEAM: Grants<Relationship> = { recipient: ['focal_point', 'caseworker', 'supervisor'] };
const REFERRING_SIDE: Grants<Relationship> = { lead: ['caseworker', 'supervisor', 'focal_point'], lead_organisation: ['supervisor'] };

// What the console offers to whom, written out again so that a changed cell fails here.
const EXPECTED: Record<Action, Grants<Relationship>> = {
  'referral.create': { any: CASE_TEAM },
  'referrals.followSent': { any: CASE_TEAM },
  'cases.read': { any: CASE_TEAM },
  'network.manage': { any: ['network_coordinator', 'org_admin'] },
  'network.coordinate': { any: ['network_coordinator'] },
  'supervision.read': { any: ['supervisor'] },
  'agreements.read': { any: ['network_coordinator', 'org_admin', 'supervisor', 'caseworker', 'focal_point'] },
  'agreement.propose': { any: ['network_coordinator', 'org_admin'] },
  'agreement.accept': { any: ['org_admin'] },
  'indicators.read': { any: ['network_coordinator', 'supervisor'] },
  'referral.acknowledge': FOCAL_POINT,
  'referral.accept': FOCAL_POINT,
  'referral.decline': FOCAL_POINT,
  'referral.start': DELIVERY_TEAM,
  'referral.complete': DELIVERY_TEAM,
  'referral.not_delivered': DELIVERY_TEAM,
  'referral.withdraw': REFERRING_SIDE,
  'referral.close': REFERRING_SIDE,
};

describe('what the console offers, cell by cell', () => {
  it('lists exactly the expected actions', () => {
    expect([...ACCESS.actions].sort()).toEqual(Object.keys(EXPECTED).sort());
  });

  const rows = accessTableRows(ACCESS, EXPECTED);

  it.each(rows)('%s to a %s (%s): %s', (_action, _role, _relationship, allowed, cell) => {
    expect(offers({ roles: [cell.role] }, cell.action, factsOfCell(cell))).toBe(allowed);
  });

  it('a role the hub does not know is offered nothing', () => {
    expect(offers({ roles: ['superuser'] }, 'network.coordinate')).toBe(false);
  });
});

describe('the console’s policy where it is used', () => {
  it('the navigation shows every signed-in person the links without an action, and the others by role', () => {
    expect(navigationFor([]).map((e) => e.href)).toEqual(['/inbox', '/directory', '/preferences']);
    expect(navigationFor(['focal_point']).map((e) => e.href)).toEqual(['/inbox', '/directory', '/agreements', '/preferences']);
    expect(navigationFor(['supervisor']).map((e) => e.href)).toEqual(['/inbox', '/sent', '/new-referral', '/cases', '/directory', '/supervision', '/agreements', '/indicators', '/preferences']);
  });

  it('withdraw and close go to the lead or a supervisor of the lead organisation, never another organisation', () => {
    const referral = { status: 'submitted', leadOrganizationId: 'org-a', lead: { userId: 'amina' } };
    expect(referringActions(referral, { sub: 'amina', organizationId: 'org-a', roles: ['caseworker'] })).toEqual(['withdraw']);
    expect(referringActions(referral, { sub: 'other', organizationId: 'org-a', roles: ['caseworker'] })).toEqual([]);
    expect(referringActions(referral, { sub: 'other', organizationId: 'org-a', roles: ['supervisor'] })).toEqual(['withdraw']);
    expect(referringActions(referral, { sub: 'amina', organizationId: 'org-a', roles: ['org_admin'] })).toEqual([]);
    expect(referringActions(referral, { sub: 'amina', organizationId: 'org-b', roles: ['supervisor'] })).toEqual([]);
    expect(referringActions({ ...referral, status: 'completed' }, { sub: 'amina', organizationId: 'org-a', roles: ['caseworker'] })).toEqual(['close']);
  });

  it('a person stands to a referral as the recipient, the lead, or the lead organisation', () => {
    const referral = { recipientOrganizationId: 'org-b', leadOrganizationId: 'org-a', lead: { userId: 'amina' } };
    expect(relationshipsTo(referral, { sub: 'amina', organizationId: 'org-a' })).toEqual(['lead', 'lead_organisation']);
    expect(relationshipsTo(referral, { sub: 'x', organizationId: 'org-b' })).toEqual(['recipient']);
    expect(relationshipsTo(referral, { sub: 'amina', organizationId: 'org-c' })).toEqual([]);
  });
});
