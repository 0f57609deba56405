import { describe, expect, it } from 'vitest';
import { accessCells, accessPolicy, evaluateAccess, factsOfCell } from '../../src/access/index.js';
import type { AccessRules } from '../../src/access/index.js';
import { AppError } from '../../src/errors.js';

// A small policy of the shape every service writes: one relationship-free action, one for the
// owner only, one where the owner's case team and a network-wide role both act.
const POLICY = accessPolicy({
  relationships: ['owner', 'recipient'],
  rules: {
    'map.read': { any: ['caseworker', 'focal_point'] },
    'case.read': { owner: ['caseworker', 'supervisor'] },
    'case.status': { any: ['network_coordinator'], owner: ['caseworker'], recipient: ['focal_point'] },
    'nobody.may': {},
  },
  refusal: 'Your role does not allow this action.',
  refusals: { 'case.status': 'Your role does not follow referrals.' },
});

describe('evaluating an access policy', () => {
  it('allows under `any` without any fact about the resource, naming the role and relationship', () => {
    expect(POLICY.can({ roles: ['focal_point'] }, 'map.read')).toEqual({ allowed: true, role: 'focal_point', relationship: 'any' });
  });

  it('allows under a relationship only when the caller holds it', () => {
    expect(POLICY.can({ roles: ['supervisor'] }, 'case.read', ['owner'])).toEqual({ allowed: true, role: 'supervisor', relationship: 'owner' });
    expect(POLICY.can({ roles: ['supervisor'] }, 'case.read', ['recipient'])).toEqual({ allowed: false, reason: 'relationship' });
    expect(POLICY.can({ roles: ['supervisor'] }, 'case.read')).toEqual({ allowed: false, reason: 'relationship' });
  });

  it('refuses for the role when no relationship could grant it, so a 403 can come before reading the resource', () => {
    expect(POLICY.can({ roles: ['org_admin'] }, 'case.read', ['owner', 'recipient'])).toEqual({ allowed: false, reason: 'role' });
    expect(POLICY.can({ roles: [] }, 'map.read')).toEqual({ allowed: false, reason: 'role' });
  });

  it('denies by default: an action with no grant, or one not in the table at all', () => {
    for (const role of ['caseworker', 'supervisor', 'focal_point', 'org_admin', 'network_coordinator', 'system'] as const) {
      expect(POLICY.can({ roles: [role] }, 'nobody.may', ['owner', 'recipient']).allowed).toBe(false);
    }
    // An action name read from outside (a string) that happens to name an inherited property.
    const rules: AccessRules<string, never> = { 'map.read': { any: ['caseworker'] } };
    expect(evaluateAccess(rules, { roles: ['caseworker'] }, 'constructor')).toEqual({ allowed: false, reason: 'role' });
    expect(evaluateAccess(rules, { roles: ['caseworker'] }, 'toString')).toEqual({ allowed: false, reason: 'role' });
  });

  it('takes any one of several roles, and any one of several relationships', () => {
    expect(POLICY.can({ roles: ['org_admin', 'focal_point'] }, 'case.status', ['owner', 'recipient'])).toEqual({
      allowed: true,
      role: 'focal_point',
      relationship: 'recipient',
    });
    expect(POLICY.can({ roles: ['network_coordinator'] }, 'case.status')).toEqual({ allowed: true, role: 'network_coordinator', relationship: 'any' });
  });

  it('a relationship the policy never grants under gives nothing, even a listed one', () => {
    expect(POLICY.can({ roles: ['caseworker'] }, 'case.status', ['recipient'])).toEqual({ allowed: false, reason: 'relationship' });
  });
});

describe('whether some standing could let the caller act', () => {
  it('is true when a role is granted the action under any relationship, false when no standing would do', () => {
    expect(POLICY.couldAct({ roles: ['supervisor'] }, 'case.read')).toBe(true);
    expect(POLICY.couldAct({ roles: ['focal_point'] }, 'case.status')).toBe(true);
    expect(POLICY.couldAct({ roles: ['org_admin'] }, 'case.read')).toBe(false);
    expect(POLICY.couldAct({ roles: ['network_coordinator'] }, 'nobody.may')).toBe(false);
  });
});

describe('requiring access', () => {
  it('returns quietly when allowed', () => {
    expect(() => POLICY.requireAccess({ roles: ['caseworker'] }, 'case.read', ['owner'])).not.toThrow();
  });

  it('throws the 403 forbidden problem with the call site’s detail, else the action’s refusal, else the policy’s', () => {
    const refusal = (detail?: string): unknown => {
      try {
        POLICY.requireAccess({ roles: ['focal_point'] }, 'case.read', ['owner'], detail);
      } catch (error) {
        return error;
      }
      return null;
    };
    const plain = refusal();
    expect(plain).toBeInstanceOf(AppError);
    expect(plain).toMatchObject({ status: 403, code: 'forbidden', detail: 'Your role does not allow this action.' });
    try {
      POLICY.requireAccess({ roles: ['org_admin'] }, 'case.status', ['owner']);
      expect.unreachable('refused');
    } catch (error) {
      expect(error).toMatchObject({ status: 403, code: 'forbidden', detail: 'Your role does not follow referrals.' });
    }
    expect(refusal('Only a caseworker or a supervisor can read consents.')).toMatchObject({
      status: 403,
      code: 'forbidden',
      detail: 'Only a caseworker or a supervisor can read consents.',
    });
  });
});

describe('the cells of a policy', () => {
  it('are every action × `any` and each relationship × every role, each with the facts its caller holds', () => {
    const cells = accessCells(POLICY);
    expect(cells).toHaveLength(4 * 3 * 6);
    expect(new Set(cells.map((c) => `${c.action}|${c.relationship}|${c.role}`)).size).toBe(cells.length);
    expect(cells.filter((c) => c.action === 'case.read' && c.role === 'caseworker').map((c) => factsOfCell(c))).toEqual([[], ['owner'], ['recipient']]);
  });
});
