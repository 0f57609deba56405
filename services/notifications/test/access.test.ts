import { ROLES } from '@referral-hub/platform';
import type { Role } from '@referral-hub/platform';
import { describe, expect, it } from 'vitest';
import { mayAct } from '../src/domain/access.js';

// The policy as a table, so a change to it shows here.
const MAY_MANAGE_OWN_PREFERENCES: Record<Role, boolean> = {
  caseworker: true,
  supervisor: true,
  focal_point: true,
  org_admin: true,
  network_coordinator: true,
  system: false,
};

describe('notifications access policy', () => {
  it.each(ROLES.map((role) => [role, MAY_MANAGE_OWN_PREFERENCES[role]] as const))(
    'a %s may manage their own preferences: %s',
    (role, allowed) => {
      expect(mayAct({ roles: [role] }, 'manageOwnPreferences')).toBe(allowed);
    },
  );

  it('a principal without any known role may not', () => {
    expect(mayAct({ roles: [] }, 'manageOwnPreferences')).toBe(false);
  });
});
