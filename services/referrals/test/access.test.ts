import { factsOfCell, ROLES } from '@referral-hub/platform';
import { accessTableRows } from '@referral-hub/testkit';
import type { Grants, Role } from '@referral-hub/platform';
import { describe, expect, it } from 'vitest';
import { ACCESS, can, relationshipsTo } from '../src/domain/access.js';
import type { Action, Relationship } from '../src/domain/access.js';

const HANDLERS: Role[] = ['caseworker', 'supervisor', 'focal_point', 'system'];
const CASE_TEAM: Role[] = ['caseworker', 'supervisor'];
const REFERRING_SIDE: Grants<Relationship> = { lead: ['caseworker', 'supervisor', 'system', 'focal_point'], lead_organisation: ['supervisor'] };
const FOCAL_POINTS: Grants<Relationship> = { recipient: ['focal_point', 'system'] };
const DELIVERY_TEAM: Grants<Relationship> = { recipient: ['focal_point', 'system', 'caseworker', 'supervisor'] };

// The policy written out again, so that a change to any cell shows here as a failing row:
// action → relationship → roles (`any`: whatever the caller stands to the referral).
const EXPECTED: Record<Action, Grants<Relationship>> = {
  'referral.create': { any: ['caseworker', 'supervisor', 'system'] },
  'referral.read': { referring: HANDLERS, recipient: HANDLERS },
  'referral.submit': REFERRING_SIDE,
  'referral.acknowledge': FOCAL_POINTS,
  'referral.accept': FOCAL_POINTS,
  'referral.decline': FOCAL_POINTS,
  'referral.start': DELIVERY_TEAM,
  'referral.complete': DELIVERY_TEAM,
  'referral.not_delivered': DELIVERY_TEAM,
  'referral.withdraw': REFERRING_SIDE,
  'referral.close': REFERRING_SIDE,
  'accessLog.read': { lead_organisation: CASE_TEAM, former_lead_organisation: CASE_TEAM },
  'referrals.list': { any: HANDLERS },
  'directory.read': { any: [...ROLES] },
  'notificationContext.read': { any: ['system'] },
  'phoneActions.relay': { any: ['system'] },
  'indicators.read': { any: ['network_coordinator', 'supervisor'] },
  'indicators.readNetwork': { any: ['network_coordinator'] },
  'deadlines.change': { any: ['network_coordinator'] },
};

describe('referrals access policy, cell by cell', () => {
  it('lists exactly the expected actions', () => {
    expect([...ACCESS.actions].sort()).toEqual(Object.keys(EXPECTED).sort());
  });

  const rows = accessTableRows(ACCESS, EXPECTED);

  it.each(rows)('%s by a %s (%s): %s', (_action, _role, _relationship, allowed, cell) => {
    expect(can({ roles: [cell.role] }, cell.action, factsOfCell(cell)).allowed).toBe(allowed);
  });

  it('a principal without any known role may do nothing', () => {
    for (const action of ACCESS.actions) expect(can({ roles: [] }, action, ACCESS.relationships).allowed).toBe(false);
  });
});

describe('how a caller stands to a referral', () => {
  const REFERRING = 'org-referring';
  const RECEIVING = 'org-receiving';
  const referral = { referringOrganizationId: REFERRING, recipientOrganizationId: RECEIVING, leadOrganizationId: REFERRING, leadUserId: 'lead' };

  it.each([
    ['the lead', { organizationId: REFERRING, userId: 'lead' }, ['lead', 'lead_organisation', 'referring']],
    ['a colleague of the lead', { organizationId: REFERRING, userId: 'colleague' }, ['lead_organisation', 'referring']],
    ['the lead’s user id in another organisation', { organizationId: 'org-third', userId: 'lead' }, []],
    ['the recipient', { organizationId: RECEIVING, userId: 'fp' }, ['recipient']],
    ['a third organisation', { organizationId: 'org-third', userId: 'x' }, []],
  ] as const)('%s', (_who, principal, expected) => {
    expect(relationshipsTo(referral, principal)).toEqual(expected);
  });

  it('after a transfer, the recipient holds the lead and the sender stays on the referring side', () => {
    const transferred = { ...referral, leadOrganizationId: RECEIVING, leadUserId: 'fp' };
    expect(relationshipsTo(transferred, { organizationId: RECEIVING, userId: 'fp' })).toEqual(['lead', 'lead_organisation', 'referring', 'recipient']);
    expect(relationshipsTo(transferred, { organizationId: REFERRING, userId: 'lead' })).toEqual(['referring']);
  });
});
