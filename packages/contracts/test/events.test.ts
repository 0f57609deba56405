import { readFileSync, readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  CONSENT_WITHDRAWAL_REASONS,
  DECLINE_REASONS,
  EVENT_TYPES,
  InvalidEventError,
  NOT_DELIVERED_REASONS,
  SHAREABLE_FIELD_KEYS,
  buildEvent,
  codesOf,
  eventSchema,
  eventSchemaId,
  openApiDocument,
  validateEvent,
} from '../src/index.js';
import type { CloudEvent, EventDataMap, EventType } from '../src/index.js';
import { SAMPLE_DATA } from './event-samples.js';
import { hasType, isObject, walkObjects } from './support.js';
import type { JsonObject } from './support.js';

const EVENTS_DIR = new URL('../events/', import.meta.url);
const readEventFile = (name: string): JsonObject => JSON.parse(readFileSync(new URL(name, EVENTS_DIR), 'utf8')) as JsonObject;
const commonDefs = (readEventFile('common.json')['$defs'] ?? {}) as Record<string, JsonObject>;

function sample<T extends EventType>(type: T): CloudEvent<T> {
  return buildEvent(type, SAMPLE_DATA[type], { source: '/services/test', subject: 'subject-1' });
}

/** A copy of a valid event as a plain object, to break on purpose. */
function mutable(type: EventType): JsonObject {
  return structuredClone(sample(type)) as unknown as JsonObject;
}

function fieldsOf(result: ReturnType<typeof validateEvent>): string[] {
  return result.ok ? [] : result.errors.map((error) => error.field);
}

describe.each(EVENT_TYPES)('the %s event', (type) => {
  it('built from valid data passes validation with a full CloudEvents envelope', () => {
    const event = sample(type);
    const result = validateEvent(event);
    expect(result).toEqual({ ok: true, event });
    expect(event).toMatchObject({
      specversion: '1.0',
      type,
      source: '/services/test',
      datacontenttype: 'application/json',
      dataschema: eventSchemaId(type),
    });
    expect(event.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(Number.isNaN(Date.parse(event.time))).toBe(false);
  });

  it('is refused when data carries a property the schema does not name, such as a child name', () => {
    const event = mutable(type);
    (event['data'] as JsonObject)['childName'] = 'Amina';
    const result = validateEvent(event);
    expect(result.ok).toBe(false);
    expect(fieldsOf(result)).toContain('data.childName');
    expect(JSON.stringify(result)).not.toContain('Amina');
  });

  it('is refused with another CloudEvents version', () => {
    const event = mutable(type);
    event['specversion'] = '0.3';
    expect(fieldsOf(validateEvent(event))).toEqual(['specversion']);
  });

  it('is refused without an id', () => {
    const event = mutable(type);
    delete event['id'];
    expect(fieldsOf(validateEvent(event))).toEqual(['id']);
  });

  it('is refused when it claims the schema of another type', () => {
    const other = EVENT_TYPES.find((candidate) => candidate !== type) ?? type;
    const event = mutable(type);
    event['dataschema'] = eventSchemaId(other);
    expect(fieldsOf(validateEvent(event))).toEqual(['dataschema']);
  });

  it('is refused with an extension attribute outside data', () => {
    const event = mutable(type);
    event['caregivername'] = 'Fatou';
    expect(fieldsOf(validateEvent(event))).toEqual(['caregivername']);
  });

  it('has a schema identified by its type and version, which it names as its own dataschema', () => {
    const schema = eventSchema(type);
    expect(schema['$id']).toBe(`https://schemas.referral-hub.org/events/${type}/v1.json`);
    expect(schema['$schema']).toBe('https://json-schema.org/draft/2020-12/schema');
    const properties = schema['properties'] as JsonObject;
    expect(properties['type']).toMatchObject({ const: type });
    expect(properties['dataschema']).toMatchObject({ const: schema['$id'] });
  });
});

describe('validateEvent', () => {
  it('reports an unknown type on the field `type`', () => {
    const event = { ...mutable('consent.expired'), type: 'consent.renewed' };
    const result = validateEvent(event);
    expect(result.ok).toBe(false);
    expect(result.ok ? [] : result.errors[0]).toEqual({ field: 'type', message: 'is not a known event type', code: 'unknown_type' });
  });

  it('reports envelope problems too when the type is unknown', () => {
    const event = mutable('consent.expired');
    event['type'] = 'billing.paid';
    delete event['id'];
    expect(fieldsOf(validateEvent(event))).toEqual(['type', 'id']);
  });

  it('refuses something that is not an object', () => {
    for (const value of [null, 'consent.granted', 42, [sample('consent.expired')]]) {
      expect(validateEvent(value).ok).toBe(false);
    }
  });

  it('names nested fields with a dotted path', () => {
    const event = mutable('referral.withdrawn');
    const data = event['data'] as JsonObject;
    data['actor'] = { userId: 'caseworker-17', organizationId: 'not-a-uuid', name: 'Jean' };
    data['caseCode'] = 'amina k';
    const fields = fieldsOf(validateEvent(event));
    expect(fields).toEqual(expect.arrayContaining(['data.actor.organizationId', 'data.actor.name', 'data.caseCode']));
  });

  it('refuses a referral event whose status does not match its type', () => {
    const event = mutable('referral.accepted');
    (event['data'] as JsonObject)['status'] = 'declined';
    expect(fieldsOf(validateEvent(event))).toEqual(['data.status']);
  });

  it('refuses a field key that is not shareable in access_revoked', () => {
    const event = mutable('referral.access_revoked');
    (event['data'] as JsonObject)['fieldKeys'] = ['confidential.notes'];
    expect(fieldsOf(validateEvent(event))).toEqual(['data.fieldKeys.0']);
  });

  it('accepts events made by the hub itself, with no actor', () => {
    const event = mutable('referral.completed');
    (event['data'] as JsonObject)['actor'] = null;
    expect(validateEvent(event).ok).toBe(true);
  });

  it('accepts a decline without a suggested service but not without a reason', () => {
    const event = mutable('referral.declined');
    delete (event['data'] as JsonObject)['suggestedServiceId'];
    expect(validateEvent(event).ok).toBe(true);
    delete (event['data'] as JsonObject)['reasonCode'];
    expect(fieldsOf(validateEvent(event))).toEqual(['data.reasonCode']);
  });
});

describe('the CloudEvent type', () => {
  it('narrows data by event type, so consumers read typed fields', () => {
    const received: CloudEvent = sample('consent.withdrawn');
    const reason = received.type === 'consent.withdrawn' ? received.data.reasonCode : undefined;
    expect(reason).toBe('family_request');
  });
});

describe('buildEvent', () => {
  it('keeps the id, time, subject and tracing attributes it is given', () => {
    const event = buildEvent('consent.expired', SAMPLE_DATA['consent.expired'], {
      source: '/services/consent',
      id: 'evt-0001',
      time: new Date('2026-11-23T10:00:00Z'),
      subject: SAMPLE_DATA['consent.expired'].consentId,
      traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01',
      correlationId: 'req-8f14e45f',
    });
    expect(event).toMatchObject({
      id: 'evt-0001',
      time: '2026-11-23T10:00:00.000Z',
      subject: SAMPLE_DATA['consent.expired'].consentId,
      traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01',
      correlationid: 'req-8f14e45f',
    });
    expect(validateEvent(event).ok).toBe(true);
  });

  it('gives each event a new id', () => {
    expect(sample('consent.expired').id).not.toBe(sample('consent.expired').id);
  });

  it('throws rather than build an event whose data carries child data', () => {
    const data = { ...SAMPLE_DATA['consent.withdrawn'], childName: 'Amina' } as EventDataMap['consent.withdrawn'];
    let thrown: unknown;
    try {
      buildEvent('consent.withdrawn', data, { source: '/services/consent' });
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(InvalidEventError);
    expect((thrown as InvalidEventError).errors).toEqual([
      { field: 'data.childName', message: 'is not allowed', code: 'additionalProperties' },
    ]);
    expect((thrown as Error).message).not.toContain('Amina');
  });

  it('throws when the source is not a URI reference', () => {
    expect(() => buildEvent('consent.expired', SAMPLE_DATA['consent.expired'], { source: 'not a uri' })).toThrow(InvalidEventError);
  });
});

describe('the event schemas', () => {
  const files = readdirSync(EVENTS_DIR).filter((name) => name.endsWith('.json'));
  const allSchemas = files.map((name) => [name, readEventFile(name)] as const);

  it('are exactly one per event type, besides the shared envelope and common definitions', () => {
    const expected = [...EVENT_TYPES.map((type) => `${type}.v1.json`), 'common.json', 'envelope.json'].sort();
    expect([...files].sort()).toEqual(expected);
  });

  it('refuse unknown properties in every object, so child data cannot slip in anywhere', () => {
    const loose: string[] = [];
    for (const [name, schema] of allSchemas) {
      walkObjects(schema, (node, pointer) => {
        const isDataStub = name === 'envelope.json' && pointer === '/properties/data';
        if (hasType(node, 'object') && node['additionalProperties'] !== false && !isDataStub) loose.push(`${name}#${pointer}`);
      });
    }
    expect(loose).toEqual([]);
  });

  it('bound every string and carry no free text', () => {
    const unbounded: string[] = [];
    for (const [name, schema] of allSchemas) {
      walkObjects(schema, (node, pointer) => {
        if (!hasType(node, 'string') || node['const'] !== undefined || node['enum'] !== undefined) return;
        // Free text would be a string with only a length: every string must also have a shape.
        const shaped = node['pattern'] !== undefined || node['format'] !== undefined;
        if (node['maxLength'] === undefined || !shaped) unbounded.push(`${name}#${pointer}`);
      });
    }
    expect(unbounded).toEqual([]);
  });

  it('give every referral event the same common data', () => {
    const commonOf = (type: EventType): JsonObject => {
      const data = (eventSchema(type)['properties'] as JsonObject)['data'] as JsonObject;
      const { status: _status, ...properties } = data['properties'] as JsonObject;
      return properties;
    };
    const reference = commonOf('referral.submitted');
    const referralTypes = EVENT_TYPES.filter((type) => type.startsWith('referral.'));
    expect(referralTypes).toHaveLength(12);
    // `parties` (who held each role then) is optional only so that events published before it existed stay valid.
    const required = Object.keys(reference).filter((key) => key !== 'parties');
    expect(Object.keys(reference)).toContain('parties');
    for (const type of referralTypes) {
      expect(commonOf(type), type).toMatchObject(reference);
      const data = (eventSchema(type)['properties'] as JsonObject)['data'] as JsonObject;
      expect(data['required'], type).toEqual(expect.arrayContaining(['status', ...required]));
      expect(data['required'], type).not.toContain('parties');
    }
  });

  it('use the same reason codes as the code lists people pick from', () => {
    expect(commonDefs['DeclineReason']?.['enum']).toEqual(codesOf(DECLINE_REASONS));
    expect(commonDefs['NotDeliveredReason']?.['enum']).toEqual(codesOf(NOT_DELIVERED_REASONS));
    expect(commonDefs['ConsentWithdrawalReason']?.['enum']).toEqual(codesOf(CONSENT_WITHDRAWAL_REASONS));
    expect(commonDefs['ShareableFieldKey']?.['enum']).toEqual([...SHAREABLE_FIELD_KEYS]);
  });

  it('agree with the APIs on case codes, statuses, urgencies and consent vocabulary', () => {
    const schemaOf = (service: 'consent' | 'referrals', name: string): JsonObject => {
      const schema = openApiDocument(service).components['schemas']?.[name];
      if (!isObject(schema)) throw new Error(`${service} has no schema ${name}`);
      return schema;
    };
    expect(commonDefs['CaseCode']?.['pattern']).toBe(schemaOf('consent', 'CaseCode')['pattern']);
    expect(commonDefs['ReferralCode']?.['pattern']).toBe(schemaOf('referrals', 'ReferralCode')['pattern']);
    expect(commonDefs['ReferralStatus']?.['enum']).toEqual(schemaOf('referrals', 'ReferralStatus')['enum']);
    expect(commonDefs['Urgency']?.['enum']).toEqual(schemaOf('referrals', 'Urgency')['enum']);
    expect(commonDefs['ConsentKind']?.['enum']).toEqual(schemaOf('consent', 'ConsentKind')['enum']);
    expect((commonDefs['ConsentPurposes']?.['items'] as JsonObject)['enum']).toEqual(schemaOf('consent', 'ConsentPurpose')['enum']);
  });
});
