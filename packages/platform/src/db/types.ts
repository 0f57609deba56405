/**
 * The slice of a Prisma client (or of an interactive-transaction client) that
 * platform code needs to write into a caller's transaction: raw SQL with
 * positional parameters ($1, $2, …). A service's generated `PrismaClient` and
 * the `tx` handed to `prisma.$transaction(async (tx) => …)` both satisfy it.
 */
export type SqlClient = {
  $executeRawUnsafe(query: string, ...values: unknown[]): PromiseLike<number>;
  $queryRawUnsafe<T = unknown>(query: string, ...values: unknown[]): PromiseLike<T>;
};

/** Runs `fn` inside one database transaction and returns its result. */
export type TransactionRunner<Tx extends SqlClient = SqlClient> = <T>(fn: (tx: Tx) => Promise<T>) => Promise<T>;
