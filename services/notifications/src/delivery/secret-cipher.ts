import { createHash } from 'node:crypto';
import { createKeyRingCipher } from '@referral-hub/platform';
import type { SecretKey } from '../config.js';

/** A secret sealed at rest: the id of the key that sealed it, and `iv ‖ tag ‖ ciphertext`. */
export type SealedSecret = { keyId: string; ciphertext: Uint8Array<ArrayBuffer> };

export type SecretCipher = {
  /** Seals `secret` with the active key, bound to `context` (the subscription id). */
  seal(secret: string, context: string): SealedSecret;
  /** Opens a sealed secret with the key it names; throws when the key is unknown or the data was altered. */
  open(sealed: { keyId: string; ciphertext: Uint8Array }, context: string): string;
};

/**
 * The key ring used when `NOTIFICATIONS_SECRET_KEYS` is not set, outside
 * production only (the configuration refuses that in production): derived from
 * a fixed phrase, so it is the same at every restart and secrets stored by a
 * development run stay readable, and worth nothing as a secret.
 */
export function developmentSecretKeys(): SecretKey[] {
  return [{ id: 'dev', key: createHash('sha256').update('referral-hub notifications development secret key').digest() }];
}

/**
 * AES-256-GCM over a webhook signing secret (the platform's key-ring cipher).
 * The subscription id is the additional authenticated data, so a ciphertext
 * copied onto another subscription fails to open; keys rotate by putting a new
 * one first and keeping the old one until no row names it.
 */
export function createSecretCipher(keys: readonly SecretKey[]): SecretCipher {
  const cipher = createKeyRingCipher(keys, 'Secret');
  return {
    seal(secret, context) {
      const sealed = cipher.seal(secret, context);
      return { keyId: sealed.keyId, ciphertext: new Uint8Array(sealed.ciphertext) };
    },
    open: (sealed, context) => cipher.open(sealed, context),
  };
}

/** The signing secret of a subscription row: sealed (new rows) or, for rows written before, in clear. */
export function subscriptionSecret(
  cipher: SecretCipher,
  row: { id: string; secret: string | null; secretKeyId: string | null; secretCiphertext: Uint8Array | null },
): string {
  if (row.secretKeyId !== null && row.secretCiphertext !== null) return cipher.open({ keyId: row.secretKeyId, ciphertext: row.secretCiphertext }, row.id);
  if (row.secret !== null) return row.secret;
  throw new Error('The subscription has no secret');
}
