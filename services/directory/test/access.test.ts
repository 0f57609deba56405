import { factsOfCell, ROLES } from '@referral-hub/platform';
import { accessTableRows } from '@referral-hub/testkit';
import type { Grants, Role } from '@referral-hub/platform';
import { describe, expect, it } from 'vitest';
import { ACCESS, can, ownedBy } from '../src/domain/access.js';
import type { Action, Relationship } from '../src/domain/access.js';

const COORDINATOR: Role[] = ['network_coordinator'];
const COORDINATOR_OR_OWN_ADMIN: Grants<Relationship> = { any: COORDINATOR, own: ['org_admin'] };

// The policy written out again, so that any change to a cell shows here as a failing row:
// action → relationship → roles (`any`: whoever owns the resource; `own`: the caller's organisation owns it).
const EXPECTED: Record<Action, Grants<Relationship>> = {
  'directory.read': { any: [...ROLES] },
  'organization.create': { any: COORDINATOR },
  'organization.update': COORDINATOR_OR_OWN_ADMIN,
  'service.create': COORDINATOR_OR_OWN_ADMIN,
  'service.update': COORDINATOR_OR_OWN_ADMIN,
  'location.create': COORDINATOR_OR_OWN_ADMIN,
  'location.update': COORDINATOR_OR_OWN_ADMIN,
  'location.seeConfidential': { any: COORDINATOR, own: [...ROLES] },
  'focalPoint.create': COORDINATOR_OR_OWN_ADMIN,
  'focalPoint.update': COORDINATOR_OR_OWN_ADMIN,
  'focalPoint.delete': COORDINATOR_OR_OWN_ADMIN,
  'history.read': COORDINATOR_OR_OWN_ADMIN,
  'taxonomy.edit': { any: COORDINATOR },
  'area.edit': { any: COORDINATOR },
  'hsds.import': { any: COORDINATOR },
  'services.listStale': { any: COORDINATOR },
  'report.gaps': { any: COORDINATOR },
};

describe('directory access policy, cell by cell', () => {
  it('lists exactly the expected actions', () => {
    expect([...ACCESS.actions].sort()).toEqual(Object.keys(EXPECTED).sort());
  });

  const rows = accessTableRows(ACCESS, EXPECTED);

  it.each(rows)('%s by a %s (%s): %s', (_action, _role, _relationship, allowed, cell) => {
    expect(can({ roles: [cell.role] }, cell.action, factsOfCell(cell)).allowed).toBe(allowed);
  });

  it('a caller without any known role is denied everything, reading included', () => {
    for (const action of ACCESS.actions) expect(can({ roles: [] }, action, ['own']).allowed).toBe(false);
  });
});

describe('owning a resource', () => {
  const org = '0b3c7f0e-8f0a-4a5e-9d3e-6a1b2c3d4e5f';
  it('is the caller’s organisation being the owner, never a resource without one', () => {
    expect(ownedBy({ organizationId: org }, org)).toEqual(['own']);
    expect(ownedBy({ organizationId: org }, '7d0c1a2b-3c4d-4e5f-8a9b-0c1d2e3f4a5b')).toEqual([]);
    expect(ownedBy({ organizationId: org }, null)).toEqual([]);
    expect(ownedBy({ organizationId: org }, undefined)).toEqual([]);
  });
});
