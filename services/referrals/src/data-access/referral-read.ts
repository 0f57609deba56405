import type pg from 'pg';
import { toReferralRowOrNull } from './referral-row.js';
import type { ReferralRow, StoredReferral } from './referral-row.js';

/*
 * The recipient read's hot path on the service's pg pool, without the ORM: each read is one
 * statement for the referral and one (shared with concurrent reads) for its access-log row.
 * Rows come back in the same shape as the Prisma client's (`ReferralRow`).
 */

/** Every column of `referral`, by the client's field name: the compiler keeps this list whole. */
export const REFERRAL_COLUMNS: { [K in keyof ReferralRow]-?: string } = {
  id: 'id',
  code: 'code',
  kind: 'kind',
  caseCode: 'case_code',
  status: 'status',
  urgency: 'urgency',
  referringOrganizationId: 'referring_organization_id',
  recipientOrganizationId: 'recipient_organization_id',
  recipientServiceId: 'recipient_service_id',
  recipientServiceType: 'recipient_service_type',
  leadOrganizationId: 'lead_organization_id',
  leadUserId: 'lead_user_id',
  leadName: 'lead_name',
  leadEmail: 'lead_email',
  leadPhone: 'lead_phone',
  leadLanguage: 'lead_language',
  leadSupervisorUserId: 'lead_supervisor_user_id',
  createdBy: 'created_by',
  needCategory: 'need_category',
  needText: 'need_text',
  needTextKeyId: 'need_text_key_id',
  needTextCiphertext: 'need_text_ciphertext',
  caseCategories: 'case_categories',
  proposedFieldKeys: 'proposed_field_keys',
  payloadKeyId: 'payload_key_id',
  payloadCiphertext: 'payload_ciphertext',
  sharedFieldKeys: 'shared_field_keys',
  envelopeOnly: 'envelope_only',
  decisionId: 'decision_id',
  consentIds: 'consent_ids',
  version: 'version',
  submittedAt: 'submitted_at',
  acknowledgeDueAt: 'acknowledge_due_at',
  decisionDueAt: 'decision_due_at',
  acknowledgeOverdueAt: 'acknowledge_overdue_at',
  decisionOverdueAt: 'decision_overdue_at',
  acknowledgeEscalateAt: 'acknowledge_escalate_at',
  decisionEscalateAt: 'decision_escalate_at',
  acknowledgeEscalatedAt: 'acknowledge_escalated_at',
  decisionEscalatedAt: 'decision_escalated_at',
  deadlinesVersion: 'deadlines_version',
  accessGeneration: 'access_generation',
  accessAllowedKeys: 'access_allowed_keys',
  accessDecisionId: 'access_decision_id',
  accessValidUntil: 'access_valid_until',
  createdAt: 'created_at',
  updatedAt: 'updated_at',
  replyCode: 'reply_code',
};

const SELECT_REFERRAL = {
  name: 'referral-read-by-id',
  text: `SELECT ${Object.entries(REFERRAL_COLUMNS)
    .map(([field, column]) => `${column} AS "${field}"`)
    .join(', ')} FROM referral WHERE id = $1`,
};

/** The referral with this id (lower-case UUID), in one statement; uuid arrays and bytes as the client gives them. */
export async function readReferral(pool: pg.Pool, id: string): Promise<ReferralRow | null> {
  const { rows } = await pool.query<StoredReferral>({ ...SELECT_REFERRAL, values: [id] });
  return toReferralRowOrNull(rows[0] ?? null);
}

/** One row of the access log, as a read writes it. */
export type AccessLogRow = {
  id: string;
  referralId: string;
  readerUserId: string;
  readerOrganizationId: string;
  fieldKeys: readonly string[];
  decisionId: string | null;
  restrictedReason: string | null;
  requestId: string | null;
  readAt: Date;
};

/** Writes access-log rows; each call resolves once its row is committed. */
export type AccessLogWriter = { write(row: AccessLogRow): Promise<void> };

const INSERT_ACCESS_LOG = {
  name: 'access-log-insert-batch',
  text: `INSERT INTO access_log (id, referral_id, reader_user_id, reader_organization_id, field_keys, decision_id, restricted_reason, request_id, read_at)
         SELECT id, referral_id, reader_user_id, reader_organization_id, field_keys, decision_id, restricted_reason, request_id, read_at
           FROM jsonb_to_recordset($1::jsonb) AS r(id uuid, referral_id uuid, reader_user_id text, reader_organization_id uuid, field_keys text[],
                                                  decision_id uuid, restricted_reason text, request_id text, read_at timestamptz)`,
};

/** Most rows one statement carries. */
const BATCH_MAX = 200;

function toRecord(row: AccessLogRow) {
  return {
    id: row.id,
    referral_id: row.referralId,
    reader_user_id: row.readerUserId,
    reader_organization_id: row.readerOrganizationId,
    field_keys: row.fieldKeys,
    decision_id: row.decisionId,
    restricted_reason: row.restrictedReason,
    request_id: row.requestId,
    read_at: row.readAt.toISOString(),
  };
}

type Pending = { row: AccessLogRow; resolve: () => void; reject: (error: unknown) => void };

/**
 * Group commit for the access log: a row is written at once when no write is under way; rows
 * arriving meanwhile wait for it and then go together in one statement (one round trip, one
 * commit, one turn at the audit chain's lock). No read answers before its
 * own row is committed. If a shared statement fails, its rows are written one by one, so a row the
 * database refuses fails only its own read.
 */
export function createAccessLogWriter(pool: pg.Pool): AccessLogWriter {
  let queue: Pending[] = [];
  let writing = false;

  const insert = async (rows: readonly AccessLogRow[]): Promise<void> => {
    await pool.query({ ...INSERT_ACCESS_LOG, values: [JSON.stringify(rows.map(toRecord))] });
  };

  const drain = async (): Promise<void> => {
    writing = true;
    while (queue.length > 0) {
      const batch = queue.slice(0, BATCH_MAX);
      queue = queue.slice(batch.length);
      try {
        await insert(batch.map((p) => p.row));
        for (const p of batch) p.resolve();
      } catch (error) {
        if (batch.length === 1) (batch[0] as Pending).reject(error);
        else {
          await Promise.all(
            batch.map((p) =>
              insert([p.row]).then(
                () => p.resolve(),
                (alone: unknown) => p.reject(alone),
              ),
            ),
          );
        }
      }
    }
    writing = false;
  };

  return {
    write(row) {
      return new Promise<void>((resolve, reject) => {
        queue.push({ row, resolve, reject });
        if (!writing) void drain();
      });
    },
  };
}
