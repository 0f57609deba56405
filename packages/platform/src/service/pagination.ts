import { validationError } from '../errors.js';

/**
 * Opaque cursors for keyset pagination. A cursor is the sort key of the last
 * item of a page (e.g. `[updatedAt, id]`), base64url-encoded JSON, so pages stay
 * stable while rows are inserted and a client can never craft an offset.
 */
export function encodeCursor(position: readonly (string | number)[]): string {
  return Buffer.from(JSON.stringify(position), 'utf8').toString('base64url');
}

/**
 * Decodes a cursor made by {@link encodeCursor} with `arity` positions.
 * @throws AppError 400 naming `query.cursor` when it is not one of ours.
 */
export function decodeCursor(cursor: string, arity: number): (string | number)[] {
  const invalid = () =>
    validationError([{ field: 'query.cursor', message: 'is not a cursor returned by this API', code: 'format' }]);
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw invalid();
  }
  if (
    !Array.isArray(parsed) ||
    parsed.length !== arity ||
    !parsed.every((value) => typeof value === 'string' || typeof value === 'number')
  ) {
    throw invalid();
  }
  return parsed as (string | number)[];
}

/** A page of items and the cursor of the next page (null on the last page). */
export type Page<T> = { items: T[]; nextCursor: string | null };

/**
 * Cuts `rows` (fetched with `limit + 1`) into a page, deriving the next cursor
 * from the last item kept.
 */
export function toPage<Row, Item>(
  rows: readonly Row[],
  limit: number,
  position: (row: Row) => readonly (string | number)[],
  toItem: (row: Row) => Item,
): Page<Item> {
  const kept = rows.slice(0, limit);
  const last = kept[kept.length - 1];
  return {
    items: kept.map(toItem),
    nextCursor: rows.length > limit && last !== undefined ? encodeCursor(position(last)) : null,
  };
}
