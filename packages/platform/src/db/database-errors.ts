import { AppError, conflict, validationError } from '../errors.js';

/**
 * What PostgreSQL refused, as a SQLSTATE, wherever the error came from: `pg`
 * (its `code`), or Prisma over the `pg` adapter (a `P2…` code, with the
 * adapter's error and its `originalCode` under `meta` or `cause`).
 */
const PRISMA_TO_SQLSTATE: Readonly<Record<string, string>> = {
  P2000: '22001',
  P2002: '23505',
  P2007: '22P02',
  P2020: '22003',
};

const SQLSTATE = /^[0-9A-Z]{5}$/;

type ErrorLike = { code?: unknown; originalCode?: unknown; cause?: unknown; meta?: unknown; driverAdapterError?: unknown };

function isErrorLike(value: unknown): value is ErrorLike {
  return typeof value === 'object' && value !== null;
}

/** The SQLSTATE of a database error (pg or Prisma), or undefined for anything else. */
export function databaseErrorCode(error: unknown): string | undefined {
  let prismaCode: string | undefined;
  // Breadth-first over the few places a driver's error hides; bounded, so a cyclic cause cannot loop.
  const queue: unknown[] = [error];
  for (let visited = 0; queue.length > 0 && visited < 12; visited += 1) {
    const current = queue.shift();
    if (!isErrorLike(current)) continue;
    if (typeof current.originalCode === 'string' && SQLSTATE.test(current.originalCode)) return current.originalCode;
    if (typeof current.code === 'string') {
      if (current.code.startsWith('P') && PRISMA_TO_SQLSTATE[current.code] !== undefined) prismaCode ??= current.code;
      else if (SQLSTATE.test(current.code)) return current.code;
    }
    queue.push(current.cause, current.meta, current.driverAdapterError);
  }
  return prismaCode === undefined ? undefined : PRISMA_TO_SQLSTATE[prismaCode];
}

/** A unique constraint refused the row: another request created the same thing first. */
export function isUniqueViolation(error: unknown): boolean {
  return databaseErrorCode(error) === '23505';
}

/**
 * Values PostgreSQL refuses to store or compare (class 22: data exceptions):
 * a NUL character (22021, 22P05), a number out of range (22003), text that is
 * not of the column's type (22P02), an overlong value (22001), a malformed
 * date (22007, 22008). The request is at fault, never the server.
 */
const BAD_VALUE_CODES = new Set(['22001', '22003', '22007', '22008', '22021', '22P02', '22P05']);

/**
 * The client's error a database refusal stands for, or undefined when it is
 * the server's: a value the database cannot take is a 400, a unique violation
 * a 409. Services still refuse such input before the database where they can;
 * this keeps what slips through from answering 500.
 */
export function clientErrorForDatabaseError(error: unknown): AppError | undefined {
  if (error instanceof AppError) return undefined;
  const code = databaseErrorCode(error);
  if (code === undefined) return undefined;
  if (code === '23505') {
    return conflict('Another request created or changed the same resource at the same time; read it again.');
  }
  if (BAD_VALUE_CODES.has(code)) {
    return validationError(
      [{ field: 'request', message: 'holds a value that cannot be stored (a NUL character, a number out of range or a malformed value)', code: 'invalid_value' }],
      'The request holds a value that cannot be stored.',
    );
  }
  return undefined;
}
