import type { ConsentApi } from '@referral-hub/contracts';
import { createServiceCall } from '@referral-hub/platform';
import type { ServiceCallOptions } from '@referral-hub/platform';

export type DecisionRequest = ConsentApi.components['schemas']['DecisionRequest'];
export type Decision = ConsentApi.components['schemas']['Decision'];

/** The consent service as the referrals service uses it: one question, a sharing decision. */
export type ConsentGateway = {
  /** @throws UpstreamUnavailableError when the service cannot be reached or answers other than 201; callers fail closed. */
  decide(request: DecisionRequest): Promise<Decision>;
};

/**
 * `POST {CONSENT_URL}/v1/decisions` with this service's own machine token
 * (client credentials, `system` role) and a time limit, carrying the request
 * id so both services' logs tell one story.
 */
export function createConsentClient(options: ServiceCallOptions): ConsentGateway {
  const call = createServiceCall('the consent service', options);
  return {
    decide: (request) => call<Decision>('/v1/decisions', { method: 'POST', body: request, expectStatus: 201 }),
  };
}
