import type { EventHandler } from '@referral-hub/platform';
import type { Tx } from '../../data-access/database.js';
import { recordOrganizationType } from '../../domain/record-organization-type.js';

/**
 * The events the consent service consumes, by type. The consumer has validated each event
 * against its schema before it gets here, inside the transaction that records it in the inbox.
 */
export function eventHandlers(): Record<string, EventHandler<Tx>> {
  return {
    'directory.organization.changed': async (event, tx) => {
      const data = event.data as { organizationId: string; organizationType: string; version: number; name?: string };
      await recordOrganizationType(tx, {
        organizationId: data.organizationId,
        organizationType: data.organizationType,
        name: data.name ?? null,
        version: data.version,
      });
    },
  };
}
