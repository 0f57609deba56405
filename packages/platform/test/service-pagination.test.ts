import { describe, expect, it } from 'vitest';
import { AppError, decodeCursor, encodeCursor, toPage } from '../src/index.js';

function fieldOf(error: unknown): string | undefined {
  return error instanceof AppError ? error.errors?.[0]?.field : undefined;
}

describe('keyset pagination cursors', () => {
  it('round-trip the sort key of the last item', () => {
    const cursor = encodeCursor(['2026-11-23T10:00:00.000Z', '0b0c4b1e-2f3a-4c5d-8e9f-001122334455']);
    expect(decodeCursor(cursor, ['timestamp', 'uuid'])).toEqual(['2026-11-23T10:00:00.000Z', '0b0c4b1e-2f3a-4c5d-8e9f-001122334455']);
  });

  it.each([
    ['not base64 JSON', '%%%'],
    ['the wrong number of positions', encodeCursor(['a'])],
    ['an id that is not a UUID', encodeCursor(['Alpha', "1' OR '1'='1"])],
    ['a date that is not one', encodeCursor(['yesterday', '0b0c4b1e-2f3a-4c5d-8e9f-001122334455'])],
  ])('refuse %s with a 400 naming query.cursor', (_what, cursor) => {
    const shape = cursor === encodeCursor(['Alpha', "1' OR '1'='1"]) ? (['string', 'uuid'] as const) : (['timestamp', 'uuid'] as const);
    let caught: unknown;
    try {
      decodeCursor(cursor, shape);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(AppError);
    expect((caught as AppError).status).toBe(400);
    expect(fieldOf(caught)).toBe('query.cursor');
  });

  it('cut one extra row into a page with the next cursor, and none on the last page', () => {
    const rows = [1, 2, 3].map((n) => ({ n }));
    const page = toPage(rows, 2, (row) => [row.n], (row) => row.n);
    expect(page.items).toEqual([1, 2]);
    expect(decodeCursor(page.nextCursor ?? '', ['number'])).toEqual([2]);
    expect(toPage(rows.slice(0, 2), 2, (row) => [row.n], (row) => row.n).nextCursor).toBeNull();
  });
});
