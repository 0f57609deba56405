import type { ReferralsApi } from '@referral-hub/contracts';
import { createServiceCall, UpstreamUnavailableError } from '@referral-hub/platform';
import type { ServiceCallOptions } from '@referral-hub/platform';
import type { ReferralContextSource } from '../domain/notify-referral-event.js';
import type { ReferralEventFacts } from '../domain/referral-event-facts.js';
import type { DirectoryNames } from '../domain/messages/render.js';
import type { Language } from '../domain/messages/templates.js';
import type { Contact, ReferralContext } from '../domain/recipients.js';

/** The referrals service's answer (`GET /v1/referrals/{id}/notification-context`). */
export type NotificationContext = ReferralsApi.components['schemas']['NotificationContext'];

/** How the service calls name the referrals service in their errors. */
export const REFERRALS = 'the referrals service';

/** What a message says when the read model has not fetched a name yet: better than nothing, never a guess. */
const UNKNOWN: Record<Language, { organization: string; service: string }> = {
  fr: { organization: 'organisation non renseignée', service: 'service non renseigné' },
  en: { organization: 'organisation not named yet', service: 'service not named yet' },
};
const LANGUAGES: readonly Language[] = ['fr', 'en'];
const other = (language: Language): Language => (language === 'fr' ? 'en' : 'fr');

/** The names of the referral as written in `language`: the service's name in that language, else the other. */
function namesIn(context: NotificationContext, language: Language): DirectoryNames {
  const service = context.names.recipientService;
  return {
    serviceName: service[language] ?? service[other(language)] ?? UNKNOWN[language].service,
    referringOrganizationName: context.names.referringOrganization ?? UNKNOWN[language].organization,
    recipientOrganizationName: context.names.recipientOrganization ?? UNKNOWN[language].organization,
  };
}

/**
 * The receiving focal points: those named for the referral's service, or the
 * recipient organisation's own when the service has none (the rule of the
 * referrals service's `recipient-contacts`).
 */
function receivingFocalPoints(context: NotificationContext): Contact[] {
  const forService = context.focalPoints.filter((fp) => fp.serviceId === context.recipientServiceId);
  const chosen = forService.length > 0 ? forService : context.focalPoints.filter((fp) => fp.serviceId === null);
  return chosen.map((fp) => ({
    role: 'focal_point',
    userId: null,
    focalPointId: fp.id,
    email: fp.email,
    phone: fp.phone,
    language: fp.preferredLanguage,
    // Tokens only (signed by referrals); the links are written with ACTION_LINK_URL_TEMPLATE. Absent from an older referrals service.
    actionLinks: fp.actionLinks ?? null,
  }));
}

/** The referrals service's answer as the planner's {@link ReferralContext}: names, lead, supervisor, focal points. */
export function toReferralContext(context: NotificationContext): ReferralContext {
  const lead = context.lead;
  return {
    names: namesIn(context, 'fr'),
    replyCode: context.replyCode ?? null,
    namesByLanguage: Object.fromEntries(LANGUAGES.map((language) => [language, namesIn(context, language)])),
    lead: lead === null ? null : { role: 'lead', userId: lead.userId, focalPointId: null, email: lead.email, phone: lead.phone, language: lead.language },
    // Known by id only: the address comes from what the person's token gave this service (their preferences).
    supervisor: context.supervisor === null ? null : { role: 'supervisor', userId: context.supervisor.userId, focalPointId: null, email: null, phone: null, language: null },
    focalPoints: receivingFocalPoints(context),
    formerLeads: (context.formerLeads ?? []).map((former) => ({
      role: 'lead',
      userId: former.userId,
      focalPointId: null,
      email: former.email,
      phone: former.phone,
      language: former.language,
      organizationId: former.organizationId,
      supervisorUserId: former.supervisorUserId,
    })),
  };
}

/**
 * Where the names and contacts of a referral come from in production: the
 * referrals service's notification context, asked with this service's own
 * machine token (client credentials; its `client_id` must be in referrals'
 * `NOTIFICATION_CLIENT_SUBJECTS`, its `org` the hub's). Any failure throws, so the event is retried
 * by the consumer and dead-lettered after `AMQP_MAX_ATTEMPTS`.
 */
export function createReferralsContextSource(options: ServiceCallOptions): ReferralContextSource {
  const get = createServiceCall(REFERRALS, options);
  return {
    async load(event: ReferralEventFacts): Promise<ReferralContext> {
      const body = await get<NotificationContext>(`/v1/referrals/${encodeURIComponent(event.referralId)}/notification-context`);
      if (body.id !== event.referralId) throw new UpstreamUnavailableError(REFERRALS, 'The referrals service answered about another referral');
      return toReferralContext(body);
    },
  };
}
