/**
 * Calls to the hub's services with the signed-in person's own access token,
 * so the services stay the only place where authorisation is decided. A
 * refusal comes back as an `ApiError` carrying the problem's words.
 */
import { randomUUID } from 'node:crypto';
import type { ConsentApi, DirectoryApi, NotificationsApi, ReferralsApi } from '@referral-hub/contracts';

export type Referral = ReferralsApi.components['schemas']['Referral'];
export type ReferralSummary = ReferralsApi.components['schemas']['ReferralSummary'];
export type ReferralSummaryPage = ReferralsApi.components['schemas']['ReferralSummaryPage'];
export type HistoryEntry = ReferralsApi.components['schemas']['HistoryEntry'];
export type KnownOrganization = ReferralsApi.components['schemas']['KnownOrganization'];
export type Service = DirectoryApi.components['schemas']['Service'];
export type Organization = DirectoryApi.components['schemas']['Organization'];
export type ServicePage = DirectoryApi.components['schemas']['ServicePage'];
export type FocalPoint = DirectoryApi.components['schemas']['FocalPoint'];
export type TaxonomyTerm = DirectoryApi.components['schemas']['TaxonomyTerm'];
export type AdminArea = DirectoryApi.components['schemas']['AdminArea'];
export type Consent = ConsentApi.components['schemas']['Consent'];
export type Preferences = NotificationsApi.components['schemas']['Preferences'];
export type PreferencesUpdate = NotificationsApi.components['schemas']['PreferencesUpdate'];
/** One message about a referral to one recipient on one channel, as the delivery log tells it (no address). */
export type Delivery = NotificationsApi.components['schemas']['Delivery'];
/** What an e-mail action link may do. */
export type ActionLinkAction = NonNullable<ReferralsApi.components['schemas']['ActionLinkAction']>;
/** What an action link's page may say about its referral: the envelope's public parts, never the child. */
export type ActionLinkReferral = ReferralsApi.components['schemas']['ActionLinkReferral'];
export type ActionLinkReason = ReferralsApi.components['schemas']['DeclineReasonOption'];
/** `GET /v1/action-links/{token}`: what the link would do; reading it changes nothing. */
export type ActionLink = ReferralsApi.components['schemas']['ActionLink'];
/** `POST /v1/action-links/{token}`: what the link did. */
export type ActionLinkOutcome = ReferralsApi.components['schemas']['ActionLinkResult'];
/** One invalid field of a refused request, as the problem names it. */
export type FieldError = { field: string; message: string };

/** A service's refusal: status, and the problem's title and detail (already in the reader's language). */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly title: string,
    readonly detail: string | undefined,
    readonly code: string | undefined,
    readonly errors: readonly FieldError[] = [],
  ) {
    super(`${status} ${code ?? ''}`);
  }
}

export type ServiceName = 'directory' | 'consent' | 'referrals' | 'notifications';

export type ApiClient = {
  get<T>(service: ServiceName, path: string): Promise<T>;
  post<T>(service: ServiceName, path: string, body: unknown, idempotencyKey?: string): Promise<T>;
  put<T>(service: ServiceName, path: string, body: unknown): Promise<T>;
  /** A multipart form (files), e.g. an HSDS tabular package. */
  postForm<T>(service: ServiceName, path: string, form: FormData, idempotencyKey?: string): Promise<T>;
  patch<T>(service: ServiceName, path: string, body: unknown): Promise<T>;
  delete<T>(service: ServiceName, path: string): Promise<T>;
  /** A response that is not JSON (e.g. `text/csv`), as text with its content type. */
  text(service: ServiceName, path: string, accept: string): Promise<{ contentType: string; body: string }>;
};

/**
 * Calls the services' public endpoints (an e-mail action link, whose token is
 * the credential): the same client, without any bearer token, so such a call
 * can never carry a person's session.
 */
export type PublicApiClient = Pick<ApiClient, 'get' | 'post'>;

const TIMEOUT_MS = 10_000;

type RawText = { contentType: string; body: string };

/** `accessToken` undefined: a public call, with no `authorization` header at all. */
function caller(urls: Record<ServiceName, string>, accessToken: (() => Promise<string>) | undefined, language: string) {
  return async <T>(service: ServiceName, path: string, init: { method: string; body?: unknown; idempotencyKey?: string; accept?: string }): Promise<T> => {
    const headers: Record<string, string> = {
      ...(accessToken === undefined ? {} : { authorization: `Bearer ${await accessToken()}` }),
      accept: init.accept === undefined ? 'application/json, application/problem+json' : `${init.accept}, application/problem+json`,
      'accept-language': language,
    };
    const isForm = init.body instanceof FormData;
    if (init.body !== undefined && !isForm) headers['content-type'] = 'application/json';
    if (init.method === 'POST') headers['idempotency-key'] = init.idempotencyKey ?? randomUUID();
    let response: Response;
    try {
      response = await fetch(`${urls[service]}${path}`, {
        method: init.method,
        headers,
        ...(init.body === undefined ? {} : { body: init.body instanceof FormData ? init.body : JSON.stringify(init.body) }),
        signal: AbortSignal.timeout(TIMEOUT_MS),
      });
    } catch {
      throw new ApiError(503, '', undefined, 'service_unreachable');
    }
    const text = await response.text();
    if (init.accept !== undefined && response.ok) return { contentType: response.headers.get('content-type') ?? '', body: text } satisfies RawText as T;
    let body: unknown;
    try {
      body = text === '' ? undefined : JSON.parse(text);
    } catch {
      body = undefined;
    }
    if (!response.ok) {
      const problem = typeof body === 'object' && body !== null ? (body as Record<string, unknown>) : {};
      throw new ApiError(
        response.status,
        typeof problem.title === 'string' ? problem.title : '',
        typeof problem.detail === 'string' ? problem.detail : undefined,
        typeof problem.code === 'string' ? problem.code : undefined,
        Array.isArray(problem.errors)
          ? problem.errors.flatMap((e: unknown) => {
              const entry = typeof e === 'object' && e !== null ? (e as Record<string, unknown>) : {};
              return typeof entry.field === 'string' && typeof entry.message === 'string' ? [{ field: entry.field, message: entry.message }] : [];
            })
          : [],
      );
    }
    return body as T;
  };
}

/** The hub's services without a person: public endpoints only (see `PublicApiClient`). */
export function publicApiClient(urls: Record<ServiceName, string>, language: string): PublicApiClient {
  const call = caller(urls, undefined, language);
  return {
    get: (service, path) => call(service, path, { method: 'GET' }),
    post: (service, path, body, idempotencyKey) => call(service, path, { method: 'POST', body, ...(idempotencyKey === undefined ? {} : { idempotencyKey }) }),
  };
}

export function apiClient(urls: Record<ServiceName, string>, accessToken: () => Promise<string>, language: string): ApiClient {
  const call = caller(urls, accessToken, language);
  return {
    get: (service, path) => call(service, path, { method: 'GET' }),
    post: (service, path, body, idempotencyKey) => call(service, path, { method: 'POST', body, ...(idempotencyKey === undefined ? {} : { idempotencyKey }) }),
    put: (service, path, body) => call(service, path, { method: 'PUT', body }),
    postForm: (service, path, form, idempotencyKey) => call(service, path, { method: 'POST', body: form, ...(idempotencyKey === undefined ? {} : { idempotencyKey }) }),
    patch: (service, path, body) => call(service, path, { method: 'PATCH', body }),
    delete: (service, path) => call(service, path, { method: 'DELETE' }),
    text: async (service, path, accept) => {
      const raw = await call<RawText>(service, path, { method: 'GET', accept });
      return { contentType: raw.contentType, body: raw.body };
    },
  };
}
