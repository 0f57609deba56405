/**
 * The one definition of the `referral.*` event schemas. Every referral event carries the same
 * data (the referral's ids, codes, kind, status, urgency, organisations, actor, parties and time);
 * what differs from one type to the next is its description, the status it may carry and a few
 * properties of its own. `scripts/generate.ts` writes `events/referral.<type>.v1.json` from this
 * file, and `contracts:check` fails when a written schema no longer matches it.
 *
 * To add a property to every referral event, add it to {@link referralDataProperties} (optional,
 * or a new schema version: see the README's rules); to add one to a single type, to that type's
 * `properties`. Kept free of runtime dependencies so that the generator can import it.
 */
import { EVENT_SCHEMA_BASE, EVENT_TYPES, eventSchemaId } from './event-types.js';
import type { EventType } from './event-types.js';

/** The event types whose schema is generated from this file. */
export type ReferralEventType = Extract<EventType, `referral.${string}`>;

/** A JSON Schema node, as written into the schema files. */
export type SchemaNode = { readonly [key: string]: unknown };

/** What one referral event type adds to the data every referral event carries. */
export type ReferralEventDefinition = {
  /** What happened, in a sentence (the schema's description). */
  readonly description: string;
  /** The schema of `data.status`: the status the event moves the referral to, or may leave it in. */
  readonly status: SchemaNode;
  /**
   * Properties of this type only, placed after the shared data. `required` lists those of them an
   * event must carry.
   */
  readonly properties?: { readonly [name: string]: SchemaNode };
  readonly required?: readonly string[];
  /** Extra facts about who held the roles, placed beside `parties` (optional properties). */
  readonly partiesProperties?: { readonly [name: string]: SchemaNode };
};

const COMMON = `${EVENT_SCHEMA_BASE}common.json#/$defs/`;
const ENVELOPE = `${EVENT_SCHEMA_BASE}envelope.json#/$defs/`;

const common = (name: string, description?: string): SchemaNode =>
  description === undefined ? { $ref: `${COMMON}${name}` } : { $ref: `${COMMON}${name}`, description };

const nullable = (name: string, description: string): SchemaNode => ({
  anyOf: [{ $ref: `${COMMON}${name}` }, { type: 'null' }],
  description,
});

/** The status a transition moves the referral to. */
const now = (status: string): SchemaNode => ({ type: 'string', const: status, description: 'The status the referral is now in.' });

/** A deadline event leaves the referral in the status it was in. */
const STILL_WAITING: SchemaNode = {
  type: 'string',
  enum: ['submitted', 'acknowledged'],
  description: 'The status the referral is still in.',
};

const DEADLINE_PROPERTIES = {
  stage: common('OverdueStage'),
  dueAt: common('Timestamp', 'The deadline that passed.'),
};

/** The data every referral event carries, in order; `status` comes from each type's definition. */
function referralDataProperties(definition: ReferralEventDefinition): { [name: string]: SchemaNode } {
  return {
    referralId: common('Uuid', 'The referral.'),
    referralCode: common('ReferralCode'),
    caseCode: common('CaseCode'),
    kind: common('ReferralKind'),
    status: definition.status,
    previousStatus: nullable('ReferralStatus', 'The status before this event; null when it had none.'),
    urgency: common('Urgency'),
    referringOrganizationId: common('Uuid', 'The organisation that sent the referral (the lead agency).'),
    recipientOrganizationId: common('Uuid', 'The organisation the referral is addressed to.'),
    recipientServiceId: common('Uuid', 'The service of the recipient organisation.'),
    actor: nullable('Actor', 'Who made it happen; null when the hub itself did (deadlines, consent changes).'),
    parties: common(
      'Parties',
      "Who held the lead, lead organisation and supervisor roles when this happened (after it, for a transfer's acceptance). Always set by the referrals service; absent only on events published before it carried them.",
    ),
    ...definition.partiesProperties,
    occurredAt: common('Timestamp', 'When it happened.'),
  };
}

/**
 * The shared data every referral event must carry. `parties` is optional only so that events
 * published before it existed stay valid.
 */
const REQUIRED_REFERRAL_DATA = [
  'referralId',
  'referralCode',
  'caseCode',
  'kind',
  'status',
  'previousStatus',
  'urgency',
  'referringOrganizationId',
  'recipientOrganizationId',
  'recipientServiceId',
  'actor',
  'occurredAt',
] as const;

/** Each referral event type: what happened, the status it carries and what it adds. */
export const REFERRAL_EVENTS: { readonly [T in ReferralEventType]: ReferralEventDefinition } = {
  'referral.submitted': {
    description: 'The lead agency sent a referral to a service.',
    status: now('submitted'),
  },
  'referral.acknowledged': {
    description: 'The recipient acknowledged receipt of a referral.',
    status: now('acknowledged'),
  },
  'referral.accepted': {
    description: 'The recipient accepted a referral.',
    status: now('accepted'),
    partiesProperties: {
      transferredFrom: common(
        'Parties',
        'For a transfer: who held the roles on the sending side until this acceptance handed the case over. Absent for a referral.',
      ),
    },
  },
  'referral.declined': {
    description:
      'The recipient declined a referral, with a reason and, where possible, a suggested onward service. The note explaining an `other` reason stays in the referrals API.',
    status: now('declined'),
    properties: {
      reasonCode: common('DeclineReason'),
      suggestedServiceId: common('Uuid', 'A service the recipient suggests instead.'),
    },
    required: ['reasonCode'],
  },
  'referral.started': {
    description: 'The recipient started delivering the service.',
    status: now('in_progress'),
  },
  'referral.completed': {
    description: 'The recipient confirmed that the service was delivered.',
    status: now('completed'),
  },
  'referral.not_delivered': {
    description: 'The recipient reported that the service could not be delivered, and why.',
    status: now('not_delivered'),
    properties: { reasonCode: common('NotDeliveredReason') },
    required: ['reasonCode'],
  },
  'referral.withdrawn': {
    description: 'The lead agency withdrew a referral before completion.',
    status: now('withdrawn'),
  },
  'referral.closed': {
    description: 'The lead agency closed a finished referral.',
    status: now('closed'),
  },
  'referral.overdue': {
    description:
      'A referral passed its acknowledgement or decision deadline. It stays in its status; reminders and escalations follow.',
    status: STILL_WAITING,
    properties: DEADLINE_PROPERTIES,
    required: ['stage', 'dueAt'],
  },
  'referral.escalated': {
    description:
      "A referral was still overdue at its acknowledgement or decision stage a further interval (the network's escalation setting) after the reminder: it is escalated once per stage, to the lead's supervisor and the receiving organisation's administrators as well as those reminded. It stays in its status.",
    status: STILL_WAITING,
    properties: DEADLINE_PROPERTIES,
    required: ['stage', 'dueAt'],
  },
  'referral.access_revoked': {
    description:
      "The recipient lost access to some of a referral's case fields because the consents covering them were withdrawn or expired. The referral's envelope stays visible.",
    status: common('ReferralStatus', 'The status the referral is in.'),
    properties: {
      consentIds: {
        type: 'array',
        minItems: 1,
        maxItems: 100,
        uniqueItems: true,
        items: common('Uuid'),
        description: 'The consents, or best-interests overrides, whose end removed the access.',
      },
      fieldKeys: {
        type: 'array',
        maxItems: 100,
        uniqueItems: true,
        items: common('ShareableFieldKey'),
        description: 'The field catalogue keys the recipient can no longer read.',
      },
    },
    required: ['consentIds', 'fieldKeys'],
  },
};

/** Whether an event type's schema is generated from this file. */
export function isReferralEventType(type: EventType): type is ReferralEventType {
  return Object.hasOwn(REFERRAL_EVENTS, type);
}

/** The referral event types, in the catalogue's order. */
export const REFERRAL_EVENT_TYPES: readonly ReferralEventType[] = EVENT_TYPES.filter(isReferralEventType);

/** The file (relative to the package root) a referral event's schema is written to. */
export function referralEventSchemaPath(type: ReferralEventType): string {
  return `events/${type}.v1.json`;
}

/** The full JSON Schema (CloudEvents envelope and data) of a referral event type. */
export function referralEventSchema(type: ReferralEventType): SchemaNode {
  const definition = REFERRAL_EVENTS[type];
  const own = definition.properties ?? {};
  for (const name of Object.keys(own)) {
    if (name in referralDataProperties(definition)) throw new Error(`${type}: ${name} is already part of every referral event`);
  }
  for (const name of definition.required ?? []) {
    if (!(name in own)) throw new Error(`${type}: required property ${name} is not among its own properties`);
  }
  const id = eventSchemaId(type);
  return {
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    $id: id,
    $comment: 'Generated by scripts/generate.ts from src/referral-events.ts. Do not edit: change that file and run the generator.',
    title: `${type} v1`,
    description: definition.description,
    type: 'object',
    additionalProperties: false,
    required: ['specversion', 'id', 'source', 'type', 'time', 'datacontenttype', 'dataschema', 'data'],
    properties: {
      specversion: { $ref: `${ENVELOPE}SpecVersion` },
      id: { $ref: `${ENVELOPE}EventId` },
      source: { $ref: `${ENVELOPE}EventSource` },
      type: { type: 'string', const: type },
      time: { $ref: `${ENVELOPE}EventTime` },
      subject: { $ref: `${ENVELOPE}EventSubject` },
      datacontenttype: { $ref: `${ENVELOPE}DataContentType` },
      dataschema: { type: 'string', const: id },
      traceparent: { $ref: `${ENVELOPE}TraceParent` },
      correlationid: { $ref: `${ENVELOPE}CorrelationId` },
      data: {
        type: 'object',
        additionalProperties: false,
        required: [...REQUIRED_REFERRAL_DATA, ...(definition.required ?? [])],
        properties: { ...referralDataProperties(definition), ...own },
      },
    },
  };
}
