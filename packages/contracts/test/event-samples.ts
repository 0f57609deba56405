import type { EventDataMap } from '../src/index.js';

const ids = {
  organization: '2b7e1516-28ae-4d2a-a6d2-abf7158809cf',
  recipient: '3c4d5e6f-7a8b-4c9d-8e0f-1a2b3c4d5e6f',
  service: '4d5e6f7a-8b9c-4d0e-9f1a-2b3c4d5e6f7a',
  consent: '5e6f7a8b-9c0d-4e1f-8a2b-3c4d5e6f7a8b',
  referral: '6f7a8b9c-0d1e-4f2a-9b3c-4d5e6f7a8b9c',
  decision: '7a8b9c0d-1e2f-4a3b-8c4d-5e6f7a8b9c0d',
  notification: '8b9c0d1e-2f3a-4b4c-9d5e-6f7a8b9c0d1e',
  event: '9c0d1e2f-3a4b-4c5d-8e6f-7a8b9c0d1e2f',
} as const;

const at = '2026-11-23T09:30:00Z';

const referral = {
  referralId: ids.referral,
  referralCode: 'REF-7K2QX',
  caseCode: 'KIN-2026-0042',
  kind: 'referral',
  previousStatus: 'submitted',
  urgency: 'high',
  referringOrganizationId: ids.organization,
  recipientOrganizationId: ids.recipient,
  recipientServiceId: ids.service,
  actor: { userId: 'auth0|5f7c8ec7c33c6c004bbafe82', organizationId: ids.recipient },
  occurredAt: at,
} as const;

/** A valid `data` for every event type (the type makes sure none is missing). */
export const SAMPLE_DATA: EventDataMap = {
  'directory.organization.changed': {
    organizationId: ids.organization,
    change: 'updated',
    changedFields: ['name', 'acronym'],
    version: 3,
    organizationType: 'ngo',
  },
  'directory.service.changed': {
    serviceId: ids.service,
    organizationId: ids.recipient,
    change: 'created',
    changedFields: ['name', 'serviceType', 'eligibility.minAge'],
    version: 1,
    organizationType: 'government',
  },
  'consent.granted': {
    consentId: ids.consent,
    caseCode: 'KIN-2026-0042',
    organizationId: ids.organization,
    kind: 'consent',
    purposes: ['referral', 'service_coordination'],
    recipientOrganizationIds: [ids.recipient],
    validFrom: at,
    expiresAt: '2027-05-23T09:30:00Z',
    singleUse: true,
  },
  'consent.withdrawn': {
    consentId: ids.consent,
    caseCode: 'KIN-2026-0042',
    organizationId: ids.organization,
    withdrawnAt: at,
    reasonCode: 'family_request',
  },
  'consent.expired': { consentId: ids.consent, caseCode: 'KIN-2026-0042', organizationId: ids.organization, expiredAt: at },
  'consent.consumed': {
    consentId: ids.consent,
    caseCode: 'KIN-2026-0042',
    organizationId: ids.organization,
    decisionId: ids.decision,
    consumedAt: at,
  },
  'referral.submitted': {
    ...referral,
    status: 'submitted',
    previousStatus: 'draft',
    actor: { userId: 'caseworker-17', organizationId: ids.organization },
  },
  'referral.acknowledged': { ...referral, status: 'acknowledged' },
  'referral.accepted': { ...referral, status: 'accepted', previousStatus: 'acknowledged' },
  'referral.declined': {
    ...referral,
    status: 'declined',
    previousStatus: 'acknowledged',
    reasonCode: 'no_capacity',
    suggestedServiceId: '0e1f2a3b-4c5d-4e6f-9a7b-8c9d0e1f2a3b',
  },
  'referral.started': { ...referral, status: 'in_progress', previousStatus: 'accepted' },
  'referral.completed': { ...referral, status: 'completed', previousStatus: 'in_progress' },
  'referral.not_delivered': {
    ...referral,
    status: 'not_delivered',
    previousStatus: 'in_progress',
    reasonCode: 'child_moved',
  },
  'referral.withdrawn': {
    ...referral,
    status: 'withdrawn',
    actor: { userId: 'caseworker-17', organizationId: ids.organization },
  },
  'referral.closed': {
    ...referral,
    status: 'closed',
    previousStatus: 'completed',
    actor: { userId: 'caseworker-17', organizationId: ids.organization },
  },
  'referral.overdue': {
    ...referral,
    status: 'submitted',
    previousStatus: null,
    actor: null,
    stage: 'acknowledgement',
    dueAt: '2026-11-23T09:00:00Z',
  },
  'referral.access_revoked': {
    ...referral,
    status: 'accepted',
    previousStatus: null,
    actor: null,
    consentIds: [ids.consent],
    fieldKeys: ['child.firstName', 'health.conditions'],
  },
  'notification.delivered': {
    notificationId: ids.notification,
    eventId: ids.event,
    referralId: ids.referral,
    channel: 'email',
    attempts: 1,
    providerMessageId: '<20261123093000.1234@relay.example.org>',
  },
  'notification.failed': {
    notificationId: ids.notification,
    eventId: ids.event,
    referralId: ids.referral,
    channel: 'webhook',
    attempts: 8,
    errorCode: 'webhook_http_410',
  },
};
