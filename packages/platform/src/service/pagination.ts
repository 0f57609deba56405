import { validationError } from '../errors.js';
import { isUuid } from '../uuid.js';

/**
 * Opaque cursors for keyset pagination. A cursor is the sort key of the last
 * item of a page (e.g. `[updatedAt, id]`), base64url-encoded JSON, so pages stay
 * stable while rows are inserted and a client can never craft an offset.
 */
export function encodeCursor(position: readonly (string | number)[]): string {
  return Buffer.from(JSON.stringify(position), 'utf8').toString('base64url');
}

/** What one position of a cursor must hold, checked when it is decoded. */
export type CursorPart = 'string' | 'number' | 'uuid' | 'timestamp';

function partMatches(kind: CursorPart, value: string | number): boolean {
  switch (kind) {
    case 'string':
      return typeof value === 'string';
    case 'number':
      return typeof value === 'number' && Number.isFinite(value);
    case 'uuid':
      return typeof value === 'string' && isUuid(value);
    case 'timestamp':
      return typeof value === 'string' && !Number.isNaN(Date.parse(value));
  }
}

/**
 * Decodes a cursor made by {@link encodeCursor}. `shape` is the number of
 * positions, or what each position must hold: a hand-edited cursor whose id is
 * not a UUID is then a 400 naming `query.cursor`, not a database error.
 * @throws AppError 400 naming `query.cursor` when it is not one of ours.
 */
export function decodeCursor(cursor: string, shape: number | readonly CursorPart[]): (string | number)[] {
  const invalid = () =>
    validationError([{ field: 'query.cursor', message: 'is not a cursor returned by this API', code: 'format' }]);
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw invalid();
  }
  const arity = typeof shape === 'number' ? shape : shape.length;
  if (
    !Array.isArray(parsed) ||
    parsed.length !== arity ||
    !parsed.every((value) => typeof value === 'string' || typeof value === 'number')
  ) {
    throw invalid();
  }
  const values = parsed as (string | number)[];
  if (typeof shape !== 'number' && !shape.every((kind, index) => partMatches(kind, values[index] ?? ''))) throw invalid();
  return values;
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
