import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createPayloadCipher } from '../src/domain/payload-cipher.js';

const key = (id: string) => ({ id, key: randomBytes(32) });

describe('payload encryption at rest', () => {
  it('round-trips a payload, and the ciphertext never contains the values', () => {
    const cipher = createPayloadCipher([key('k1')]);
    const sealed = cipher.seal({ 'child.firstName': 'Amani' }, 'ref-1');
    expect(sealed.keyId).toBe('k1');
    expect(sealed.ciphertext.toString('latin1')).not.toContain('Amani');
    expect(cipher.open(sealed, 'ref-1')).toEqual({ 'child.firstName': 'Amani' });
  });

  it('after rotation, new payloads use the new key and old ones still open by their key id', () => {
    const old = key('old');
    const before = createPayloadCipher([old]).seal({ a: 1 }, 'r');
    const rotated = createPayloadCipher([key('new'), old]);
    expect(rotated.seal({ b: 2 }, 'r').keyId).toBe('new');
    expect(rotated.open(before, 'r')).toEqual({ a: 1 });
  });

  it('a ciphertext moved to another referral, or altered, does not open', () => {
    const cipher = createPayloadCipher([key('k1')]);
    const sealed = cipher.seal({ a: 1 }, 'ref-1');
    expect(() => cipher.open(sealed, 'ref-2')).toThrow();
    const altered = Buffer.from(sealed.ciphertext);
    altered[altered.length - 1] = (altered[altered.length - 1] ?? 0) ^ 1;
    expect(() => cipher.open({ keyId: 'k1', ciphertext: altered }, 'ref-1')).toThrow();
    expect(() => cipher.open({ keyId: 'gone', ciphertext: sealed.ciphertext }, 'ref-1')).toThrow(/gone/);
  });
});
