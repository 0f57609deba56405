/**
 * The JWS algorithms a token may be signed with. Only asymmetric ones: with a
 * shared-secret algorithm (HS*) anyone holding the verification key could
 * mint tokens, and `none` means no signature at all, so both are refused
 * whatever the configuration says.
 */
export const ASYMMETRIC_ALGORITHMS = [
  'RS256',
  'RS384',
  'RS512',
  'PS256',
  'PS384',
  'PS512',
  'ES256',
  'ES384',
  'ES512',
  'EdDSA',
  'Ed25519',
] as const;

export type AsymmetricAlgorithm = (typeof ASYMMETRIC_ALGORITHMS)[number];

/** The algorithms accepted when nothing else is configured. */
export const DEFAULT_ALGORITHMS: readonly AsymmetricAlgorithm[] = ['RS256', 'ES256'];

/** Narrows an algorithm name to one of the accepted asymmetric algorithms. */
export function isAsymmetricAlgorithm(alg: unknown): alg is AsymmetricAlgorithm {
  return typeof alg === 'string' && (ASYMMETRIC_ALGORITHMS as readonly string[]).includes(alg);
}
