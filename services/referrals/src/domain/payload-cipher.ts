import { createKeyRingCipher } from '@referral-hub/platform';
import type { RingKey } from '@referral-hub/platform';

/** A key of the payload key ring (see `REFERRAL_PAYLOAD_KEYS`). */
export type CipherKey = RingKey;

/** A value sealed at rest: the id of the key that sealed it, and `iv ‖ tag ‖ ciphertext`. */
export type Sealed = { keyId: string; ciphertext: Buffer };

export type PayloadCipher = {
  /** Seals a JSON value with the active key, bound to `context` (the referral id). */
  seal(value: unknown, context: string): Sealed;
  /** Opens a sealed value with the key it names; throws when the key is unknown or the data was altered. */
  open(sealed: Sealed, context: string): unknown;
};

/**
 * AES-256-GCM over the JSON of a value (the platform's key-ring cipher). The
 * referral id is the additional authenticated data, so a ciphertext copied onto
 * another referral fails to open instead of leaking there; keys rotate by
 * putting a new one first (ADR 9).
 */
export function createPayloadCipher(keys: readonly CipherKey[]): PayloadCipher {
  const cipher = createKeyRingCipher(keys, 'Payload');
  return {
    seal: (value, context) => cipher.seal(JSON.stringify(value), context),
    open: (sealed, context) => JSON.parse(cipher.open(sealed, context)) as unknown,
  };
}
