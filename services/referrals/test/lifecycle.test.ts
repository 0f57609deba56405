import type { Role } from '@referral-hub/platform';
import { describe, expect, it } from 'vitest';
import { decideTransition, REFERRAL_ACTIONS, REFERRAL_STATUSES, TRANSITIONS } from '../src/domain/lifecycle.js';
import type { ReferralAction, ReferralParties, ReferralStatus } from '../src/domain/lifecycle.js';

const REFERRING = '11111111-1111-4111-8111-111111111111';
const RECEIVING = '22222222-2222-4222-8222-222222222222';
const THIRD = '33333333-3333-4333-8333-333333333333';
const LEAD = 'lead-caseworker';

/** Who acts: a label, their organisation, roles and user id. */
type Actor = { label: string; org: string; roles: Role[]; userId: string };
const ACTORS: Actor[] = [
  { label: 'the lead caseworker', org: REFERRING, roles: ['caseworker'], userId: LEAD },
  { label: "a supervisor of the lead's organisation", org: REFERRING, roles: ['supervisor'], userId: 'sup' },
  { label: 'another caseworker of the referring organisation', org: REFERRING, roles: ['caseworker'], userId: 'cw2' },
  { label: 'a focal point of the referring organisation', org: REFERRING, roles: ['focal_point'], userId: 'fp0' },
  { label: 'an org admin of the referring organisation', org: REFERRING, roles: ['org_admin'], userId: 'adm0' },
  { label: 'a focal point of the receiving organisation (NGO or government)', org: RECEIVING, roles: ['focal_point'], userId: 'fp' },
  { label: "the receiving organisation's own system", org: RECEIVING, roles: ['system'], userId: 'ngo-system' },
  { label: 'a caseworker of the receiving organisation', org: RECEIVING, roles: ['caseworker'], userId: 'cw-r' },
  { label: 'a supervisor of the receiving organisation', org: RECEIVING, roles: ['supervisor'], userId: 'sup-r' },
  { label: 'an org admin of the receiving organisation', org: RECEIVING, roles: ['org_admin'], userId: 'adm-r' },
  { label: 'a network coordinator of the receiving organisation', org: RECEIVING, roles: ['network_coordinator'], userId: 'nc' },
  { label: 'a supervisor of a third organisation', org: THIRD, roles: ['supervisor'], userId: 'sup-3' },
  { label: 'a focal point of a third organisation', org: THIRD, roles: ['focal_point'], userId: 'fp-3' },
];

const REFERRING_SIDE = new Set(['the lead caseworker', "a supervisor of the lead's organisation"]);
const FOCAL = new Set(['a focal point of the receiving organisation (NGO or government)', "the receiving organisation's own system"]);
const DELIVERY = new Set([...FOCAL, 'a caseworker of the receiving organisation', 'a supervisor of the receiving organisation']);

/** Who may take each action, when the referral is in a state that allows it. */
const ALLOWED: Record<ReferralAction, Set<string>> = {
  submit: REFERRING_SIDE,
  withdraw: REFERRING_SIDE,
  close: REFERRING_SIDE,
  acknowledge: FOCAL,
  accept: FOCAL,
  decline: FOCAL,
  start: DELIVERY,
  complete: DELIVERY,
  not_delivered: DELIVERY,
};

const referral = (status: ReferralStatus): ReferralParties => ({
  status,
  referringOrganizationId: REFERRING,
  recipientOrganizationId: RECEIVING,
  leadOrganizationId: REFERRING,
  leadUserId: LEAD,
});

describe('who may take each step (actor × organisation × action)', () => {
  const rows = REFERRAL_ACTIONS.flatMap((action) => ACTORS.map((actor) => [action, actor.label, actor, ALLOWED[action].has(actor.label)] as const));

  it.each(rows)('%s by %s: allowed = %s', (action, _label, actor, allowed) => {
    const from = TRANSITIONS[action].from[0] as ReferralStatus;
    const outcome = decideTransition(referral(from), { organizationId: actor.org, userId: actor.userId, roles: actor.roles }, action);
    expect(outcome).toEqual(allowed ? { ok: true, to: TRANSITIONS[action].to } : { ok: false, reason: 'forbidden', allowedFrom: TRANSITIONS[action].from });
  });
});

// The lifecycle exactly as DOMAIN.md draws it: every (state, action) pair not listed is a 409.
const EXPECTED: Partial<Record<ReferralStatus, Partial<Record<ReferralAction, ReferralStatus>>>> = {
  draft: { submit: 'submitted', withdraw: 'withdrawn' },
  submitted: { acknowledge: 'acknowledged', decline: 'declined', withdraw: 'withdrawn' },
  acknowledged: { accept: 'accepted', decline: 'declined', withdraw: 'withdrawn' },
  accepted: { start: 'in_progress', withdraw: 'withdrawn' },
  in_progress: { complete: 'completed', not_delivered: 'not_delivered', withdraw: 'withdrawn' },
  declined: { close: 'closed' },
  completed: { close: 'closed' },
  not_delivered: { close: 'closed' },
  withdrawn: { close: 'closed' },
  closed: {},
};

describe('which step is possible in which state (for an actor allowed to take it)', () => {
  const anyone = (action: ReferralAction) =>
    ACTORS.find((a) => ALLOWED[action].has(a.label)) ?? ACTORS[0]!;
  const rows = REFERRAL_STATUSES.flatMap((status) => REFERRAL_ACTIONS.map((action) => [status, action, EXPECTED[status]?.[action] ?? null] as const));

  it.each(rows)('from %s, %s leads to %s (null: 409)', (status, action, to) => {
    const actor = anyone(action);
    const outcome = decideTransition(referral(status), { organizationId: actor.org, userId: actor.userId, roles: actor.roles }, action);
    expect(outcome.ok ? outcome.to : null).toBe(to);
    if (!outcome.ok) expect(outcome.reason).toBe('wrong_state');
  });
});

describe('a transfer once accepted', () => {
  it('moves the lead role: the new lead closes, the sender no longer can', () => {
    const transferred: ReferralParties = { ...referral('completed'), leadOrganizationId: RECEIVING, leadUserId: 'fp' };
    expect(decideTransition(transferred, { organizationId: RECEIVING, userId: 'fp', roles: ['focal_point'] }, 'close')).toEqual({ ok: true, to: 'closed' });
    expect(decideTransition(transferred, { organizationId: RECEIVING, userId: 'fp-other', roles: ['focal_point'] }, 'close')).toEqual({ ok: false, reason: 'forbidden', allowedFrom: TRANSITIONS.close.from });
    expect(decideTransition(transferred, { organizationId: RECEIVING, userId: 'fp', roles: ['org_admin'] }, 'close').ok).toBe(false);
    expect(decideTransition(transferred, { organizationId: REFERRING, userId: LEAD, roles: ['caseworker'] }, 'close').ok).toBe(false);
    expect(decideTransition(transferred, { organizationId: REFERRING, userId: 'sup', roles: ['supervisor'] }, 'close').ok).toBe(false);
  });
});
