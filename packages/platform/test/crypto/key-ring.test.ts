import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createKeyRingCipher, envKeyRing } from '../../src/crypto/key-ring.js';

const key = (id: string) => ({ id, key: randomBytes(32) });

describe('the key-ring cipher', () => {
  it('opens what it sealed, in the same context only, and never shows the plain text in the ciphertext', () => {
    const cipher = createKeyRingCipher([key('k1')], 'Test');
    const sealed = cipher.seal('Keza Ndayisenga', 'row-1');
    expect(sealed.keyId).toBe('k1');
    expect(sealed.ciphertext.toString('latin1')).not.toContain('Keza');
    expect(cipher.open(sealed, 'row-1')).toBe('Keza Ndayisenga');
    expect(() => cipher.open(sealed, 'row-2')).toThrow();
    const tampered = Buffer.from(sealed.ciphertext);
    tampered[tampered.length - 1] = (tampered[tampered.length - 1] ?? 0) ^ 1;
    expect(() => cipher.open({ keyId: 'k1', ciphertext: tampered }, 'row-1')).toThrow();
  });

  it('rotates: a new first key seals, the old one still opens; a key no longer in the ring is named, not shown', () => {
    const old = key('old');
    const before = createKeyRingCipher([old], 'Test').seal('secret', 'row');
    const rotated = createKeyRingCipher([key('new'), old], 'Test');
    expect(rotated.seal('secret', 'row').keyId).toBe('new');
    expect(rotated.open(before, 'row')).toBe('secret');
    expect(() => createKeyRingCipher([key('new')], 'Test').open(before, 'row')).toThrow('Test key old is not in the key ring');
    expect(() => createKeyRingCipher([], 'Test')).toThrow('The Test key ring is empty');
  });

  it('reads kid:base64 lists from the environment and refuses anything else', () => {
    const a = randomBytes(32).toString('base64');
    const b = randomBytes(32).toString('base64');
    const parsed = envKeyRing().parse(`k2:${b}, k1:${a}`);
    expect(parsed.map((k) => k.id)).toEqual(['k2', 'k1']);
    expect(parsed[1]?.key.toString('base64')).toBe(a);
    for (const bad of ['', `k1:${a},k1:${b}`, `k1:${randomBytes(16).toString('base64')}`, a, `bad id:${a}`]) {
      expect(envKeyRing().safeParse(bad).success, bad).toBe(false);
    }
  });
});
