import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { z } from 'zod';

/** One key of a key ring: its id (stored beside each ciphertext) and 32 bytes of AES-256 key. */
export type RingKey = { id: string; key: Buffer };

/** A value sealed at rest: the id of the key that sealed it, and `iv ‖ tag ‖ ciphertext`. */
export type SealedValue = { keyId: string; ciphertext: Buffer };

export type KeyRingCipher = {
  /** Seals `plain` with the active (first) key, bound to `context` (the id of the row that holds it). */
  seal(plain: string, context: string): SealedValue;
  /** Opens a sealed value with the key it names; throws when the key is unknown or the data was altered. */
  open(sealed: { keyId: string; ciphertext: Uint8Array }, context: string): string;
};

const IV_BYTES = 12;
const TAG_BYTES = 16;

/**
 * AES-256-GCM with a key ring. `context` is the additional authenticated data,
 * so a ciphertext copied onto another row fails to open instead of leaking
 * there. The first key seals; every key opens by its id, so a key is rotated by
 * putting a new one first and keeping the old one until no row names it.
 * `what` names the ring in errors (never a key or a value).
 */
export function createKeyRingCipher(keys: readonly RingKey[], what: string): KeyRingCipher {
  const active = keys[0];
  if (active === undefined) throw new Error(`The ${what} key ring is empty`);
  const byId = new Map(keys.map((k) => [k.id, k.key]));
  return {
    seal(plain, context) {
      const iv = randomBytes(IV_BYTES);
      const cipher = createCipheriv('aes-256-gcm', active.key, iv);
      cipher.setAAD(Buffer.from(context, 'utf8'));
      const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
      return { keyId: active.id, ciphertext: Buffer.concat([iv, cipher.getAuthTag(), body]) };
    },
    open(sealed, context) {
      const key = byId.get(sealed.keyId);
      if (key === undefined) throw new Error(`${what} key ${sealed.keyId} is not in the key ring`);
      const data = Buffer.from(sealed.ciphertext);
      const decipher = createDecipheriv('aes-256-gcm', key, data.subarray(0, IV_BYTES));
      decipher.setAAD(Buffer.from(context, 'utf8'));
      decipher.setAuthTag(data.subarray(IV_BYTES, IV_BYTES + TAG_BYTES));
      return Buffer.concat([decipher.update(data.subarray(IV_BYTES + TAG_BYTES)), decipher.final()]).toString('utf8');
    },
  };
}

/**
 * A key ring in an environment variable: `kid:base64key,kid2:base64key2`, each
 * key 32 bytes, ids distinct; the first one encrypts (see {@link createKeyRingCipher}).
 */
export function envKeyRing() {
  return z.string().transform((raw, ctx): RingKey[] => {
    const keys: RingKey[] = [];
    for (const part of raw.split(',').map((p) => p.trim()).filter((p) => p !== '')) {
      const separator = part.indexOf(':');
      const id = separator > 0 ? part.slice(0, separator) : '';
      const key = Buffer.from(part.slice(separator + 1), 'base64');
      if (!/^[A-Za-z0-9_.-]{1,32}$/.test(id) || key.length !== 32 || keys.some((k) => k.id === id)) {
        ctx.addIssue({ code: 'custom', message: 'must be a list of distinct kid:base64 entries, each a 32-byte key' });
        return z.NEVER;
      }
      keys.push({ id, key });
    }
    if (keys.length === 0) {
      ctx.addIssue({ code: 'custom', message: 'must hold at least one kid:base64 key' });
      return z.NEVER;
    }
    return keys;
  });
}
