import type { ActionLinkTokens, DirectoryNames } from './messages/render.js';
import type { Language, MessageKind } from './messages/templates.js';
import type { ReferralEventType } from './referral-event-facts.js';
import type { FormerLead } from './people-of-the-moment.js';

/** In which capacity someone is told. */
export type RecipientRole = 'lead' | 'supervisor' | 'focal_point' | 'org_admin';

/** Whom an audience names: a role of the event's moment, or the sending side of a transfer's acceptance. */
export type AudienceRole = RecipientRole | 'sending_lead' | 'sending_supervisor';
export type DeliveryChannel = 'email' | 'sms';

/**
 * A person's work contact, from the referral (lead, supervisor) or the
 * directory (focal points): never from a child's record.
 */
export type Contact = {
  role: RecipientRole;
  /** The identity provider's subject, when known: it links the person to their preferences. */
  userId: string | null;
  /** The directory's focal point id, for focal points. */
  focalPointId: string | null;
  email: string | null;
  phone: string | null;
  /** The language the referral or directory records for them, if any. */
  language: Language | null;
  /** A receiving focal point's one-click answer tokens, while the referral awaits them (the referrals service's). */
  actionLinks?: ActionLinkTokens | null;
};

/** What the service needs to know about a referral to tell people of an event. */
export type ReferralContext = {
  names: DirectoryNames;
  /** The referral's short SMS reply code (null before submit, or from a referrals service without them). */
  replyCode?: string | null;
  /** The names as written in each language, when the directory has them so; `names` otherwise. */
  namesByLanguage?: Partial<Record<Language, DirectoryNames>>;
  lead: Contact | null;
  supervisor: Contact | null;
  focalPoints: Contact[];
  /** Who led before a transfer, with their contacts (to reach the lead an older event names). */
  formerLeads?: FormerLead[];
  /** For a transfer's acceptance: the lead and supervisor who handed the case over. */
  sender?: { lead: Contact | null; supervisor: Contact | null };
  /** The receiving organisation's administrators (told of escalations). */
  orgAdmins?: Contact[];
};

/**
 * What is stored for a person (`GET`/`PUT /v1/me/preferences`): their choice
 * of channels and language (when `chosen` is not false), and the work contact
 * their token carried, the address of a supervisor and the fallback of a lead.
 */
export type StoredPreference = { channels: readonly string[]; language: string; chosen?: boolean; email?: string | null; phone?: string | null };

/** Who is told of each event, and with which message. */
export type Audience = { roles: readonly AudienceRole[]; kind: MessageKind };

export const AUDIENCES: Record<ReferralEventType, readonly Audience[]> = {
  'referral.submitted': [{ roles: ['focal_point'], kind: 'submitted' }],
  'referral.acknowledged': [{ roles: ['lead', 'supervisor'], kind: 'acknowledged' }],
  'referral.accepted': [{ roles: ['lead', 'supervisor'], kind: 'accepted' }],
  'referral.declined': [{ roles: ['lead', 'supervisor'], kind: 'declined' }],
  'referral.started': [{ roles: ['lead', 'supervisor'], kind: 'started' }],
  'referral.completed': [{ roles: ['lead', 'supervisor'], kind: 'completed' }],
  'referral.not_delivered': [{ roles: ['lead', 'supervisor'], kind: 'not_delivered' }],
  'referral.access_revoked': [{ roles: ['lead', 'supervisor'], kind: 'access_revoked' }],
  'referral.overdue': [
    { roles: ['focal_point'], kind: 'overdue_reminder' },
    { roles: ['lead'], kind: 'overdue_lead' },
  ],
  // Still overdue after the reminder: those reminded again, and above them the lead's supervisor and the recipient's administrators.
  'referral.escalated': [
    { roles: ['focal_point', 'org_admin'], kind: 'escalated_receiver' },
    { roles: ['lead', 'supervisor'], kind: 'escalated_lead' },
  ],
  'referral.withdrawn': [{ roles: ['focal_point'], kind: 'withdrawn' }],
  // The lead closes the referral: nobody needs telling.
  'referral.closed': [],
};

/**
 * Who is told of this event: {@link AUDIENCES}, except a transfer's acceptance, which is told
 * both to the side that handed the case over (its lead and supervisor: "accepted") and to the new
 * lead and their supervisor ("you are now the lead").
 */
export function audiencesFor(eventType: ReferralEventType, context: Pick<ReferralContext, 'sender'>): readonly Audience[] {
  if (eventType === 'referral.accepted' && context.sender !== undefined) {
    return [
      { roles: ['sending_lead', 'sending_supervisor'], kind: 'accepted' },
      { roles: ['lead', 'supervisor'], kind: 'transfer_received' },
    ];
  }
  return AUDIENCES[eventType];
}

function contactsOf(role: AudienceRole, context: ReferralContext): Contact[] {
  const one = (contact: Contact | null | undefined): Contact[] => (contact === null || contact === undefined ? [] : [contact]);
  switch (role) {
    case 'focal_point':
      return context.focalPoints;
    case 'org_admin':
      return context.orgAdmins ?? [];
    case 'lead':
      return one(context.lead);
    case 'supervisor':
      return one(context.supervisor);
    case 'sending_lead':
      return one(context.sender?.lead);
    case 'sending_supervisor':
      return one(context.sender?.supervisor);
  }
}

/** One message to send: a recipient on a channel, or the reason it cannot be sent. */
export type PlannedDelivery = {
  recipientKey: string;
  role: RecipientRole;
  channel: DeliveryChannel;
  language: Language;
  kind: MessageKind;
  /** The address to send to; null when the contact has none for this channel (logged as failed `no_address`). */
  address: string | null;
  /** The contact's one-click answer tokens (receiving focal points only, while the referral awaits them). */
  actionLinks: ActionLinkTokens | null;
};

const isLanguage = (value: string): value is Language => value === 'fr' || value === 'en';

/** A stable key for a recipient: the same person gets one message per event and channel. */
export function recipientKey(contact: Contact): string {
  if (contact.userId !== null) return `user:${contact.userId}`;
  if (contact.focalPointId !== null) return `focal_point:${contact.focalPointId}`;
  return `${contact.role}:${contact.email ?? contact.phone ?? 'unknown'}`;
}

/** The stored preference of a contact: by user id, else (focal points) by work e-mail, case-insensitively. */
export function preferenceOf(
  contact: Contact,
  byUserId: ReadonlyMap<string, StoredPreference>,
  byEmail: ReadonlyMap<string, StoredPreference>,
): StoredPreference | undefined {
  if (contact.userId !== null) return byUserId.get(contact.userId);
  return contact.email === null ? undefined : byEmail.get(contact.email.toLowerCase());
}

/**
 * Who is told of `eventType`, on which channels and in which language: the
 * person's stored preferences when they have set them, else e-mail in the
 * language the referral or directory records, else French (the network's
 * working language). The address is the one the referral or directory holds,
 * else the one stored from the person's token (a supervisor's only one). One
 * delivery per person and channel, even when a person is told in two
 * capacities (lead and supervisor).
 */
export function planDeliveries(
  eventType: ReferralEventType,
  context: ReferralContext,
  preferences: ReadonlyMap<string, StoredPreference>,
  preferencesByEmail: ReadonlyMap<string, StoredPreference> = new Map(),
): PlannedDelivery[] {
  const planned = new Map<string, PlannedDelivery>();
  for (const audience of audiencesFor(eventType, context)) {
    const contacts = audience.roles.flatMap((role) => contactsOf(role, context));
    for (const contact of contacts) {
      const key = recipientKey(contact);
      const stored = preferenceOf(contact, preferences, preferencesByEmail);
      const chosen = stored !== undefined && stored.chosen !== false ? stored : undefined;
      const channels = (chosen?.channels ?? ['email']).filter((c): c is DeliveryChannel => c === 'email' || c === 'sms');
      const language = chosen !== undefined && isLanguage(chosen.language) ? chosen.language : (contact.language ?? 'fr');
      for (const channel of channels) {
        const id = `${key}|${channel}`;
        if (planned.has(id)) continue;
        planned.set(id, {
          recipientKey: key,
          role: contact.role,
          channel,
          language,
          kind: audience.kind,
          address: channel === 'email' ? (contact.email ?? stored?.email ?? null) : (contact.phone ?? stored?.phone ?? null),
          actionLinks: contact.role === 'focal_point' ? (contact.actionLinks ?? null) : null,
        });
      }
    }
  }
  return [...planned.values()];
}
