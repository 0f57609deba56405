import type { AuditTable } from '@referral-hub/platform';

/**
 * The directory's audit records (ADR 10): the change history says who changed
 * which fields of what, and when. It is hash-chained by the database
 * (migration `audit_chain`) and checked by `scripts/audit-verify.ts`; the
 * directory's entities themselves are mutable and are not.
 *
 * The migration holds `auditChainMigrationSql` of each entry, and a test keeps
 * the two equal: never change an entry whose table has rows (ADR 10).
 */
export const AUDIT_TABLES: readonly AuditTable[] = [
  {
    table: 'change_history',
    columns: ['id', 'entity_type', 'entity_id', 'organization_id', 'change', 'changed_fields', 'version', 'actor_user_id', 'actor_org_id', 'at'],
    backfillOrder: ['at', 'id'],
  },
];
