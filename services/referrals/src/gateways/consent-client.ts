import type { ConsentApi } from '@referral-hub/contracts';
import { currentRequestId, REQUEST_ID_HEADER } from '@referral-hub/platform';
import type { ServiceTokenProvider } from '@referral-hub/platform';

export type DecisionRequest = ConsentApi.components['schemas']['DecisionRequest'];
export type Decision = ConsentApi.components['schemas']['Decision'];

/** The consent service as the referrals service uses it: one question, a sharing decision. */
export type ConsentGateway = {
  /** @throws ConsentUnavailableError when the service cannot be reached or answers other than 201. */
  decide(request: DecisionRequest): Promise<Decision>;
};

/** The consent service could not give a decision; callers fail closed. */
export class ConsentUnavailableError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ConsentUnavailableError';
  }
}

/**
 * `POST {CONSENT_URL}/v1/decisions` with this service's own machine token
 * (client credentials, `system` role) and a time limit, carrying the request
 * id so both services' logs tell one story.
 */
export function createConsentClient(options: { baseUrl: string; tokens: ServiceTokenProvider; timeoutMs: number }): ConsentGateway {
  const url = new URL('/v1/decisions', options.baseUrl);
  return {
    async decide(request) {
      let response: Response;
      try {
        const token = await options.tokens.getToken();
        const requestId = currentRequestId();
        response = await fetch(url, {
          method: 'POST',
          headers: {
            authorization: `Bearer ${token}`,
            'content-type': 'application/json',
            ...(requestId === undefined ? {} : { [REQUEST_ID_HEADER]: requestId }),
          },
          body: JSON.stringify(request),
          signal: AbortSignal.timeout(options.timeoutMs),
        });
      } catch (error) {
        throw new ConsentUnavailableError('The consent service could not be reached', { cause: error });
      }
      if (response.status !== 201) {
        // The body is a problem document without case data; only its status is kept.
        await response.body?.cancel();
        throw new ConsentUnavailableError(`The consent service answered ${response.status}`);
      }
      return (await response.json()) as Decision;
    },
  };
}
