import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

/** A key of the payload key ring (see `REFERRAL_PAYLOAD_KEYS`). */
export type CipherKey = { id: string; key: Buffer };

/** A value sealed at rest: the id of the key that sealed it, and `iv ‖ tag ‖ ciphertext`. */
export type Sealed = { keyId: string; ciphertext: Buffer };

export type PayloadCipher = {
  /** Seals a JSON value with the active key, bound to `context` (the referral id). */
  seal(value: unknown, context: string): Sealed;
  /** Opens a sealed value with the key it names; throws when the key is unknown or the data was altered. */
  open(sealed: Sealed, context: string): unknown;
};

const IV_BYTES = 12;
const TAG_BYTES = 16;

/**
 * AES-256-GCM over the JSON of a value. The referral id is the additional
 * authenticated data, so a ciphertext copied onto another referral fails to
 * open instead of leaking there. The first key seals; every key opens by its
 * id, so a key is rotated by putting a new one first and keeping the old one
 * until no row names it.
 */
export function createPayloadCipher(keys: readonly CipherKey[]): PayloadCipher {
  const active = keys[0];
  if (active === undefined) throw new Error('The payload key ring is empty');
  const byId = new Map(keys.map((k) => [k.id, k.key]));
  return {
    seal(value, context) {
      const iv = randomBytes(IV_BYTES);
      const cipher = createCipheriv('aes-256-gcm', active.key, iv);
      cipher.setAAD(Buffer.from(context, 'utf8'));
      const body = Buffer.concat([cipher.update(JSON.stringify(value), 'utf8'), cipher.final()]);
      return { keyId: active.id, ciphertext: Buffer.concat([iv, cipher.getAuthTag(), body]) };
    },
    open(sealed, context) {
      const key = byId.get(sealed.keyId);
      // Never the key itself nor the data in the message: only which key id is missing.
      if (key === undefined) throw new Error(`Payload key ${sealed.keyId} is not in the key ring`);
      const iv = sealed.ciphertext.subarray(0, IV_BYTES);
      const tag = sealed.ciphertext.subarray(IV_BYTES, IV_BYTES + TAG_BYTES);
      const decipher = createDecipheriv('aes-256-gcm', key, iv);
      decipher.setAAD(Buffer.from(context, 'utf8'));
      decipher.setAuthTag(tag);
      const plain = Buffer.concat([decipher.update(sealed.ciphertext.subarray(IV_BYTES + TAG_BYTES)), decipher.final()]);
      return JSON.parse(plain.toString('utf8')) as unknown;
    },
  };
}
