export type { SqlClient, TransactionRunner } from './types.js';
export { createPool, databaseHealthCheck } from './pool.js';
export type { CreatePoolOptions, PoolErrorLogger } from './pool.js';
export {
  migrate,
  ensureDatabase,
  readMigrations,
  migrationChecksum,
  checksumMatches,
  splitDatabaseUrl,
  quoteIdentifier,
  MIGRATION_ADVISORY_LOCK_KEY,
  MigrationError,
  MigrationChecksumError,
  MigrationMissingLocallyError,
  MigrationPreviouslyFailedError,
  MigrationApplyError,
  MigrationLockTimeoutError,
} from './migrate.js';
export type { MigrateOptions, MigrateResult, MigrationLogger, LocalMigration, EnsureDatabaseOptions } from './migrate.js';
export { runMigrationsCli } from './migrate-cli.js';
export type { MigrationsCliIo } from './migrate-cli.js';
export { checkSchemaDrift, compareSchema } from './drift.js';
export type { CheckSchemaDriftOptions, SchemaDriftProblem, SchemaDriftKind, DatabaseSnapshot, DbTable, DbColumn, DbIndex } from './drift.js';
export { parsePrismaSchema, PrismaSchemaParseError, PRISMA_SCALAR_TYPES } from './prisma-schema.js';
export type {
  PrismaSchema,
  PrismaModel,
  PrismaField,
  PrismaFieldKind,
  PrismaEnum,
  PrismaEnumValue,
  PrismaNativeType,
  PrismaScalarType,
} from './prisma-schema.js';
export { clientErrorForDatabaseError, databaseErrorCode, isUniqueViolation } from './database-errors.js';
