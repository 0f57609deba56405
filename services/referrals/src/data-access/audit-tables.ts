import type { AuditTable } from '@referral-hub/platform';

/**
 * The referrals service's audit records (ADR 10): the referral history (who
 * moved a referral, which organisation, why) and the access log (who outside
 * the referring organisation read which fields, under which decision). Both
 * are hash-chained by the database (migration `audit_chain`) and checked by
 * `scripts/audit-verify.ts`; neither is ever updated, so every UPDATE is refused.
 *
 * The migration holds `auditChainMigrationSql` of each entry, and a test keeps
 * the two equal: never change an entry whose table has rows (ADR 10); a column
 * added later goes in `addedColumns`, and its migration holds
 * `auditChainAppendFunctionSql` of the entry.
 */
export const AUDIT_TABLES: readonly AuditTable[] = [
  {
    table: 'referral_history',
    columns: [
      'id',
      'referral_id',
      'action',
      'from_status',
      'to_status',
      'actor_user_id',
      'actor_organization_id',
      'reason_code',
      'note_key_id',
      'note_ciphertext',
      'suggested_service_id',
      'field_keys',
      'consent_ids',
      'occurred_at',
    ],
    backfillOrder: ['occurred_at', 'id'],
    // Added by migration `phone_channels` (issue 15): how the step came, and the focal point who took it through an
    // email link, SMS or USSD. Hashed only when set, so the rows written before verify as they did.
    addedColumns: [
      { column: 'channel', unset: "'api'" },
      { column: 'actor_focal_point_id', unset: 'NULL' },
    ],
  },
  {
    table: 'access_log',
    columns: ['id', 'referral_id', 'reader_user_id', 'reader_organization_id', 'field_keys', 'decision_id', 'restricted_reason', 'request_id', 'read_at'],
    backfillOrder: ['read_at', 'id'],
  },
];
