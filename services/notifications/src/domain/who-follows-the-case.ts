import type { DeliveryRow } from '../data-access/deliveries.js';

/** What an event says of who answered for the case when it happened (its stored envelope's `data`). */
type StoredEvent = { eventId: string; envelope: unknown };

function partiesOrg(value: unknown): string | null {
  if (typeof value !== 'object' || value === null) return null;
  const org = (value as Record<string, unknown>)['leadOrganizationId'];
  return typeof org === 'string' ? org : null;
}

/**
 * The organisations that answer for an event's messages: the lead organisation when it
 * happened (`parties`), and for a transfer's acceptance the sending one too (`transferredFrom`).
 * An event without `parties` (older) answers to the referring organisation.
 */
export function accountableOrganizations(envelope: unknown, referringOrganizationId: string): string[] {
  const data = typeof envelope === 'object' && envelope !== null ? (envelope as Record<string, unknown>)['data'] : undefined;
  const record = typeof data === 'object' && data !== null ? (data as Record<string, unknown>) : {};
  const orgs = [partiesOrg(record['parties']), partiesOrg(record['transferredFrom'])].filter((o): o is string => o !== null);
  return orgs.length === 0 ? [referringOrganizationId] : orgs;
}

/**
 * Responsibility and its audit travel together: messages to people are shown to the
 * organisation that held the lead when their event happened (so after a transfer the new lead's
 * organisation follows the case from then on, and the sender keeps what was sent in its time);
 * webhook deliveries to the subscribing organisation only.
 */
export function deliveriesVisibleTo(rows: readonly DeliveryRow[], events: readonly StoredEvent[], organizationId: string): DeliveryRow[] {
  const envelopes = new Map(events.map((e) => [e.eventId, e.envelope]));
  return rows.filter((row) =>
    row.subscriberOrganizationId !== null
      ? row.subscriberOrganizationId === organizationId
      : accountableOrganizations(envelopes.get(row.eventId), row.referringOrganizationId).includes(organizationId),
  );
}
