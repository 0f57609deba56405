import { FIELD_GROUP_LABELS, fieldByKey, isFieldGroup } from '@referral-hub/contracts';
import type { CodeOption, ConsentApi, FieldDefinition, Language } from '@referral-hub/contracts';
import type { Principal } from '@referral-hub/platform';
import { findConsentsOfCase } from '../data-access/consents.js';
import type { ConsentRow } from '../data-access/consents.js';
import type { ConsentDatabase } from '../data-access/database.js';
import type { DecisionRow } from '../data-access/decisions.js';
import { findOrganizations } from '../data-access/organizations.js';
import type { KnownOrganization } from '../data-access/organizations.js';
import { findOverridesOfCase } from '../data-access/overrides.js';
import type { OverrideRow } from '../data-access/overrides.js';
import { requireAccess } from './access.js';
import { consentStatus } from './consent.js';
import { overrideStatus } from './override.js';
import type { ConsentTexts } from '../data-access/sealed-texts.js';

export type CaseSharing = ConsentApi.components['schemas']['CaseSharing'];
type SharingEntry = CaseSharing['entries'][number];

const RELATIONSHIP_FIELD: FieldDefinition | undefined = fieldByKey('caregiver.relationship');

/** The most entries an account lists; older decisions beyond it are left out. */
const MAX_DECISIONS = 4000;

type Words = {
  child: string;
  caregiver: (relationship: string | null) => string;
  kind: Record<string, string>;
  method: Record<string, string>;
  purpose: Record<string, string>;
  orgType: Record<string, string>;
  /** An organisation by its name; one whose name is not known yet, by a neutral phrase and its kind. */
  organization: (name: string | null, type: string | undefined) => string;
  serviceType: (type: string) => string;
  consent: (p: { who: string; kind: string; method: string; fields: string; recipients: string; purposes: string; until: string; singleUse: boolean }) => string;
  consentStatus: (status: string, at: string | null) => string;
  override: (p: { basis: string; fields: string; recipients: string; until: string; explanation: string }) => string;
  overrideStatus: (status: string, at: string | null) => string;
  shared: (p: { recipient: string; fields: string; purpose: string; basis: string }) => string;
  nothingShared: (recipient: string) => string;
  basisConsent: (day: string) => string;
  basisOverride: (day: string) => string;
  and: string;
  none: string;
};

const WORDS: Record<Language, Words> = {
  fr: {
    child: "l'enfant",
    caregiver: (relationship) => (relationship === null ? "la personne en charge de l'enfant" : `la personne en charge de l'enfant (${relationship})`),
    kind: { consent: 'son consentement', assent: 'son accord' },
    method: { verbal: 'oralement', written: 'par écrit', electronic: 'par voie électronique' },
    purpose: {
      referral: 'un référencement',
      case_transfer: 'un transfert de dossier',
      service_coordination: 'la coordination des services',
      deidentified_reporting: 'des statistiques anonymisées',
    },
    orgType: { ngo: 'ONG', government: 'service public', un_agency: 'agence des Nations unies', community_committee: 'comité communautaire', other: 'autre' },
    organization: (name, type) => name ?? `une organisation partenaire${type === undefined ? '' : ` (${type})`}`,
    serviceType: (type) => `les services de type « ${type} »`,
    consent: (p) =>
      `${capitalise(p.who)} a donné ${p.kind} ${p.method} pour que soient partagés : ${p.fields}, avec ${p.recipients}, pour ${p.purposes}, jusqu'au ${p.until}${p.singleUse ? ', pour un seul référencement' : ''}.`,
    consentStatus: (status, at) =>
      ({ active: 'Il est en vigueur.', expired: 'Il a expiré.', withdrawn: `Il a été retiré le ${at ?? ''}.`, consumed: `Il a servi le ${at ?? ''}.` })[status] ?? '',
    override: (p) =>
      `Un partage sans consentement, dans l'intérêt supérieur de l'enfant, a été demandé (base légale : ${p.basis}) pour : ${p.fields}, avec ${p.recipients}, jusqu'au ${p.until}. Ce qui a été expliqué à l'enfant et à la famille : ${p.explanation}`,
    overrideStatus: (status, at) =>
      ({ pending: "Il attend l'accord d'un superviseur.", active: `Un superviseur l'a approuvé le ${at ?? ''}.`, expired: 'Il a expiré.', revoked: `Il a été annulé le ${at ?? ''}.`, refused: `Un superviseur l'a refusé le ${at ?? ''} : rien n'a été partagé sur cette base.` })[status] ?? '',
    // « a reçu l'autorisation » agrees with any organisation's name, whatever its gender.
    shared: (p) => `${capitalise(p.recipient)} a reçu l'autorisation d'accéder à : ${p.fields}, pour ${p.purpose}, sur la base ${p.basis}.`,
    nothingShared: (recipient) => `Une demande de partage avec ${recipient} a été refusée : rien n'a été partagé.`,
    basisConsent: (day) => `du consentement enregistré le ${day}`,
    basisOverride: (day) => `de la dérogation approuvée le ${day}`,
    and: ' et ',
    none: 'aucune',
  },
  en: {
    child: 'the child',
    caregiver: (relationship) => (relationship === null ? 'the caregiver' : `the caregiver (${relationship})`),
    kind: { consent: 'consent', assent: 'assent' },
    method: { verbal: 'verbally', written: 'in writing', electronic: 'electronically' },
    purpose: {
      referral: 'a referral',
      case_transfer: 'a case transfer',
      service_coordination: 'coordinating services',
      deidentified_reporting: 'de-identified statistics',
    },
    orgType: { ngo: 'NGO', government: 'government', un_agency: 'UN agency', community_committee: 'community committee', other: 'other' },
    organization: (name, type) => name ?? `a partner organisation${type === undefined ? '' : ` (${type})`}`,
    serviceType: (type) => `services of type "${type}"`,
    consent: (p) =>
      `${capitalise(p.who)} gave ${p.kind} ${p.method} to share: ${p.fields}, with ${p.recipients}, for ${p.purposes}, until ${p.until}${p.singleUse ? ', for one referral only' : ''}.`,
    consentStatus: (status, at) =>
      ({ active: 'It is in force.', expired: 'It has expired.', withdrawn: `It was withdrawn on ${at ?? ''}.`, consumed: `It was used on ${at ?? ''}.` })[status] ?? '',
    override: (p) =>
      `Sharing without consent, in the child's best interests, was requested (legal basis: ${p.basis}) for: ${p.fields}, with ${p.recipients}, until ${p.until}. What was explained to the child and family: ${p.explanation}`,
    overrideStatus: (status, at) =>
      ({ pending: "It awaits a supervisor's approval.", active: `A supervisor approved it on ${at ?? ''}.`, expired: 'It has expired.', revoked: `It was cancelled on ${at ?? ''}.`, refused: `A supervisor refused it on ${at ?? ''}: nothing was shared on this basis.` })[status] ?? '',
    shared: (p) => `${capitalise(p.recipient)} was allowed to receive: ${p.fields}, for ${p.purpose}, on the basis of ${p.basis}.`,
    nothingShared: (recipient) => `A request to share with ${recipient} was refused: nothing was shared.`,
    basisConsent: (day) => `the consent recorded on ${day}`,
    basisOverride: (day) => `the override approved on ${day}`,
    and: ' and ',
    none: 'none',
  },
};

/**
 * What was agreed and shared about a case, in plain words, for the child and family (through
 * the owning organisation's case team): every consent, every override and every decision, oldest
 * first. Fields are named by their catalogue label in the language asked; organisations by the
 * name the directory's events gave (one not announced yet: a neutral phrase and its kind, never
 * an id a family cannot read). Other people's information (an override's justification,
 * withdrawal notes) is left out.
 *
 * @throws AppError 403 for a role that may not.
 */
export async function describeCaseSharing(
  deps: { db: ConsentDatabase; texts: ConsentTexts },
  principal: Principal,
  caseCode: string,
  language: Language,
  now: Date = new Date(),
): Promise<CaseSharing> {
  requireAccess(principal, 'case.sharing.read', ['owner'], 'Only a caseworker or a supervisor can read the sharing account of a case.');
  const organizationId = principal.organizationId;
  const client = deps.db.client;
  const [consents, overrides, decisions] = await Promise.all([
    findConsentsOfCase(client, deps.texts, organizationId, caseCode),
    findOverridesOfCase(client, deps.texts, organizationId, caseCode),
    client.decision.findMany({ where: { organizationId, caseCode }, orderBy: [{ createdAt: 'desc' }, { id: 'desc' }], take: MAX_DECISIONS }),
  ]);
  const orgIds = new Set<string>();
  for (const row of [...consents, ...overrides]) for (const id of row.recipientOrganizationIds) orgIds.add(id);
  for (const row of decisions) orgIds.add(row.recipientOrganizationId);
  const organizations = await findOrganizations(client, [...orgIds]);

  const words = WORDS[language];
  const describe = new Describer(words, language, organizations, consents, overrides);
  const entries: SharingEntry[] = [
    ...consents.map((row) => ({ kind: 'consent' as const, id: row.id, at: row.createdAt.toISOString(), text: describe.consent(row, now) })),
    ...overrides.map((row) => ({ kind: 'override' as const, id: row.id, at: row.createdAt.toISOString(), text: describe.override(row, now) })),
    ...decisions.map((row) => ({ kind: 'decision' as const, id: row.id, at: row.createdAt.toISOString(), text: describe.decision(row) })),
  ].sort((a, b) => a.at.localeCompare(b.at) || a.id.localeCompare(b.id));
  return { caseCode, language, entries };
}

class Describer {
  private readonly consentsById: Map<string, ConsentRow>;
  private readonly overridesById: Map<string, OverrideRow>;

  constructor(
    private readonly words: Words,
    private readonly language: Language,
    private readonly organizations: Map<string, KnownOrganization>,
    consents: readonly ConsentRow[],
    overrides: readonly OverrideRow[],
  ) {
    this.consentsById = new Map(consents.map((row) => [row.id, row]));
    this.overridesById = new Map(overrides.map((row) => [row.id, row]));
  }

  consent(row: ConsentRow, now: Date): string {
    const w = this.words;
    const who = row.givenBy === 'child' ? w.child : w.caregiver(this.relationship(row.caregiverRelationship));
    const status = consentStatus(row, now);
    const statusAt = status === 'withdrawn' ? row.withdrawnAt : status === 'consumed' ? row.consumedAt : null;
    return `${day(row.createdAt)} — ${w.consent({
      who,
      kind: w.kind[row.kind] ?? row.kind,
      method: w.method[row.method] ?? row.method,
      fields: this.fields(row.fields),
      recipients: this.recipients(row.recipientOrganizationIds, row.serviceTypes),
      purposes: this.list(row.purposes.map((p) => w.purpose[p] ?? p)),
      until: day(row.expiresAt),
      singleUse: row.singleUse,
    })} ${w.consentStatus(status, statusAt === null ? null : day(statusAt))}`;
  }

  override(row: OverrideRow, now: Date): string {
    const w = this.words;
    const status = overrideStatus(row, now);
    const statusAt = status === 'revoked' ? row.revokedAt : status === 'active' ? row.approvedAt : status === 'refused' ? (row.decision?.decidedAt ?? null) : null;
    return `${day(row.createdAt)} — ${w.override({
      basis: row.legalBasis,
      fields: this.fields(row.fields),
      recipients: this.recipients(row.recipientOrganizationIds, row.serviceTypes),
      until: day(row.expiresAt),
      explanation: row.explanationGiven,
    })} ${w.overrideStatus(status, statusAt === null ? null : day(statusAt))}`;
  }

  decision(row: DecisionRow): string {
    const w = this.words;
    const recipient = this.organization(row.recipientOrganizationId);
    if (row.allowed.length === 0) return `${day(row.createdAt)} — ${w.nothingShared(recipient)}`;
    const bases = [
      ...row.consentIds.map((id) => w.basisConsent(day(this.consentsById.get(id)?.createdAt ?? row.createdAt))),
      ...row.overrideIds.map((id) => {
        const override = this.overridesById.get(id);
        return w.basisOverride(day(override?.approvedAt ?? override?.createdAt ?? row.createdAt));
      }),
    ];
    return `${day(row.createdAt)} — ${w.shared({
      recipient,
      fields: this.fields(row.allowed),
      purpose: w.purpose[row.purpose] ?? row.purpose,
      basis: this.list(bases),
    })}`;
  }

  private fields(selectors: readonly string[]): string {
    return this.list(
      selectors.map((selector) => (isFieldGroup(selector) ? FIELD_GROUP_LABELS[selector][this.language] : (fieldByKey(selector)?.labels[this.language] ?? selector))),
    );
  }

  private recipients(orgIds: readonly string[], serviceTypes: readonly string[]): string {
    return this.list([...orgIds.map((id) => this.organization(id)), ...serviceTypes.map((type) => this.words.serviceType(type))]);
  }

  private organization(id: string): string {
    const known = this.organizations.get(id);
    const type = known === undefined ? undefined : (this.words.orgType[known.type] ?? known.type);
    return this.words.organization(known?.name ?? null, type);
  }

  private relationship(code: string | null): string | null {
    if (code === null) return null;
    const options: readonly CodeOption[] = RELATIONSHIP_FIELD?.options ?? [];
    return options.find((option) => option.code === code)?.labels[this.language] ?? code;
  }

  private list(items: readonly string[]): string {
    if (items.length === 0) return this.words.none;
    if (items.length === 1) return items[0] ?? '';
    return `${items.slice(0, -1).join(', ')}${this.words.and}${items[items.length - 1] ?? ''}`;
  }
}

function day(date: Date): string {
  return date.toISOString().slice(0, 10);
}

function capitalise(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
