/**
 * The demo case, step by step, against a running hub, through its HTTP APIs
 * only, each step as the person who takes it. `walkthrough.ts` prints the
 * steps for people; the end-to-end tests (tests/e2e) assert them, and may
 * stop or break a service between two steps.
 *
 * A run is a new case (a new case code): the same hub can be walked through
 * any number of times.
 */
import type { ConsentApi, DirectoryApi, NotificationsApi, ReferralsApi } from '@referral-hub/contracts';
import { DEV_AUDIENCE_DEFAULT, DEV_ISSUER_DEFAULT, defaultDevIdentityDir, mintDevToken } from '@referral-hub/platform';
import type { Locale } from '@referral-hub/platform';
import { DEMO_CHILD_AGE, DEMO_PAYLOAD, DEMO_PEOPLE, DEMO_SEARCH, DEMO_SHARING, newDemoCaseCode } from './case.js';
import type { DemoPerson, DemoPersonKey } from './case.js';
import { DemoError, waitForMessage } from './mailbox.js';
import type { DeliveredMessage, Mailbox } from './mailbox.js';
import type { DemoOrganizationKey } from './network.js';
import { findDemoOrganizations } from './seed.js';
import type { DemoClaims } from './seed.js';

type R = ReferralsApi.components['schemas'];
type C = ConsentApi.components['schemas'];
type D = DirectoryApi.components['schemas'];
export type Referral = R['Referral'];
export type HistoryEntry = R['HistoryEntry'];
export type AccessLogEntry = R['AccessLogEntry'];
export type Consent = C['Consent'];
export type CaseContext = C['CaseContext'];
export type Service = D['Service'];
export type Preferences = NotificationsApi.components['schemas']['Preferences'];

/** The two agencies the child is referred to. */
export type Recipient = 'clinic' | 'dppe';
export const RECIPIENTS: readonly Recipient[] = ['clinic', 'dppe'];

export type HubEndpoints = {
  directoryUrl: string;
  consentUrl: string;
  referralsUrl: string;
  notificationsUrl: string;
};

/** The claims of a person's token (what an identity provider would put in it). */
export type TokenClaims = DemoClaims & { email?: string; phoneNumber?: string; locale?: Locale; supervisorUserId?: string };
export type TokenSource = (claims: TokenClaims) => Promise<string>;

/** Tokens signed with the development identity's key, as `npm run token` signs them. */
export function devTokenSource(options: { dir?: string; issuer?: string; audience?: string } = {}): TokenSource {
  return (claims) =>
    mintDevToken({
      dir: options.dir ?? defaultDevIdentityDir(),
      issuer: options.issuer ?? DEV_ISSUER_DEFAULT,
      audience: options.audience ?? DEV_AUDIENCE_DEFAULT,
      organizationId: claims.org,
      roles: claims.roles,
      userId: claims.sub,
      expiresIn: '30m',
      ...(claims.name === undefined ? {} : { name: claims.name }),
      ...(claims.email === undefined ? {} : { email: claims.email }),
      ...(claims.phoneNumber === undefined ? {} : { phoneNumber: claims.phoneNumber }),
      ...(claims.locale === undefined ? {} : { locale: claims.locale }),
      ...(claims.supervisorUserId === undefined ? {} : { supervisorUserId: claims.supervisorUserId }),
    });
}

/**
 * The outcomes the lead is told about, and how the French message names
 * each: the e-mail's subject, and words of the SMS (SMS are GSM-7, where
 * ç becomes c).
 */
export const LEAD_OUTCOMES = {
  acknowledged: { subject: (code: string) => `Référencement ${code} reçu`, sms: /bien re[çc]u par/ },
  accepted: { subject: (code: string) => `Référencement ${code} accepté`, sms: /accepté par/ },
  started: { subject: (code: string) => `Référencement ${code} : service commencé`, sms: /a commencé/ },
  completed: { subject: (code: string) => `Référencement ${code} : service fourni`, sms: /a fourni/ },
  access_revoked: { subject: (code: string) => `Référencement ${code} : accès retiré`, sms: /fin de consentement/ },
} as const;
export type LeadOutcome = keyof typeof LEAD_OUTCOMES;

/** Whether `message` is the lead's French message about `outcome` of the referral `code`. */
export function isOutcomeMessage(message: DeliveredMessage, code: string, outcome: LeadOutcome): boolean {
  const words = LEAD_OUTCOMES[outcome];
  if (message.channel === 'email') return message.subject === words.subject(code);
  return message.text.includes(code) && words.sms.test(message.text);
}

export type RecipientAction = 'acknowledge' | 'accept' | 'start' | 'complete';

export type Person = DemoPerson & { organizationId: string };

export type RecordedConsents = {
  context: CaseContext;
  /** By who gave it, then by recipient. */
  caregiver: Record<Recipient, Consent>;
  child: Record<Recipient, Consent>;
};

export type FoundService = { chosen: Service; results: Service[]; query: string };

/** One read of a referral by a recipient, as its reader got it. */
export type RecipientRead = { recipient: Recipient; referralId: string; readerUserId: string; fieldKeys: string[]; payload: Record<string, unknown> };

export type DemoCaseOptions = {
  hub: HubEndpoints;
  token: TokenSource;
  mailbox: Mailbox;
  /** A new one per run by default. */
  caseCode?: string;
  /** The longest wait for an asynchronous effect (a message, a revocation). Default 60 s. */
  timeoutMs?: number;
  /**
   * The notifications service's `PHONE_CALLBACK_KEY`: a focal point's SMS reply
   * reaches the hub through the SMS gateway's callback with it. Without it, no
   * reply by SMS can be made.
   */
  phoneCallbackKey?: string;
};

/** What the notifications service answered to an SMS reply delivered by the gateway's callback. */
export type SmsReplyAnswer = { status: number; outcome: string | null };

type ServiceName = 'directory' | 'consent' | 'referrals' | 'notifications';

const REQUEST_TIMEOUT_MS = 15_000;

/** The problem+json of an answer, in one line. */
function describeProblem(body: unknown): string {
  if (typeof body !== 'object' || body === null) return '';
  const problem = body as { title?: unknown; detail?: unknown; errors?: unknown };
  const parts = [problem.title, problem.detail].filter((p): p is string => typeof p === 'string');
  if (Array.isArray(problem.errors)) {
    for (const error of problem.errors as { field?: unknown; message?: unknown }[]) {
      if (typeof error.field === 'string' && typeof error.message === 'string') parts.push(`${error.field} ${error.message}`);
    }
  }
  return parts.join('; ');
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * One run of the demo case. Create it with {@link DemoCase.open}, then call
 * the steps in the order of the story (each needs the ones before it).
 */
export class DemoCase {
  /** When the run began: messages older than this belong to other runs. */
  readonly startedAt = new Date();
  readonly caseCode: string;
  readonly people: Readonly<Record<DemoPersonKey, Person>>;
  readonly organizations: Readonly<Record<DemoOrganizationKey, string>>;
  readonly timeoutMs: number;
  consents: RecordedConsents | undefined;
  services: Partial<Record<Recipient, FoundService>> = {};
  readonly referrals: Partial<Record<Recipient, Referral>> = {};
  /** Every read by a recipient, oldest first: what the access log must list. */
  readonly reads: RecipientRead[] = [];

  private constructor(
    private readonly options: DemoCaseOptions,
    organizations: Record<DemoOrganizationKey, string>,
  ) {
    this.caseCode = options.caseCode ?? newDemoCaseCode();
    this.organizations = organizations;
    this.timeoutMs = options.timeoutMs ?? 60_000;
    const people = {} as Record<DemoPersonKey, Person>;
    for (const person of Object.values(DEMO_PEOPLE)) people[person.key] = { ...person, organizationId: organizations[person.organizationKey] };
    this.people = people;
  }

  /**
   * Checks that the four services answer and finds the demo network's
   * organisations in the directory.
   * @throws DemoError (exit code 2) when a service does not answer or the demo network is missing.
   */
  static async open(options: DemoCaseOptions): Promise<DemoCase> {
    const services: [ServiceName, string][] = [
      ['directory', options.hub.directoryUrl],
      ['consent', options.hub.consentUrl],
      ['referrals', options.hub.referralsUrl],
      ['notifications', options.hub.notificationsUrl],
    ];
    await Promise.all(
      services.map(async ([name, url]) => {
        const answer = await fetch(new URL('/livez', url), { signal: AbortSignal.timeout(5_000) }).catch(() => undefined);
        if (answer === undefined) throw new DemoError(`The ${name} service does not answer at ${url}: is the hub running? Start it with \`npm start\`.`, 2);
        await answer.arrayBuffer();
        if (answer.status !== 200) throw new DemoError(`The ${name} service at ${url} answered ${answer.status} to /livez: is it still starting?`, 2);
      }),
    );
    let organizations: Record<DemoOrganizationKey, string> | null;
    try {
      organizations = await findDemoOrganizations({ directoryUrl: options.hub.directoryUrl, token: options.token });
    } catch (error) {
      throw new DemoError(`The directory refused the demo's token (${error instanceof Error ? error.message : String(error)}): does this hub trust the development identity?`, 2);
    }
    if (organizations === null) {
      throw new DemoError('The demo network is not in this hub: seed it with `npm run seed:demo` (npm start does it the first time).', 2);
    }
    return new DemoCase(options, organizations);
  }

  /** The claims of a person's token. */
  claimsOf(key: DemoPersonKey): TokenClaims {
    const person = this.people[key];
    return {
      sub: person.userId,
      org: person.organizationId,
      roles: person.roles,
      name: person.name,
      email: person.email,
      ...(person.phone === null ? {} : { phoneNumber: person.phone }),
      locale: person.locale,
      ...(person.supervisorUserId === undefined ? {} : { supervisorUserId: person.supervisorUserId }),
    };
  }

  private async request(who: DemoPersonKey, service: ServiceName, method: string, path: string, body?: unknown): Promise<{ status: number; body: unknown }> {
    const base = this.baseUrl(service);
    const token = await this.options.token(this.claimsOf(who));
    let response: Response;
    try {
      response = await fetch(new URL(path, base), {
        method,
        headers: {
          authorization: `Bearer ${token}`,
          accept: 'application/json',
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
    } catch {
      throw new DemoError(`The ${service} service does not answer at ${base} (${method} ${path}): is the hub still running?`, 2);
    }
    const text = await response.text();
    let parsed: unknown;
    try {
      parsed = text === '' ? undefined : JSON.parse(text);
    } catch {
      parsed = undefined;
    }
    return { status: response.status, body: parsed };
  }

  private async call<T>(who: DemoPersonKey, service: ServiceName, method: string, path: string, body?: unknown, expected: readonly number[] = [200, 201]): Promise<T> {
    const answer = await this.request(who, service, method, path, body);
    if (!expected.includes(answer.status)) {
      const problem = describeProblem(answer.body);
      throw new DemoError(`${service}: ${method} ${path} as ${this.people[who].name} answered ${answer.status}${problem === '' ? '' : ` (${problem})`}`);
    }
    return answer.body as T;
  }

  private baseUrl(service: ServiceName): string {
    const hub = this.options.hub;
    return { directory: hub.directoryUrl, consent: hub.consentUrl, referrals: hub.referralsUrl, notifications: hub.notificationsUrl }[service];
  }

  private focalPointOf(recipient: Recipient): DemoPersonKey {
    return recipient === 'clinic' ? 'clinicFocalPoint' : 'dppeFocalPoint';
  }

  /** The referral to `recipient`, once made. */
  referral(recipient: Recipient): Referral {
    const referral = this.referrals[recipient];
    if (referral === undefined) throw new Error(`no referral to the ${recipient} yet: refer first`);
    return referral;
  }

  /** Polls `probe` until it returns a value, or fails naming `what` after the timeout. */
  async waitFor<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = this.timeoutMs): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const value = await probe();
      if (value !== undefined) return value;
      if (Date.now() > deadline) throw new DemoError(`Gave up waiting ${Math.round(timeoutMs / 1000)} s for ${what}.`);
      await sleep(250);
    }
  }

  /**
   * The lead chooses to be told by e-mail and SMS, in French; her
   * supervisor by e-mail. Storing preferences also stores the work contact
   * of each one's token, which is how the supervisor is reached.
   */
  async chooseChannels(): Promise<Record<'lead' | 'supervisor', Preferences>> {
    const lead = await this.call<Preferences>('lead', 'notifications', 'PUT', '/v1/me/preferences', { channels: ['email', 'sms'], language: 'fr' });
    const supervisor = await this.call<Preferences>('supervisor', 'notifications', 'PUT', '/v1/me/preferences', { channels: ['email'], language: 'fr' });
    return { lead, supervisor };
  }

  /**
   * The lead records the case's consent context (a 12-year-old whose
   * caregiver can be asked: both must agree), then the caregiver's consent
   * and the child's assent: identity and health to the clinic, the case
   * summary only to the department, for referral, for 90 days.
   */
  async recordConsents(): Promise<RecordedConsents> {
    const caseCode = encodeURIComponent(this.caseCode);
    const context = await this.call<CaseContext>('lead', 'consent', 'PUT', `/v1/cases/${caseCode}/context`, { childAge: DEMO_CHILD_AGE, caregiverCanBeAsked: true });
    const expiresAt = new Date(Date.now() + 90 * 86_400_000).toISOString();
    const record = (givenBy: 'caregiver' | 'child', recipient: Recipient) =>
      this.call<Consent>('lead', 'consent', 'POST', '/v1/consents', {
        caseCode: this.caseCode,
        givenBy,
        ...(givenBy === 'caregiver' ? { caregiverRelationship: 'aunt_or_uncle', kind: 'consent' } : { kind: 'assent' }),
        method: 'written',
        explainedInLanguage: 'fr',
        scope: {
          recipientOrganizationIds: [this.organizations[recipient === 'clinic' ? 'ubuzima' : 'dppe']],
          fields: [...DEMO_SHARING[recipient]],
          purposes: ['referral'],
        },
        expiresAt,
      });
    this.consents = {
      context,
      caregiver: { clinic: await record('caregiver', 'clinic'), dppe: await record('caregiver', 'dppe') },
      child: { clinic: await record('child', 'clinic'), dppe: await record('child', 'dppe') },
    };
    return this.consents;
  }

  /** The lead searches the directory: medical care, then case management, where the child lives. */
  async findServices(): Promise<Record<Recipient, FoundService>> {
    const search = async (recipient: Recipient): Promise<FoundService> => {
      const { type, organizationKey } = DEMO_SEARCH[recipient];
      const query = `/v1/services?type=${type}&area=${DEMO_SEARCH.area}&age=${DEMO_CHILD_AGE}&acceptsReferrals=true&limit=20`;
      const page = await this.call<D['ServicePage']>('lead', 'directory', 'GET', query);
      const chosen = page.items.find((s) => s.organizationId === this.organizations[organizationKey]);
      if (chosen === undefined) throw new DemoError(`The directory search ${query} did not list the ${organizationKey} service the demo refers to.`);
      return { chosen, results: page.items, query };
    };
    const found = { clinic: await search('clinic'), dppe: await search('dppe') };
    this.services = found;
    return found;
  }

  /**
   * The lead creates the referral to `recipient` with the case's payload,
   * then submits it: the consent service decides what goes. Waits first until
   * the referrals service has learnt the recipient organisation from the
   * directory (it follows the directory's events).
   */
  async refer(recipient: Recipient): Promise<{ draft: Referral; submitted: Referral }> {
    const service = this.services[recipient]?.chosen;
    if (service === undefined) throw new Error('find the services first');
    await this.waitFor(`the referrals service to know ${service.organizationId}`, async () => {
      const answer = await this.request('lead', 'referrals', 'GET', `/v1/known-organizations/${service.organizationId}`);
      return answer.status === 200 && (answer.body as { name?: unknown }).name !== null ? true : undefined;
    });
    const body = {
      caseCode: this.caseCode,
      recipientOrganizationId: service.organizationId,
      recipientServiceId: service.id,
      ...(service.types[0] === undefined ? {} : { recipientServiceType: service.types[0] }),
      urgency: recipient === 'clinic' ? 'high' : 'medium',
      need:
        recipient === 'clinic'
          ? { category: 'unaccompanied_or_separated', text: 'Bilan de santé pédiatrique demandé.' }
          : { category: 'unaccompanied_or_separated', text: 'Évaluation en vue d’une prise en charge par l’autorité publique.' },
      caseCategories: ['psychosocial_distress'],
      payload: DEMO_PAYLOAD,
    };
    // The service itself may be announced a moment after its organisation.
    const draft = await this.waitFor(`the referrals service to know the service ${service.id}`, async () => {
      const answer = await this.request('lead', 'referrals', 'POST', '/v1/referrals', body);
      if (answer.status === 201) return answer.body as Referral;
      if (answer.status === 422 && describeProblem(answer.body).includes('recipientServiceId')) return undefined;
      throw new DemoError(`referrals: POST /v1/referrals answered ${answer.status} (${describeProblem(answer.body)})`);
    });
    const submitted = await this.call<Referral>('lead', 'referrals', 'POST', `/v1/referrals/${draft.id}/submit`, {});
    this.referrals[recipient] = submitted;
    return { draft, submitted };
  }

  /**
   * The focal point of `recipient` chooses to be told by e-mail and SMS, in
   * French: the referral's SMS then reaches her work phone, with the reply
   * code she can answer with. (Stored by her work e-mail, which is how the
   * directory's focal point is matched.)
   */
  async focalPointChoosesSms(recipient: Recipient): Promise<Preferences> {
    return this.call<Preferences>(this.focalPointOf(recipient), 'notifications', 'PUT', '/v1/me/preferences', { channels: ['email', 'sms'], language: 'fr' });
  }

  /** The focal point of `recipient` (the person the demo plays when it answers by SMS). */
  focalPoint(recipient: Recipient): Person {
    return this.people[this.focalPointOf(recipient)];
  }

  /** Waits for the SMS telling the focal point of `recipient` of the new referral: the one naming its reply code. */
  async waitForFocalPointSms(recipient: Recipient): Promise<DeliveredMessage> {
    const referral = this.referral(recipient);
    const phone = this.focalPoint(recipient).phone;
    if (phone === null) throw new Error(`the demo's ${recipient} focal point has no work phone`);
    const replyCode = referral.replyCode;
    if (replyCode === null) throw new DemoError(`The referral ${referral.code} has no reply code: is this referrals service older than the SMS replies?`);
    return waitForMessage(this.options.mailbox, {
      to: phone,
      since: this.startedAt,
      channel: 'sms',
      match: (m) => m.text.includes(referral.code) && m.text.includes(replyCode),
      what: `new referral ${referral.code} (reply code ${replyCode})`,
      timeoutMs: this.timeoutMs,
    });
  }

  /**
   * The focal point of `recipient` answers by SMS with `text` (e.g. `OK 4821`):
   * the SMS gateway hands the reply to the hub through its callback
   * (`POST /callbacks/{key}/sms/http`, `{ id, from, text }`), with `messageId`
   * as the gateway's id of the message.
   */
  async replyBySms(recipient: Recipient, text: string, messageId: string): Promise<SmsReplyAnswer> {
    const key = this.options.phoneCallbackKey;
    if (key === undefined) throw new DemoError('No PHONE_CALLBACK_KEY: the demo cannot answer by SMS.');
    const from = this.focalPoint(recipient).phone;
    if (from === null) throw new Error(`the demo's ${recipient} focal point has no work phone`);
    const url = new URL(`/callbacks/${encodeURIComponent(key)}/sms/http`, this.options.hub.notificationsUrl);
    let response: Response;
    try {
      response = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json' },
        body: JSON.stringify({ id: messageId, from, text }),
        signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
      });
    } catch {
      throw new DemoError(`The notifications service does not answer at ${this.options.hub.notificationsUrl}: is the hub still running?`, 2);
    }
    const body: unknown = await response.json().catch(() => undefined);
    const outcome = typeof body === 'object' && body !== null && typeof (body as { outcome?: unknown }).outcome === 'string' ? (body as { outcome: string }).outcome : null;
    return { status: response.status, outcome };
  }

  /** Waits until the lead sees the referral to `recipient` in `status` (a step taken elsewhere, e.g. by SMS). */
  async waitForStatus(recipient: Recipient, status: Referral['status']): Promise<Referral> {
    const id = this.referral(recipient).id;
    const referral = await this.waitFor(`the referral to the ${recipient} to be ${status}`, async () => {
      const current = await this.call<Referral>('lead', 'referrals', 'GET', `/v1/referrals/${id}`);
      return current.status === status ? current : undefined;
    });
    this.referrals[recipient] = referral;
    return referral;
  }

  /** A focal point of `recipient` takes a step of the referral's life. */
  async act(recipient: Recipient, action: RecipientAction, body: Record<string, unknown> = {}): Promise<Referral> {
    const referral = await this.call<Referral>(this.focalPointOf(recipient), 'referrals', 'POST', `/v1/referrals/${this.referral(recipient).id}/${action}`, body);
    this.referrals[recipient] = referral;
    return referral;
  }

  /** The focal point of `recipient` opens the referral: what the consent service lets them see now. */
  async read(recipient: Recipient): Promise<Referral> {
    const who = this.focalPointOf(recipient);
    const referral = await this.call<Referral>(who, 'referrals', 'GET', `/v1/referrals/${this.referral(recipient).id}`);
    this.reads.push({ recipient, referralId: referral.id, readerUserId: this.people[who].userId, fieldKeys: [...referral.access.fieldKeys], payload: { ...referral.payload } });
    return referral;
  }

  /** Waits until the lead has received the e-mail and the SMS about `outcome` of the referral to `recipient`. */
  async waitForLeadMessages(recipient: Recipient, outcome: LeadOutcome): Promise<{ email: DeliveredMessage; sms: DeliveredMessage }> {
    const code = this.referral(recipient).code;
    const lead = this.people.lead;
    const wait = (channel: 'email' | 'sms', to: string) =>
      waitForMessage(this.options.mailbox, {
        to,
        since: this.startedAt,
        channel,
        match: (m) => isOutcomeMessage(m, code, outcome),
        what: `${outcome} ${code}`,
        timeoutMs: this.timeoutMs,
      });
    if (lead.phone === null) throw new Error('the demo lead has a phone');
    const [email, sms] = await Promise.all([wait('email', lead.email), wait('sms', lead.phone)]);
    return { email, sms };
  }

  /**
   * The caregiver changes her mind about the clinic: the supervisor records
   * the withdrawal of her consent (the family's request).
   */
  async withdrawCaregiverConsent(recipient: Recipient): Promise<Consent> {
    const consent = this.consents?.caregiver[recipient];
    if (consent === undefined) throw new Error('record the consents first');
    return this.call<Consent>('supervisor', 'consent', 'POST', `/v1/consents/${consent.id}/withdraw`, { reasonCode: 'family_request' });
  }

  /** The referral's history as the lead reads it. */
  async history(recipient: Recipient): Promise<HistoryEntry[]> {
    return (await this.call<R['ReferralHistory']>('lead', 'referrals', 'GET', `/v1/referrals/${this.referral(recipient).id}/history`)).items;
  }

  /** Waits until the referrals service has applied the withdrawal (the history's `access_revoked`). */
  async waitForAccessRevoked(recipient: Recipient): Promise<HistoryEntry> {
    return this.waitFor(`the withdrawal to reach the referral to the ${recipient}`, async () => (await this.history(recipient)).find((e) => e.action === 'access_revoked'));
  }

  /** Who outside the lead's organisation read the referral, and which keys: the lead's view. */
  async accessLog(recipient: Recipient): Promise<AccessLogEntry[]> {
    return (await this.call<R['AccessLogPage']>('lead', 'referrals', 'GET', `/v1/referrals/${this.referral(recipient).id}/access-log?limit=200`)).items;
  }

  /** The delivery log of the referral to `recipient`, as the lead's organisation sees it. */
  async deliveries(recipient: Recipient): Promise<NotificationsApi.components['schemas']['DeliveryList']['items']> {
    const list = await this.call<NotificationsApi.components['schemas']['DeliveryList']>('lead', 'notifications', 'GET', `/v1/referrals/${this.referral(recipient).id}/deliveries`);
    return list.items;
  }
}
