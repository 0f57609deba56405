import type { ReferralRow } from '../data-access/referrals.js';
import type { PayloadCipher } from './payload-cipher.js';

/** The columns that hold a referral's need text at rest. */
export type SealedNeedText = { needText: null; needTextKeyId: string; needTextCiphertext: Uint8Array<ArrayBuffer> };

/**
 * The need's free text is written by a caseworker and may name the child: it is
 * sealed at rest with the payload key ring, bound to the referral id, and never
 * stored in clear.
 */
export function sealNeedText(cipher: PayloadCipher, text: string, referralId: string): SealedNeedText {
  const sealed = cipher.seal(text, referralId);
  return { needText: null, needTextKeyId: sealed.keyId, needTextCiphertext: new Uint8Array(sealed.ciphertext) };
}

/** The need's text of a stored referral: opened from its sealed columns, or a legacy row's clear text not yet backfilled. */
export function openNeedText(cipher: PayloadCipher, row: Pick<ReferralRow, 'id' | 'needText' | 'needTextKeyId' | 'needTextCiphertext'>): string | null {
  if (row.needTextKeyId !== null && row.needTextCiphertext !== null) {
    return String(cipher.open({ keyId: row.needTextKeyId, ciphertext: Buffer.from(row.needTextCiphertext) }, row.id));
  }
  return row.needText;
}
