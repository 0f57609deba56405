import type { CloudEvent } from '@referral-hub/contracts';
import type { EventHandlers, PreparedEventHandler } from '@referral-hub/platform';
import type { Tx } from '../../data-access/database.js';
import type { ReferralDeps } from '../../domain/deps.js';
import { recordOrganizationChange } from '../../domain/record-organization-change.js';
import { recordServiceChange } from '../../domain/record-service-change.js';
import { applyEndOfBasis, decisionsAfterEndOfBasis } from '../../domain/revoke-access.js';
import type { BasisEnded } from '../../domain/revoke-access.js';

/** The events that end a basis of sharing. */
type BasisEnding = CloudEvent<'consent.withdrawn' | 'consent.expired' | 'consent.override_revoked'>;

/**
 * Message entry points of the referrals service, by event type or family
 * (bound in `NETWORK_SUBSCRIPTIONS`: `directory.#`, `consent.#`), each given
 * its event typed by the contracts (ADR 21). Each runs in
 * the inbox transaction it is given, so a redelivered event has no second
 * effect; handlers only translate the event into a use case. What needs the
 * network (consent's decisions on the end of a basis) is asked in `prepare`,
 * before that transaction opens.
 */
export function eventHandlers(deps: Pick<ReferralDeps, 'outbox' | 'consent' | 'db'>): EventHandlers<CloudEvent, Tx> {
  /** The end of a basis of sharing (a consent or an override), whichever event announces it. */
  const ended =
    <E extends BasisEnding>(basisOf: (event: E) => { basisId: string; at: string }, what: string): PreparedEventHandler<Tx, E> => ({
      prepare: async (event, ctx) => {
        const { basisId, at } = basisOf(event);
        const change: BasisEnded = { basisId, caseCode: event.data.caseCode, organizationId: event.data.organizationId, at: new Date(at) };
        const decisions = await decisionsAfterEndOfBasis(deps, deps.db.client, change);
        return async (tx) => {
          const revoked = await applyEndOfBasis(deps, tx, change, decisions);
          ctx.logger.info({ basisId, revoked }, `${what}: recipients lost the fields it alone covered`);
        };
      },
    });

  return {
    'directory.organization.changed': async ({ data, time }, tx, ctx) => {
      const outcome = await recordOrganizationChange(tx, {
        organizationId: data.organizationId,
        organizationType: data.organizationType,
        change: data.change,
        changedFields: data.changedFields,
        version: data.version,
        changedAt: new Date(time),
      });
      ctx.logger.debug({ organizationId: data.organizationId, version: data.version, outcome }, 'Directory organisation change recorded');
    },

    'directory.service.changed': async ({ data, time }, tx, ctx) => {
      const outcome = await recordServiceChange(tx, {
        serviceId: data.serviceId,
        organizationId: data.organizationId,
        organizationType: data.organizationType,
        status: data.status,
        acceptsReferrals: data.acceptsReferrals,
        change: data.change,
        version: data.version,
        changedAt: new Date(time),
      });
      ctx.logger.debug({ serviceId: data.serviceId, version: data.version, outcome }, 'Directory service change recorded');
    },

    // A withdrawn or expired consent, or a revoked override, ends what it allowed: the referrals
    // resting on it learn which fields their recipient lost.
    'consent.withdrawn': ended(({ data }) => ({ basisId: data.consentId, at: data.withdrawnAt }), 'Consent withdrawn'),
    'consent.expired': ended(({ data }) => ({ basisId: data.consentId, at: data.expiredAt }), 'Consent expired'),
    'consent.override_revoked': ended(({ data }) => ({ basisId: data.overrideId, at: data.revokedAt }), 'Override revoked'),

    // Any other consent change (granted, consumed, an override approved) needs nothing here:
    // every recipient read asks consent afresh (`what-a-reader-sees.ts`), and a widening is
    // remembered by the first read that sees it.
    'consent.#': (event, _tx, ctx) => {
      ctx.logger.debug({ type: event.type }, 'Consent change: reads ask consent afresh, nothing to do');
      return Promise.resolve();
    },
  };
}
