import type { EventHandler } from '@referral-hub/platform';
import type { Tx } from '../../data-access/database.js';
import type { ReferralDeps } from '../../domain/deps.js';
import { recordOrganizationChange } from '../../domain/record-organization-change.js';
import { recordServiceChange } from '../../domain/record-service-change.js';
import { applyConsentChange } from '../../domain/revoke-access.js';
import { expectEvent } from './events.js';

/**
 * Message entry points of the referrals service, by event type or pattern
 * (bound in `NETWORK_SUBSCRIPTIONS`: `directory.#`, `consent.#`). Each runs in
 * the inbox transaction it is given, so a redelivered event has no second
 * effect; handlers only translate the event into a use case.
 */
export function eventHandlers(deps: Pick<ReferralDeps, 'outbox' | 'consent'>): Record<string, EventHandler<Tx>> {
  return {
    'directory.organization.changed': async (event, tx, ctx) => {
      const { data, time } = expectEvent(event, 'directory.organization.changed');
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

    'directory.service.changed': async (event, tx, ctx) => {
      const { data, time } = expectEvent(event, 'directory.service.changed');
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

    'consent.withdrawn': async (event, tx, ctx) => {
      const { data, correlationid } = expectEvent(event, 'consent.withdrawn');
      const revoked = await applyConsentChange(deps, tx, {
        consentId: data.consentId,
        caseCode: data.caseCode,
        organizationId: data.organizationId,
        ended: true,
        at: new Date(data.withdrawnAt),
        ...(correlationid === undefined ? {} : { correlationId: correlationid }),
      });
      ctx.logger.info({ consentId: data.consentId, revoked }, 'Consent withdrawn: recipients lose the fields it covered');
    },

    'consent.expired': async (event, tx, ctx) => {
      const { data, correlationid } = expectEvent(event, 'consent.expired');
      const revoked = await applyConsentChange(deps, tx, {
        consentId: data.consentId,
        caseCode: data.caseCode,
        organizationId: data.organizationId,
        ended: true,
        at: new Date(data.expiredAt),
        ...(correlationid === undefined ? {} : { correlationId: correlationid }),
      });
      ctx.logger.info({ consentId: data.consentId, revoked }, 'Consent expired: recipients lose the fields it covered');
    },

    // A revoked override ends what it allowed, like a withdrawn consent: the referrals resting on it
    // learn which fields their recipient lost.
    'consent.override_revoked': async (event, tx, ctx) => {
      const { data, correlationid } = expectEvent(event, 'consent.override_revoked');
      const revoked = await applyConsentChange(deps, tx, {
        consentId: data.overrideId,
        caseCode: data.caseCode,
        organizationId: data.organizationId,
        ended: true,
        at: new Date(data.revokedAt),
        ...(correlationid === undefined ? {} : { correlationId: correlationid }),
      });
      ctx.logger.info({ overrideId: data.overrideId, revoked }, 'Override revoked: recipients lose the fields it covered');
    },

    // Any other consent change (granted, consumed, an override approved or revoked) may widen
    // or narrow what a recipient may read: the case's cached decisions are dropped so the next
    // read asks again.
    'consent.#': async (event, tx) => {
      const data = event.data as { consentId?: string; overrideId?: string; caseCode: string; organizationId: string };
      await applyConsentChange(deps, tx, {
        consentId: data.consentId ?? data.overrideId ?? '',
        caseCode: data.caseCode,
        organizationId: data.organizationId,
        ended: false,
        at: new Date(),
      });
    },
  };
}
