import { createHash } from 'node:crypto';
import type { OutboxRow } from '@referral-hub/platform';
import { outboxInsertSql } from '@referral-hub/platform';
import type pg from 'pg';
import type { FormerLeadRow } from './former-leads.js';
import { REFERRAL_COLUMNS } from './referral-read.js';
import { toReferralRow, toReferralRowOrNull } from './referral-row.js';
import type { ReferralRow, StoredReferral } from './referral-row.js';

/*
 * The referral's writes on the create and transition paths, each ONE statement (data-modifying CTEs) on the
 * service's pool, without the ORM, outside any interactive transaction: a statement is atomic, and nothing (no row
 * lock, no audit chain's turn) is held while the service waits between two statements of a transaction. The
 * history row goes in with the change it records, and the event's outbox row (`Outbox.row`) with both. Rows come
 * back in the ORM client's shape (`ReferralRow`; uuid arrays and bytes as `pg` gives them).
 */

type Sql = Pick<pg.Pool, 'query'>;

/** A prepared statement's name for this text (the text varies with what a transition changes). */
const statementNames = new Map<string, string>();
function statement(prefix: string, text: string, values: unknown[]): pg.QueryConfig {
  let name = statementNames.get(text);
  if (name === undefined) {
    name = `${prefix}-${createHash('sha256').update(text).digest('hex').slice(0, 16)}`;
    statementNames.set(text, name);
  }
  return { name, text, values };
}

/** Every column of `referral`, named as the ORM's `ReferralRow` names them (the compiler keeps the list whole). */
const REFERRAL_RETURNING = Object.entries(REFERRAL_COLUMNS)
  .map(([field, column]) => `${column} AS "${field}"`)
  .join(', ');

/** A history row, as `referral_history` takes it (the audit chain's columns are set by its trigger). */
export type NewHistoryRow = {
  id: string;
  action: string;
  fromStatus: string | null;
  toStatus: string;
  actorUserId: string | null;
  actorOrganizationId: string | null;
  reasonCode: string | null;
  noteKeyId: string | null;
  noteCiphertext: Uint8Array | null;
  suggestedServiceId: string | null;
  fieldKeys: readonly string[];
  consentIds: readonly string[];
  occurredAt: Date;
  channel: string;
  actorFocalPointId: string | null;
};

/** Parameters of one statement, numbered as they are added. */
class Params {
  readonly values: unknown[] = [];
  add(value: unknown, cast: string): string {
    this.values.push(value);
    return `$${this.values.length}::${cast}`;
  }
}

function historyInsert(p: Params, from: string, row: NewHistoryRow): string {
  return `INSERT INTO referral_history (id, referral_id, action, from_status, to_status, actor_user_id, actor_organization_id, reason_code, note_key_id,
      note_ciphertext, suggested_service_id, field_keys, consent_ids, occurred_at, channel, actor_focal_point_id)
    SELECT ${p.add(row.id, 'uuid')}, id, ${p.add(row.action, 'text')}, ${p.add(row.fromStatus, 'text')}, ${p.add(row.toStatus, 'text')},
      ${p.add(row.actorUserId, 'text')}, ${p.add(row.actorOrganizationId, 'uuid')}, ${p.add(row.reasonCode, 'text')}, ${p.add(row.noteKeyId, 'text')},
      ${p.add(row.noteCiphertext, 'bytea')}, ${p.add(row.suggestedServiceId, 'uuid')}, ${p.add([...row.fieldKeys], 'text[]')},
      ${p.add([...row.consentIds], 'uuid[]')}, ${p.add(row.occurredAt, 'timestamptz')}, ${p.add(row.channel, 'text')},
      ${p.add(row.actorFocalPointId, 'uuid')}
    FROM ${from}`;
}

function outboxInsert(p: Params, from: string, row: OutboxRow): string {
  return outboxInsertSql(
    { id: p.add(row.id, 'uuid'), type: p.add(row.type, 'text'), subject: p.add(row.subject, 'text'), payload: p.add(row.payload, 'jsonb'), headers: p.add(row.headers, 'jsonb') },
    { from },
  );
}

/** The draft's columns; the others take their defaults. */
export type NewReferralRow = Pick<
  ReferralRow,
  | 'id' | 'code' | 'kind' | 'caseCode' | 'status' | 'urgency' | 'referringOrganizationId' | 'recipientOrganizationId' | 'recipientServiceId'
  | 'recipientServiceType' | 'leadOrganizationId' | 'leadUserId' | 'leadName' | 'leadEmail' | 'leadPhone' | 'leadLanguage' | 'leadSupervisorUserId'
  | 'createdBy' | 'needCategory' | 'needText' | 'needTextKeyId' | 'needTextCiphertext' | 'caseCategories' | 'proposedFieldKeys' | 'payloadKeyId'
  | 'payloadCiphertext' | 'createdAt' | 'updatedAt'
>;

/** What the directory's read model says of the recipient service (null: not known). */
export type ServiceSeen = { organizationId: string; status: string; acceptsReferrals: boolean; deleted: boolean } | null;

/**
 * Inserts the draft and its history row, in one statement, only if the recipient service is known to the
 * directory's read model as a current service of the recipient organisation that takes referrals; gives the
 * service as read either way, and the draft when it was inserted.
 */
export async function insertDraftIfServiceTakesReferrals(db: Sql, row: NewReferralRow, history: NewHistoryRow): Promise<{ service: ServiceSeen; created: ReferralRow | null }> {
  const p = new Params();
  const serviceId = p.add(row.recipientServiceId, 'uuid');
  const recipient = p.add(row.recipientOrganizationId, 'uuid');
  const values = [
    p.add(row.id, 'uuid'), p.add(row.code, 'text'), p.add(row.kind, 'text'), p.add(row.caseCode, 'text'), p.add(row.status, 'text'), p.add(row.urgency, 'text'),
    p.add(row.referringOrganizationId, 'uuid'), recipient, serviceId, p.add(row.recipientServiceType, 'text'),
    p.add(row.leadOrganizationId, 'uuid'), p.add(row.leadUserId, 'text'), p.add(row.leadName, 'text'), p.add(row.leadEmail, 'text'), p.add(row.leadPhone, 'text'),
    p.add(row.leadLanguage, 'text'), p.add(row.leadSupervisorUserId, 'text'), p.add(row.createdBy, 'text'), p.add(row.needCategory, 'text'),
    p.add(row.needText, 'text'), p.add(row.needTextKeyId, 'text'), p.add(row.needTextCiphertext, 'bytea'), p.add([...row.caseCategories], 'text[]'),
    p.add([...row.proposedFieldKeys], 'text[]'), p.add(row.payloadKeyId, 'text'), p.add(row.payloadCiphertext, 'bytea'),
    p.add(row.createdAt, 'timestamptz'), p.add(row.updatedAt, 'timestamptz'),
  ];
  const sql = `
    WITH service AS (
      SELECT organization_id, status, accepts_referrals, deleted_at FROM known_service WHERE id = ${serviceId}
    ), created AS (
      INSERT INTO referral (id, code, kind, case_code, status, urgency, referring_organization_id, recipient_organization_id, recipient_service_id,
        recipient_service_type, lead_organization_id, lead_user_id, lead_name, lead_email, lead_phone, lead_language, lead_supervisor_user_id,
        created_by, need_category, need_text, need_text_key_id, need_text_ciphertext, case_categories, proposed_field_keys, payload_key_id,
        payload_ciphertext, created_at, updated_at)
      SELECT ${values.join(', ')}
      FROM service
      WHERE service.deleted_at IS NULL AND service.organization_id = ${recipient} AND service.status = 'active' AND service.accepts_referrals
      RETURNING ${REFERRAL_RETURNING}
    ), history AS (
      ${historyInsert(p, 'created', history)}
    )
    SELECT s.organization_id::text AS "serviceOrganizationId", s.status AS "serviceStatus", s.accepts_referrals AS "serviceAcceptsReferrals",
           s.deleted_at IS NOT NULL AS "serviceDeleted", c.*
    FROM (SELECT 1) AS one LEFT JOIN service s ON true LEFT JOIN created c ON true`;
  type Seen = { serviceOrganizationId: string | null; serviceStatus: string | null; serviceAcceptsReferrals: boolean | null; serviceDeleted: boolean | null };
  const { rows } = await db.query<Seen & Record<string, unknown>>(statement('referral-create', sql, p.values));
  const first = rows[0];
  if (first === undefined || first.serviceOrganizationId === null) return { service: null, created: null };
  const { serviceOrganizationId, serviceStatus, serviceAcceptsReferrals, serviceDeleted, ...created } = first;
  return {
    service: { organizationId: serviceOrganizationId, status: serviceStatus ?? '', acceptsReferrals: serviceAcceptsReferrals === true, deleted: serviceDeleted === true },
    created: created.id === null || created.id === undefined ? null : toReferralRow(created as unknown as StoredReferral),
  };
}

/** What a transition writes: the referral's new columns, its history row, its event, and who led it before a hand-over. */
export type TransitionWrite = {
  id: string;
  version: number;
  changes: Partial<Record<keyof ReferralRow, unknown>>;
  history: NewHistoryRow;
  event: OutboxRow;
  formerLead: FormerLeadRow | null;
};

/** The type each column a transition may change is written as. */
const CHANGEABLE: Partial<Record<keyof ReferralRow, [column: string, cast: string]>> = {
  status: ['status', 'text'],
  updatedAt: ['updated_at', 'timestamptz'],
  replyCode: ['reply_code', 'text'],
  submittedAt: ['submitted_at', 'timestamptz'],
  acknowledgeDueAt: ['acknowledge_due_at', 'timestamptz'],
  decisionDueAt: ['decision_due_at', 'timestamptz'],
  acknowledgeEscalateAt: ['acknowledge_escalate_at', 'timestamptz'],
  decisionEscalateAt: ['decision_escalate_at', 'timestamptz'],
  deadlinesVersion: ['deadlines_version', 'int'],
  sharedFieldKeys: ['shared_field_keys', 'text[]'],
  envelopeOnly: ['envelope_only', 'boolean'],
  decisionId: ['decision_id', 'uuid'],
  consentIds: ['consent_ids', 'uuid[]'],
  accessAllowedKeys: ['access_allowed_keys', 'text[]'],
  leadOrganizationId: ['lead_organization_id', 'uuid'],
  leadUserId: ['lead_user_id', 'text'],
  leadName: ['lead_name', 'text'],
  leadEmail: ['lead_email', 'text'],
  leadPhone: ['lead_phone', 'text'],
  leadLanguage: ['lead_language', 'text'],
  leadSupervisorUserId: ['lead_supervisor_user_id', 'text'],
};

/**
 * Applies a transition only if the referral is still at `version` (of two conflicting steps at once exactly one
 * matches), with its history row, its event's outbox row and the former lead's contact, all in one statement:
 * the updated referral, or null when it had moved on (then nothing at all is written).
 */
export async function applyTransitionIfVersion(db: Sql, write: TransitionWrite): Promise<ReferralRow | null> {
  const p = new Params();
  const sets = Object.entries(write.changes).map(([key, value]) => {
    const target = CHANGEABLE[key as keyof ReferralRow];
    if (target === undefined) throw new Error(`A transition does not change ${key}`);
    return `${target[0]} = ${p.add(value, target[1])}`;
  });
  const former = write.formerLead;
  const sql = `
    WITH changed AS (
      UPDATE referral SET ${[...sets, 'version = version + 1'].join(', ')}
      WHERE id = ${p.add(write.id, 'uuid')} AND version = ${p.add(write.version, 'int')}
      RETURNING ${REFERRAL_RETURNING}
    ), history AS (
      ${historyInsert(p, 'changed', write.history)}
    ), queued AS (
      ${outboxInsert(p, 'changed', write.event)}
    )${
      former === null
        ? ''
        : `, former AS (
      INSERT INTO referral_former_lead (referral_id, user_id, organization_id, name, email, phone, language, supervisor_user_id, until)
      SELECT id, ${p.add(former.userId, 'text')}, ${p.add(former.organizationId, 'uuid')}, ${p.add(former.name, 'text')}, ${p.add(former.email, 'text')},
        ${p.add(former.phone, 'text')}, ${p.add(former.language, 'text')}, ${p.add(former.supervisorUserId, 'text')}, ${p.add(former.until, 'timestamptz')}
      FROM changed
    )`
    }
    SELECT * FROM changed`;
  const { rows } = await db.query<StoredReferral>(statement('referral-transition', sql, p.values));
  return toReferralRowOrNull(rows[0] ?? null);
}

/** The reply codes held by a recipient's open referrals and the network's deadlines in force, read in one round trip. */
export async function submitFacts(
  db: Sql,
  recipientOrganizationId: string,
  openStatuses: readonly string[],
): Promise<{ replyCodes: Set<string>; deadlines: { version: number; acknowledge: unknown; decide: unknown; escalate: unknown; effectiveFrom: Date; changedBy: string } | null }> {
  const { rows } = await db.query<{ codes: string[]; deadlines: { version: number; acknowledge: unknown; decide: unknown; escalate: unknown; effective_from: string; changed_by: string } | null }>({
    name: 'referral-submit-facts',
    text: `SELECT ARRAY(SELECT reply_code FROM referral WHERE recipient_organization_id = $1::uuid AND status = ANY($2::text[]) AND reply_code IS NOT NULL) AS codes,
            (SELECT to_jsonb(d) FROM network_deadlines d ORDER BY version DESC LIMIT 1) AS deadlines`,
    values: [recipientOrganizationId, [...openStatuses]],
  });
  const row = rows[0];
  const d = row?.deadlines ?? null;
  return {
    replyCodes: new Set(row?.codes ?? []),
    deadlines: d === null ? null : { version: d.version, acknowledge: d.acknowledge, decide: d.decide, escalate: d.escalate, effectiveFrom: new Date(d.effective_from), changedBy: d.changed_by },
  };
}
