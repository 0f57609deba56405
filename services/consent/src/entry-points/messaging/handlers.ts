import type { CloudEvent } from '@referral-hub/contracts';
import type { EventHandlers } from '@referral-hub/platform';
import type { Tx } from '../../data-access/database.js';
import { recordOrganizationType } from '../../domain/record-organization-type.js';

/**
 * The events the consent service consumes, by type. The consumer has validated each event
 * against its schema before it gets here, inside the transaction that records it in the inbox.
 */
export function eventHandlers(): EventHandlers<CloudEvent, Tx> {
  return {
    'directory.organization.changed': async ({ data }, tx) => {
      await recordOrganizationType(tx, {
        organizationId: data.organizationId,
        organizationType: data.organizationType,
        name: data.name ?? null,
        version: data.version,
      });
    },
  };
}
