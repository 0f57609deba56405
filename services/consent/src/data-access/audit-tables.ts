import type { AuditTable } from '@referral-hub/platform';

/**
 * The consent service's audit records (ADR 10), hash-chained by the database
 * (migration `audit_chain`) and checked by `scripts/audit-verify.ts`:
 *
 * - `decision`: every sharing decision, the case's account of who received what;
 * - `consent`: each consent as recorded (who gave it, for what, until when).
 *   Its withdrawal and its use by a single-use decision are stamped on the row
 *   later: those columns are write-once, set once and never changed, and are
 *   outside the hash (fixed at insert);
 * - `override`: each best-interests override as requested; approval and
 *   revocation are write-once stamps in the same way;
 * - `network_policy`: every version of the network's sharing rules and who set it;
 * - `agreement_acceptance`: which organisation accepted an information-sharing protocol, and who;
 * - `override_decision`: a supervisor's approval or refusal of an override request, with the
 *   reason (sealed), and who decided (its own chain, added after the others: migration
 *   `override_decision`).
 *
 * Free texts (withdrawal note, form reference, an override's legal basis, justification and
 * explanation) are stored sealed, `sealed:<kid>:<base64>` (`sealed-texts.ts`, ADR 9): the
 * chain hashes that stored form, so sealing them changed no column list.
 *
 * The migration holds `auditChainMigrationSql` of each entry, and a test keeps
 * the two equal: never change an entry whose table has rows (ADR 10).
 */
export const AUDIT_TABLES: readonly AuditTable[] = [
  {
    table: 'decision',
    columns: [
      'id',
      'organization_id',
      'case_code',
      'recipient_organization_id',
      'recipient_service_type',
      'purpose',
      'requested_fields',
      'allowed',
      'denied',
      'consent_ids',
      'override_ids',
      'consumed_consent_ids',
      'valid_until',
      'referral_id',
      'requested_by',
      'requested_by_organization_id',
      'created_at',
    ],
  },
  {
    table: 'consent',
    columns: [
      'id',
      'organization_id',
      'case_code',
      'given_by',
      'caregiver_relationship',
      'kind',
      'method',
      'form_reference',
      'explained_in_language',
      'recipient_organization_ids',
      'service_types',
      'fields',
      'field_keys',
      'purposes',
      'valid_from',
      'expires_at',
      'single_use',
      'recorded_by',
      'created_at',
    ],
    writeOnce: [
      'withdrawn_at',
      'withdrawn_by',
      'withdrawal_reason',
      'withdrawal_note',
      'consumed_at',
      'consumed_by_decision_id',
      'consumed_for_referral_id',
      'expired_event_at',
    ],
  },
  {
    table: 'override',
    columns: [
      'id',
      'organization_id',
      'case_code',
      'legal_basis',
      'justification',
      'explanation_given',
      'recipient_organization_ids',
      'service_types',
      'fields',
      'field_keys',
      'purposes',
      'valid_from',
      'expires_at',
      'requested_by',
      'created_at',
    ],
    writeOnce: ['approved_by', 'approved_at', 'revoked_by', 'revoked_at'],
  },
  {
    table: 'network_policy',
    columns: ['version', 'settings', 'updated_by', 'updated_at'],
    backfillOrder: ['updated_at', 'version'],
  },
  {
    table: 'agreement_acceptance',
    columns: ['agreement_id', 'organization_id', 'accepted_by', 'accepted_at'],
    backfillOrder: ['accepted_at', 'agreement_id', 'organization_id'],
  },
  {
    table: 'override_decision',
    columns: ['override_id', 'organization_id', 'outcome', 'reason', 'decided_by', 'decided_at'],
    backfillOrder: ['decided_at', 'override_id'],
  },
];
