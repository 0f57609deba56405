export { createKeyRingCipher, envKeyRing } from './key-ring.js';
export type { KeyRingCipher, RingKey, SealedValue } from './key-ring.js';
