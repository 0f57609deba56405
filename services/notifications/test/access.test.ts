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

const MAY_READ_DELIVERY_LOG: Record<Role, boolean> = {
  caseworker: true,
  supervisor: true,
  focal_point: false,
  org_admin: false,
  network_coordinator: false,
  system: true,
};

const MAY_MANAGE_SUBSCRIPTIONS: Record<Role, boolean> = {
  caseworker: false,
  supervisor: false,
  focal_point: false,
  org_admin: true,
  network_coordinator: false,
  system: true,
};

describe('notifications access policy', () => {
  it.each(ROLES.map((role) => [role, MAY_MANAGE_SUBSCRIPTIONS[role]] as const))("a %s may manage its organisation's webhook subscriptions: %s", (role, allowed) => {
    expect(mayAct({ roles: [role] }, 'manageSubscriptions')).toBe(allowed);
  });

  it.each(ROLES.map((role) => [role, MAY_READ_DELIVERY_LOG[role]] as const))('a %s may read the delivery log of its referrals: %s', (role, allowed) => {
    expect(mayAct({ roles: [role] }, 'readDeliveryLog')).toBe(allowed);
  });

  it.each(ROLES.map((role) => [role, MAY_MANAGE_OWN_PREFERENCES[role]] as const))(
    'a %s may manage their own preferences: %s',
    (role, allowed) => {
      expect(mayAct({ roles: [role] }, 'manageOwnPreferences')).toBe(allowed);
    },
  );

  it('a principal without any known role may not', () => {
    expect(mayAct({ roles: [] }, 'manageOwnPreferences')).toBe(false);
    expect(mayAct({ roles: [] }, 'readDeliveryLog')).toBe(false);
  });
});
