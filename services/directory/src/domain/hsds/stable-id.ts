import { createHash } from 'node:crypto';

/**
 * A UUID derived from a name (RFC 9562 version 5 layout over SHA-1), for HSDS
 * records the directory has no row for (languages, phones, attributes…): the
 * same input gives the same id on every export, so consumers can diff.
 */
export function stableUuid(...parts: readonly string[]): string {
  const hash = createHash('sha1').update(`referral-hub:directory:${parts.join(':')}`).digest();
  hash[6] = ((hash[6] ?? 0) & 0x0f) | 0x50;
  hash[8] = ((hash[8] ?? 0) & 0x3f) | 0x80;
  const hex = hash.subarray(0, 16).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}
