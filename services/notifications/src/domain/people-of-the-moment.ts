import type { Contact, ReferralContext } from './recipients.js';

/** Who held each role when an event happened, as the event carries it (ids only; common.json `Parties`). */
export type EventParties = { leadUserId: string | null; leadOrganizationId: string; leadSupervisorUserId: string | null };

/** Someone who led the referral before a transfer handed it over, with the work contact their token gave. */
export type FormerLead = Contact & { organizationId: string; supervisorUserId: string | null };

/** The people of an event: the lead and supervisor of its moment, and for a transfer's acceptance the sending side. */
export type EventPeople = { parties?: EventParties; transferredFrom?: EventParties };

const byIdOnly = (role: Contact['role'], userId: string): Contact => ({ role, userId, focalPointId: null, email: null, phone: null, language: null });

/** The lead named by `parties`, with the contact the referral holds for them now or held before a transfer. */
function leadOf(context: ReferralContext, parties: EventParties): Contact | null {
  if (parties.leadUserId === null) return null;
  if (context.lead !== null && context.lead.userId === parties.leadUserId) return context.lead;
  const formers = context.formerLeads ?? [];
  const former =
    formers.find((f) => f.userId === parties.leadUserId && f.organizationId === parties.leadOrganizationId) ??
    formers.find((f) => f.userId === parties.leadUserId);
  if (former !== undefined) return { role: 'lead', userId: former.userId, focalPointId: null, email: former.email, phone: former.phone, language: former.language };
  // Known by id only: the address comes from their stored preferences, as a supervisor's does.
  return byIdOnly('lead', parties.leadUserId);
}

function supervisorOf(parties: EventParties): Contact | null {
  return parties.leadSupervisorUserId === null ? null : byIdOnly('supervisor', parties.leadSupervisorUserId);
}

/**
 * The context as of the event: the lead and the supervisor are those who held the roles when it
 * happened (the event's `parties`), never whoever holds them when it is processed, since a
 * transfer accepted a moment later makes another person the lead. A transfer's acceptance also
 * names the sending side (`transferredFrom`) as `sender`. An event without `parties` (published
 * before events carried them) keeps the roles as they are now.
 */
export function asOfEvent(context: ReferralContext, people: EventPeople): ReferralContext {
  const { parties, transferredFrom } = people;
  return {
    ...context,
    ...(parties === undefined ? {} : { lead: leadOf(context, parties), supervisor: supervisorOf(parties) }),
    ...(transferredFrom === undefined ? {} : { sender: { lead: leadOf(context, transferredFrom), supervisor: supervisorOf(transferredFrom) } }),
  };
}
