import { ROLES } from '@referral-hub/platform';
import type { Role } from '@referral-hub/platform';
import { describe, expect, it } from 'vitest';
import { mayActOnConsents, ownsConsent } from '../src/domain/access.js';
import type { ConsentAction } from '../src/domain/access.js';
import { consentStatus } from '../src/domain/consent.js';

// The policy as a table: every role × action, so a change to the policy shows here.
const EXPECTED: Record<Role, Record<ConsentAction, boolean>> = {
  caseworker: { record: true, read: true },
  supervisor: { record: true, read: true },
  focal_point: { record: false, read: false },
  org_admin: { record: false, read: false },
  network_coordinator: { record: false, read: false },
  system: { record: false, read: false },
};

describe('consent access policy', () => {
  const rows = ROLES.flatMap((role) => (['record', 'read'] as const).map((action) => [role, action, EXPECTED[role][action]] as const));

  it.each(rows)('a %s may %s consents: %s', (role, action, allowed) => {
    expect(mayActOnConsents({ roles: [role] }, action)).toBe(allowed);
  });

  it('a principal without any known role may do nothing', () => {
    expect(mayActOnConsents({ roles: [] }, 'record')).toBe(false);
    expect(mayActOnConsents({ roles: [] }, 'read')).toBe(false);
  });

  it('a consent belongs to the organisation that recorded it only', () => {
    expect(ownsConsent({ organizationId: 'a' }, { organizationId: 'a' })).toBe(true);
    expect(ownsConsent({ organizationId: 'b' }, { organizationId: 'a' })).toBe(false);
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
