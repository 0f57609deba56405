import { randomUUID } from 'node:crypto';
import { DECLINE_REASONS, NOT_DELIVERED_REASONS } from '@referral-hub/contracts';
import type { EventDataMap } from '@referral-hub/contracts';
import { AppError, conflict, forbidden, isUniqueViolation, serviceUnavailable, t, unprocessable, UpstreamUnavailableError, validationError } from '@referral-hub/platform';
import type { FieldError, Outbox, OutboxRow, Principal } from '@referral-hub/platform';
import { applyTransitionIfVersion, submitFacts } from '../data-access/referral-writes.js';
import { openReplyCodesOf } from '../data-access/referrals.js';
import type { ReferralRow } from '../data-access/referrals.js';
import type { Decision } from '../gateways/consent-client.js';
import type { ReferralDeps } from './deps.js';
import { findVisibleReferral } from './find-visible-referral.js';
import { deadlinesOf } from './network-deadlines.js';
import type { DeadlinesInForce } from './network-deadlines.js';
import { decideTransition, EVENT_OF_ACTION } from './lifecycle.js';
import { drawReplyCode, OPEN_STATUSES } from './reply-code.js';
import type { ReferralAction } from './lifecycle.js';
import { eventData, partiesAt, partiesOf } from './referral.js';
import type { ReferralView } from './referral.js';
import { decisionRequestFor, viewReferral } from './what-a-reader-sees.js';

/** What an action may carry; each action reads only its own part. */
export type TransitionInput = {
  envelopeOnly?: boolean;
  reasonCode?: string;
  note?: string;
  suggestedServiceId?: string;
};

/** How a step reached the service, as the history records it. */
export type StepChannel = 'api' | 'email_link' | 'sms' | 'ussd';

/**
 * Who took a step through which channel: `api` (the console and API clients, the default), or a focal point
 * through an email link, SMS or USSD (`act-as-focal-point.ts`), whose directory id the history keeps.
 */
export type StepOrigin = { channel: StepChannel; actorFocalPointId: string | null };

const THROUGH_THE_API: StepOrigin = { channel: 'api', actorFocalPointId: null };

/** Two submits to one organisation drawing the same reply code at once: the loser draws again this many times. */
const REPLY_CODE_ATTEMPTS = 5;

const NOTE_REQUIRED = {
  decline: new Set<string>(DECLINE_REASONS.filter((r) => r.requiresNote).map((r) => r.code)),
  not_delivered: new Set<string>(NOT_DELIVERED_REASONS.filter((r) => r.requiresNote).map((r) => r.code)),
};

function checkInput(action: ReferralAction, input: TransitionInput): void {
  const errors: FieldError[] = [];
  if (action === 'decline' || action === 'not_delivered') {
    if (input.reasonCode === undefined) errors.push({ field: 'body.reasonCode', message: 'is required', code: 'required' });
    else if (NOTE_REQUIRED[action].has(input.reasonCode) && (input.note ?? '').trim() === '') {
      errors.push({ field: 'body.note', message: t('is required when the reason is {reason}', { reason: input.reasonCode }), code: 'required' });
    }
  }
  if (errors.length > 0) throw validationError(errors);
}

function addTime(from: Date, ms: number): Date {
  return new Date(from.getTime() + ms);
}

/** Asks consent which proposed fields may go, using up single-use consents, for submit. */
async function decideSharing(deps: ReferralDeps, row: ReferralRow, envelopeOnly: boolean): Promise<Decision | null> {
  if (row.proposedFieldKeys.length === 0) {
    if (!envelopeOnly) {
      throw unprocessable('The referral proposes no case field; send it with envelopeOnly: true to send the envelope alone.', [
        { field: 'body.envelopeOnly', message: 'must be true to send a referral without case fields', code: 'envelope_only_required' },
      ]);
    }
    return null;
  }
  try {
    return await deps.consent.decide(decisionRequestFor(row, row.proposedFieldKeys, { consume: true }));
  } catch (error) {
    if (error instanceof UpstreamUnavailableError) {
      throw serviceUnavailable('The consent service could not decide what may be shared; nothing was sent. Try again shortly.');
    }
    throw error;
  }
}

/** The change each action makes besides the status. */
function changesFor(
  deps: ReferralDeps,
  row: ReferralRow,
  principal: Principal,
  action: ReferralAction,
  input: TransitionInput,
  decision: Decision | null,
  now: Date,
  inForce: DeadlinesInForce | null,
): Partial<ReferralRow> {
  if (action === 'submit' && inForce !== null) {
    const urgency = row.urgency;
    // The network's deadlines in force at submit (`network-deadlines.ts`); later changes do not move them.
    const deadlines = inForce.deadlines;
    const shared = decision === null ? [] : row.proposedFieldKeys.filter((k) => decision.allowed.includes(k));
    if (shared.length === 0 && input.envelopeOnly !== true) {
      throw new AppError('nothing_sharable', 422, 'Unprocessable request', {
        detail: 'None of the proposed fields may be shared with this recipient now; send with envelopeOnly: true to send the envelope alone.',
        errors: [{ field: 'body.envelopeOnly', message: 'must be true when no proposed field may be shared', code: 'envelope_only_required' }],
        extensions: { denied: decision?.denied ?? [] },
      });
    }
    return {
      submittedAt: now,
      acknowledgeDueAt: addTime(now, deadlines.acknowledge[urgency]),
      decisionDueAt: addTime(now, deadlines.decide[urgency]),
      // Still overdue this long after the reminder: escalated (`escalate-overdue-referrals.ts`).
      acknowledgeEscalateAt: addTime(now, deadlines.acknowledge[urgency] + deadlines.escalate[urgency]),
      decisionEscalateAt: addTime(now, deadlines.decide[urgency] + deadlines.escalate[urgency]),
      deadlinesVersion: inForce.version,
      sharedFieldKeys: shared,
      envelopeOnly: shared.length === 0,
      decisionId: decision?.id ?? null,
      // What the sharing rests on: consents and best-interests overrides (either ending revokes it).
      consentIds: decision === null ? [] : [...decision.basis.consentIds, ...decision.basis.overrideIds],
      // What the recipient may read from now on, until a loss of access is recorded (`revoke-access.ts`).
      accessAllowedKeys: shared,
    };
  }
  if (handsOver(action, row)) {
    // The receiving agency takes over the whole case: the accepting person becomes the lead.
    return {
      leadOrganizationId: principal.organizationId,
      leadUserId: principal.userId,
      leadName: principal.name ?? null,
      leadEmail: principal.email ?? null,
      leadPhone: principal.phoneNumber ?? null,
      leadLanguage: principal.locale ?? null,
      leadSupervisorUserId: principal.supervisorUserId ?? null,
    };
  }
  return {};
}

/** Whether this step hands the whole case over: a transfer's acceptance makes the accepter the lead. */
function handsOver(action: ReferralAction, row: ReferralRow): boolean {
  return action === 'accept' && row.kind === 'transfer';
}

/** The step's event, as the outbox row its one statement writes (`Outbox.row`: the same event `Outbox.publish` writes). */
function eventFor(outbox: Outbox, action: ReferralAction, row: ReferralRow, before: ReferralRow, principal: Principal, input: TransitionInput, now: Date): OutboxRow {
  const previous = before.status;
  const data = eventData(row, previous, { userId: principal.userId, organizationId: principal.organizationId }, now);
  const options = { subject: row.id, time: now };
  switch (action) {
    case 'decline':
      return outbox.row(
        'referral.declined',
        {
          ...(data as EventDataMap['referral.declined']),
          reasonCode: input.reasonCode as EventDataMap['referral.declined']['reasonCode'],
          ...(input.suggestedServiceId === undefined ? {} : { suggestedServiceId: input.suggestedServiceId }),
        },
        options,
      );
    case 'accept':
      // A transfer's acceptance is told to the sending side too: who led it until now.
      return outbox.row(
        'referral.accepted',
        { ...(data as EventDataMap['referral.accepted']), ...(handsOver(action, before) ? { transferredFrom: partiesAt(before) } : {}) },
        options,
      );
    case 'not_delivered':
      return outbox.row(
        'referral.not_delivered',
        { ...(data as EventDataMap['referral.not_delivered']), reasonCode: input.reasonCode as EventDataMap['referral.not_delivered']['reasonCode'] },
        options,
      );
    default: {
      const type = EVENT_OF_ACTION[action];
      return outbox.row(type, data as EventDataMap[typeof type], options);
    }
  }
}

/**
 * Takes one step of the referral's life. The lifecycle table decides who may
 * (403) and from which states (409); the step is applied only if the referral
 * is still at the version read, so of two conflicting steps at once exactly
 * one wins and the other is a 409. The step is kept in the history and
 * announced as `referral.<action>` through the outbox, in one transaction.
 *
 * Submit first asks the consent service which proposed fields may go (using
 * up single-use consents); only those are ever shown to the recipient. It
 * also draws the referral's reply code, in the same transaction.
 *
 * `origin` is how the step came: the console and API clients by default, or a
 * focal point through an email link, SMS or USSD (`act-as-focal-point.ts`),
 * which take this same path (same rules, history, events and outbox).
 *
 * @throws AppError 403, 404, 409, 400 naming a missing reason or note, 422 when nothing may be
 *   shared and the lead did not ask for the envelope alone, 503 when consent cannot be asked at submit.
 */
export async function transitionReferral(
  deps: ReferralDeps,
  principal: Principal,
  id: string,
  action: ReferralAction,
  input: TransitionInput = {},
  origin: StepOrigin = THROUGH_THE_API,
): Promise<ReferralView> {
  const row = await findVisibleReferral(deps, principal, id);
  const outcome = decideTransition(partiesOf(row), principal, action);
  if (!outcome.ok) {
    if (outcome.reason === 'forbidden') throw forbidden(t('You cannot {action} this referral.', { action: action.replace('_', ' ') }));
    throw conflict(t('A referral that is {status} cannot be taken this step.', { status: row.status }), { currentStatus: row.status, allowedFrom: outcome.allowedFrom });
  }
  checkInput(action, input);
  // Asked before anything is written, outside any transaction: no connection waits on consent.
  const decision = action === 'submit' ? await decideSharing(deps, row, input.envelopeOnly === true) : null;
  const now = deps.now();
  // Submit draws the reply code among those the recipient's open referrals hold (`reply-code.ts`), and takes the
  // network's deadlines in force: both read in one round trip.
  const facts = action === 'submit' ? await submitFacts(deps.pool, row.recipientOrganizationId, OPEN_STATUSES) : null;
  const inForce = facts === null ? null : deadlinesOf(deps, facts.deadlines);
  const changes = changesFor(deps, row, principal, action, input, decision, now, inForce);
  const previous = row.status;
  const sealedNote = input.note === undefined ? null : deps.cipher.seal(input.note, row.id);

  // One statement: the change if the referral is still at the version read, its history row, its event and the
  // former lead (`applyTransitionIfVersion`); nothing is held open between round trips.
  const step = (replyCode: string | undefined) => {
    const next: ReferralRow = {
      ...row,
      ...changes,
      ...(replyCode === undefined ? {} : { replyCode }),
      status: outcome.to,
      updatedAt: now,
      version: row.version + 1,
    };
    return applyTransitionIfVersion(deps.pool, {
      id: row.id,
      version: row.version,
      changes: { ...changes, ...(replyCode === undefined ? {} : { replyCode }), status: outcome.to, updatedAt: now },
      history: {
        id: randomUUID(),
        action,
        fromStatus: previous,
        toStatus: outcome.to,
        actorUserId: principal.userId,
        actorOrganizationId: principal.organizationId,
        reasonCode: input.reasonCode ?? null,
        noteKeyId: sealedNote?.keyId ?? null,
        noteCiphertext: sealedNote === null ? null : new Uint8Array(sealedNote.ciphertext),
        suggestedServiceId: action === 'decline' ? (input.suggestedServiceId ?? null) : null,
        fieldKeys: action === 'submit' ? next.sharedFieldKeys : [],
        consentIds: action === 'submit' ? next.consentIds : [],
        occurredAt: now,
        channel: origin.channel,
        actorFocalPointId: origin.actorFocalPointId,
      },
      // The event tells only what the version check guarantees: the columns this step set and those only steps set.
      event: eventFor(deps.outbox, action, next, row, principal, input, now),
      // The sending lead's contact is kept: events of their time are still told to them.
      formerLead:
        handsOver(action, row) && row.leadUserId !== null
          ? {
              referralId: row.id,
              userId: row.leadUserId,
              organizationId: row.leadOrganizationId ?? row.referringOrganizationId,
              name: row.leadName,
              email: row.leadEmail,
              phone: row.leadPhone,
              language: row.leadLanguage,
              supervisorUserId: row.leadSupervisorUserId,
              until: now,
            }
          : null,
    });
  };
  let updated: ReferralRow | null = null;
  let taken = facts?.replyCodes ?? new Set<string>();
  for (let attempt = 1; ; attempt += 1) {
    try {
      updated = await step(action === 'submit' ? drawReplyCode(taken) : undefined);
      break;
    } catch (error) {
      // Only a reply code can collide here (the partial unique index): draw again, from what is held now.
      if (action === 'submit' && isUniqueViolation(error) && attempt < REPLY_CODE_ATTEMPTS) {
        taken = await openReplyCodesOf(deps.db.client, row.recipientOrganizationId, OPEN_STATUSES);
        continue;
      }
      throw error;
    }
  }
  if (updated === null) {
    throw conflict('The referral changed while this step was being taken; read it again.', { currentStatus: 'changed' });
  }
  // The answer to a step carries no case field for the receiving side: reading them is a GET, logged.
  return viewReferral(deps, principal, updated, { read: false });
}
