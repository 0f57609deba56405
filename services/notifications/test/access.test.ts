import { accessCells, factsOfCell, ROLES } from '@referral-hub/platform';
import type { Role } from '@referral-hub/platform';
import { describe, expect, it } from 'vitest';
import { ACCESS, can } from '../src/domain/access.js';
import type { Action } from '../src/domain/access.js';

// The policy as a table, role by role, so that a change to any cell shows here. Every grant of
// this service holds whatever the caller stands to the thing (`any`): it has no relationship.
const EXPECTED: Record<Action, Record<Role, boolean>> = {
  'preferences.manageOwn': { caseworker: true, supervisor: true, focal_point: true, org_admin: true, network_coordinator: true, system: false },
  'deliveryLog.read': { caseworker: true, supervisor: true, focal_point: false, org_admin: false, network_coordinator: false, system: true },
  'subscriptions.manage': { caseworker: false, supervisor: false, focal_point: false, org_admin: true, network_coordinator: false, system: true },
};

describe('notifications access policy, cell by cell', () => {
  it('lists exactly the expected actions, and no relationship', () => {
    expect([...ACCESS.actions].sort()).toEqual(Object.keys(EXPECTED).sort());
    expect(ACCESS.relationships).toEqual([]);
  });

  it.each(accessCells(ACCESS).map((cell) => [cell.action, cell.role, EXPECTED[cell.action][cell.role], cell] as const))(
    '%s by a %s: %s',
    (_action, _role, allowed, cell) => {
      expect(can({ roles: [cell.role] }, cell.action, factsOfCell(cell)).allowed).toBe(allowed);
    },
  );

  it('a principal without any known role may not', () => {
    for (const action of ACCESS.actions) expect(can({ roles: [] }, action).allowed).toBe(false);
  });

  it.each([
    ['preferences.manageOwn', 'system', 'Notification preferences are for people; your role has none.'],
    ['deliveryLog.read', 'focal_point', 'Your role does not follow referrals.'],
    ['subscriptions.manage', 'caseworker', "Only an organisation's administrator or its system manages its webhooks."],
  ] as const)('refusing %s to a %s says why', (action, role, detail) => {
    expect(() => ACCESS.requireAccess({ roles: [role] }, action)).toThrow(expect.objectContaining({ status: 403, detail }));
  });

  it('every role is in the table', () => {
    for (const action of ACCESS.actions) expect(Object.keys(EXPECTED[action]).sort()).toEqual([...ROLES].sort());
  });
});
