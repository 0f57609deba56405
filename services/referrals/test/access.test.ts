import { ROLES } from '@referral-hub/platform';
import type { Role } from '@referral-hub/platform';
import { describe, expect, it } from 'vitest';
import { mayAct } from '../src/domain/access.js';
import type { ReferralsAction } from '../src/domain/access.js';

// The policy as a table: every role × action, so a change to the policy shows here.
const EXPECTED: Record<Role, Record<ReferralsAction, boolean>> = {
  caseworker: { listReferrals: true, readDirectory: true, readNotificationContext: false, relayPhoneActions: false, readIndicators: false },
  supervisor: { listReferrals: true, readDirectory: true, readNotificationContext: false, relayPhoneActions: false, readIndicators: true },
  focal_point: { listReferrals: true, readDirectory: true, readNotificationContext: false, relayPhoneActions: false, readIndicators: false },
  system: { listReferrals: true, readDirectory: true, readNotificationContext: true, relayPhoneActions: true, readIndicators: false },
  org_admin: { listReferrals: false, readDirectory: true, readNotificationContext: false, relayPhoneActions: false, readIndicators: false },
  network_coordinator: { listReferrals: false, readDirectory: true, readNotificationContext: false, relayPhoneActions: false, readIndicators: true },
};

describe('referrals access policy', () => {
  const rows = ROLES.flatMap((role) =>
    (['listReferrals', 'readDirectory', 'readNotificationContext', 'relayPhoneActions', 'readIndicators'] as const).map((action) => [role, action, EXPECTED[role][action]] as const),
  );

  it.each(rows)('a %s may %s: %s', (role, action, allowed) => {
    expect(mayAct({ roles: [role] }, action)).toBe(allowed);
  });

  it('a principal without any known role may do nothing', () => {
    expect(mayAct({ roles: [] }, 'listReferrals')).toBe(false);
    expect(mayAct({ roles: [] }, 'readDirectory')).toBe(false);
  });
});
