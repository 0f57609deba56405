import { createHash } from 'node:crypto';
import { createKeyRingCipher } from '@referral-hub/platform';
import type { RingKey } from '@referral-hub/platform';

/**
 * Seals and opens the free texts the consent service keeps (a withdrawal's note, an override's
 * legal basis, justification and explanation, a consent's form reference): written by people,
 * they may name a child, so none is kept in clear at rest (ADR 9).
 */
export type ConsentTexts = {
  /** The text as stored: `sealed:<key id>:<base64 of iv ‖ tag ‖ ciphertext>`, bound to `context`. */
  seal(plain: string, context: string): string;
  /** The text as written; a value stored in clear before texts were sealed is returned as it is. */
  open(stored: string, context: string): string;
};

const PREFIX = 'sealed:';
const SEALED = /^sealed:([A-Za-z0-9_.-]{1,32}):([A-Za-z0-9+/]+={0,2})$/;

/**
 * The additional authenticated data of one text: its table, column and row, so that a sealed
 * text copied onto another row, or into another column of the same row, fails to open.
 */
export function textContext(table: 'consent' | 'override', column: string, rowId: string): string {
  return `${table}.${column}:${rowId}`;
}

/**
 * The key ring used when `CONSENT_TEXT_KEYS` is not set, outside production only (the
 * configuration refuses that in production): derived from a fixed phrase, so texts sealed by a
 * development run stay readable after a restart, and worth nothing as a secret.
 */
export function developmentTextKeys(): RingKey[] {
  return [{ id: 'dev', key: createHash('sha256').update('referral-hub consent development text key').digest() }];
}

/**
 * AES-256-GCM with the `CONSENT_TEXT_KEYS` key ring (the platform's key-ring cipher). The sealed
 * form is kept in the same text column the clear text was, so the audit chain (ADR 10), which
 * hashes what is stored, covers the ciphertext with no change to its column lists. Rows written
 * before texts were sealed keep their text in clear (a migration cannot encrypt: SQL has no key)
 * and are read as they are.
 */
export function createConsentTexts(keys: readonly RingKey[]): ConsentTexts {
  const cipher = createKeyRingCipher(keys, 'Consent text');
  return {
    seal(plain, context) {
      const sealed = cipher.seal(plain, context);
      return `${PREFIX}${sealed.keyId}:${sealed.ciphertext.toString('base64')}`;
    },
    open(stored, context) {
      const match = SEALED.exec(stored);
      if (match === null) return stored;
      const [, keyId = '', data = ''] = match;
      return cipher.open({ keyId, ciphertext: Buffer.from(data, 'base64') }, context);
    },
  };
}
