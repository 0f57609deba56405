export {
  auditChainMigrationSql,
  auditChainAppendFunctionSql,
  auditChainAtCommitSql,
  auditCanonicalTextSql,
  auditHashSql,
  auditChainObjectNames,
  AUDIT_CHAIN_COLUMNS,
  AUDIT_CANONICAL_SETTINGS,
  AUDIT_CHAIN_LOCK_NAMESPACE,
  AUDIT_CHAIN_PENDING_SETTING,
  AUDIT_APPEND_ONLY_MESSAGE,
} from './chain-sql.js';
export type { AuditChainMode, AuditTable } from './chain-sql.js';
export { verifyAuditChain } from './verify.js';
export type { AuditChainReport, AuditChainProblem, AuditDatabase } from './verify.js';
