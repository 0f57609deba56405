import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import type { SecretKey } from '../config.js';

/** A secret sealed at rest: the id of the key that sealed it, and `iv ‖ tag ‖ ciphertext`. */
export type SealedSecret = { keyId: string; ciphertext: Uint8Array<ArrayBuffer> };

export type SecretCipher = {
  /** Seals `secret` with the active key, bound to `context` (the subscription id). */
  seal(secret: string, context: string): SealedSecret;
  /** Opens a sealed secret with the key it names; throws when the key is unknown or the data was altered. */
  open(sealed: { keyId: string; ciphertext: Uint8Array }, context: string): string;
};

const IV_BYTES = 12;
const TAG_BYTES = 16;

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
 * AES-256-GCM over a webhook signing secret. The subscription id is the
 * additional authenticated data, so a ciphertext copied onto another
 * subscription fails to open. The first key seals; every key opens by its id,
 * so a key is rotated by putting a new one first and keeping the old one until
 * no row names it.
 */
export function createSecretCipher(keys: readonly SecretKey[]): SecretCipher {
  const active = keys[0];
  if (active === undefined) throw new Error('The secret key ring is empty');
  const byId = new Map(keys.map((k) => [k.id, k.key]));
  return {
    seal(secret, context) {
      const iv = randomBytes(IV_BYTES);
      const cipher = createCipheriv('aes-256-gcm', active.key, iv);
      cipher.setAAD(Buffer.from(context, 'utf8'));
      const body = Buffer.concat([cipher.update(secret, 'utf8'), cipher.final()]);
      return { keyId: active.id, ciphertext: new Uint8Array(Buffer.concat([iv, cipher.getAuthTag(), body])) };
    },
    open(sealed, context) {
      const key = byId.get(sealed.keyId);
      // Never the key nor the secret in the message: only which key id is missing.
      if (key === undefined) throw new Error(`Secret key ${sealed.keyId} is not in the key ring`);
      const data = Buffer.from(sealed.ciphertext);
      const decipher = createDecipheriv('aes-256-gcm', key, data.subarray(0, IV_BYTES));
      decipher.setAAD(Buffer.from(context, 'utf8'));
      decipher.setAuthTag(data.subarray(IV_BYTES, IV_BYTES + TAG_BYTES));
      return Buffer.concat([decipher.update(data.subarray(IV_BYTES + TAG_BYTES)), decipher.final()]).toString('utf8');
    },
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
