import { randomBytes } from 'node:crypto';
import type { ServiceTokenProvider } from '@referral-hub/platform';
import type { ServiceTestEnv } from '@referral-hub/testkit';

/** A payload key ring for tests: one fresh 256-bit key. */
export function testPayloadKeys(): string {
  return `test1:${randomBytes(32).toString('base64')}`;
}

/** The variables the referrals service needs on top of the test env's. */
export function referralsExtraEnv(consentUrl = 'http://127.0.0.1:9', directoryUrl = 'http://127.0.0.1:9'): Record<string, string> {
  return {
    CONSENT_URL: consentUrl,
    DIRECTORY_URL: directoryUrl,
    CONSENT_TIMEOUT_MS: '2000',
    AUTH_CLIENT_TOKEN_URL: 'http://127.0.0.1:9/token',
    AUTH_CLIENT_ID: 'referrals-service',
    AUTH_CLIENT_SECRET: 'not-used-in-tests',
    REFERRAL_PAYLOAD_KEYS: testPayloadKeys(),
  };
}

/** The referrals service's machine token, signed by the test issuer as the identity provider would. */
export function testServiceTokens(testEnv: ServiceTestEnv, organizationId: string): ServiceTokenProvider {
  return { getToken: () => testEnv.issuer.sign({ sub: 'referrals-service', org: organizationId, roles: ['system'] }) };
}
