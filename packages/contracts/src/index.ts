/**
 * @referral-hub/contracts — the single source of truth for the hub's APIs and messages:
 * OpenAPI 3.1 documents per service (and their generated types), the event catalogue
 * (CloudEvents envelopes with JSON Schemas) and the referral field catalogue.
 */
export { SERVICE_NAMES, isServiceName } from './services.js';
export type { ServiceName } from './services.js';
export { openApiDocument, openApiJsonSchema } from './openapi.js';
export type { OpenApiDocument } from './openapi.js';

export type * as DirectoryApi from '../generated/directory.js';
export type * as ConsentApi from '../generated/consent.js';
export type * as ReferralsApi from '../generated/referrals.js';
export type * as NotificationsApi from '../generated/notifications.js';

export { EVENT_SCHEMA_BASE, EVENT_SCHEMA_VERSION, EVENT_TYPES, eventSchemaId, isEventType } from './event-types.js';
export type { EventSchemaId, EventType } from './event-types.js';
export { InvalidEventError, buildEvent, eventSchema, validateEvent } from './events.js';
export type { BuildEventOptions, CloudEvent, EventDataMap, EventFieldError, EventValidationResult } from './events.js';

export {
  FIELD_CATALOGUE,
  FIELD_GROUPS,
  FIELD_GROUP_LABELS,
  FIELD_KEYS,
  FIELD_SENSITIVITIES,
  SHAREABLE_FIELD_KEYS,
  expandFieldSelectors,
  fieldByKey,
  fieldsInGroup,
  isFieldGroup,
  isFieldKey,
  isShareable,
  validatePayload,
} from './fields.js';
export type {
  CatalogueField,
  FieldDefinition,
  FieldGroup,
  FieldKey,
  FieldSelectorExpansion,
  FieldSensitivity,
  JsonSchemaFragment,
  PayloadFieldError,
} from './fields.js';

export {
  CONSENT_WITHDRAWAL_REASONS,
  DECLINE_REASONS,
  LANGUAGES,
  NOT_DELIVERED_REASONS,
  PROTECTION_CONCERNS,
  RISK_LEVELS,
  codesOf,
  labelOf,
} from './codes.js';
export type {
  CodeOption,
  ConsentWithdrawalReason,
  DeclineReason,
  Labels,
  Language,
  NotDeliveredReason,
  ProtectionConcern,
  ReasonOption,
  RiskLevel,
} from './codes.js';
