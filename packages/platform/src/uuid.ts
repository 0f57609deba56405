/**
 * The one definition of a UUID in text form (8-4-4-4-12 hexadecimal digits, either case), for
 * every id the hub checks before it reaches a query, a token or a cursor. Normalise with
 * `toLowerCase()` where the id is then stored or compared.
 */
export const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Whether `value` is a UUID in text form (see {@link UUID_PATTERN}). */
export function isUuid(value: string): boolean {
  return UUID_PATTERN.test(value);
}
