import type { EventHandler } from '@referral-hub/platform';
import type { Tx } from '../../data-access/database.js';
import { recordOrganizationChange } from '../../domain/record-organization-change.js';
import { expectEvent } from './events.js';

/**
 * Message entry points of the referrals service, by event type or pattern
 * (bound in `NETWORK_SUBSCRIPTIONS`: `directory.#`, `consent.#`). Each runs in
 * the inbox transaction it is given, so a redelivered event has no second
 * effect; handlers only translate the event into a use case.
 */
export function eventHandlers(): Record<string, EventHandler<Tx>> {
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

    // Consent changes will revoke recipients' access to covered fields; until
    // then they are recorded in the inbox and acknowledged, not left unhandled.
    'consent.#': (event, _tx, ctx) => {
      ctx.logger.debug({ subject: event.subject }, 'Consent event received; nothing to do yet');
      return Promise.resolve();
    },
  };
}
