import { createHash } from 'node:crypto';
import type { ReferralsApi } from '@referral-hub/contracts';
import { createServiceCall, UpstreamUnavailableError } from '@referral-hub/platform';
import type { ServiceCallOptions } from '@referral-hub/platform';
import type { Language } from '../domain/messages/templates.js';
import { REFERRALS } from './referrals-client.js';

type Schemas = ReferralsApi.components['schemas'];

/** `POST /v1/phone-actions` of the referrals service: one step asked from a phone (the contract's own type). */
export type PhoneActionRequest = Schemas['PhoneActionInput'];
export type PhoneActionOutcome = Schemas['PhoneActionResult']['outcome'];
export type PhoneActionResult = Schemas['PhoneActionResult'];
/** One referral waiting for the sender's organisations (`POST /v1/phone-inbox`). */
export type PhoneInboxItem = Schemas['PhoneInbox']['items'][number];
export type PhoneInbox = Schemas['PhoneInbox'];

/** The referrals service as the phone channels see it: who a number is, what is waiting, and the steps. */
export type ReferralsPhone = {
  act(request: PhoneActionRequest): Promise<PhoneActionResult>;
  inbox(phone: string): Promise<PhoneInbox>;
};

const language = (value: unknown): Language => (value === 'en' ? 'en' : 'fr');

/** A request key as the referrals service takes it (1 to 200 characters): hashed when longer, the same key giving the same hash. */
export function boundedRequestKey(key: string): string {
  return key.length <= 200 ? key : `sha256:${createHash('sha256').update(key).digest('base64url')}`;
}

/**
 * The referrals service's two machine endpoints for the phone channels, called with this service's own
 * token (client credentials, like the notification context). Any failure throws
 * {@link UpstreamUnavailableError}: the callback is then answered 503 so that the provider tries again.
 */
export function createReferralsPhoneClient(options: ServiceCallOptions): ReferralsPhone {
  const call = createServiceCall(REFERRALS, options);
  return {
    async act(request) {
      const body = await call<PhoneActionResult>('/v1/phone-actions', { method: 'POST', body: { ...request, requestKey: boundedRequestKey(request.requestKey) } });
      if (typeof body.outcome !== 'string') throw new UpstreamUnavailableError(REFERRALS, 'The referrals service answered without an outcome');
      return { ...body, language: language(body.language), referral: body.referral ?? null };
    },
    async inbox(phone) {
      const body = await call<PhoneInbox>('/v1/phone-inbox', { method: 'POST', body: { phone } });
      if (body.outcome !== 'ok' && body.outcome !== 'unknown_sender') throw new UpstreamUnavailableError(REFERRALS, 'The referrals service answered without an outcome');
      return { outcome: body.outcome, language: language(body.language), items: Array.isArray(body.items) ? body.items : [] };
    },
  };
}
