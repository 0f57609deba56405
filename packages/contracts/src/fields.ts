/**
 * The referral field catalogue: every case field a referral can carry, with its group (what a
 * consent names), its sensitivity and the JSON Schema of its value.
 *
 * Keys are published contract: consents, access logs and events name fields by key, so a key is
 * never renamed or reused once released. Add new keys instead.
 */
import type { ValidateFunction } from 'ajv/dist/2020.js';
import { createAjv } from './ajv.js';
import { PROTECTION_CONCERNS, RISK_LEVELS, codesOf } from './codes.js';
import type { CodeOption, Labels } from './codes.js';
import { deepFreeze } from './freeze.js';

/** Groups of fields, in the order a form shows them. `confidential` holds the fields never shared. */
export const FIELD_GROUPS = [
  'identity',
  'contact',
  'caregiver',
  'protection',
  'health',
  'education',
  'legal',
  'case_summary',
  'confidential',
] as const;
export type FieldGroup = (typeof FIELD_GROUPS)[number];

/**
 * How sensitive a field is. `personal` and `sensitive` fields are shared under consent (sensitive
 * ones deserve extra care in a consent conversation); `strictly_confidential` ones never leave the
 * referring agency.
 */
export const FIELD_SENSITIVITIES = ['personal', 'sensitive', 'strictly_confidential'] as const;
export type FieldSensitivity = (typeof FIELD_SENSITIVITIES)[number];

/** A JSON Schema (draft 2020-12) fragment describing a field's value. */
export type JsonSchemaFragment = { readonly [keyword: string]: unknown };

/** One field of the catalogue. */
export type FieldDefinition = {
  /** Stable key, `<area>.<name>`. */
  readonly key: string;
  readonly group: FieldGroup;
  readonly sensitivity: FieldSensitivity;
  /** The JSON Schema a value of this field must match. */
  readonly jsonType: JsonSchemaFragment;
  /** The field's name as shown to people. */
  readonly labels: Labels;
  /** For coded fields, the codes the value is made of, with their labels. */
  readonly options?: readonly CodeOption[];
};

export const FIELD_GROUP_LABELS = {
  identity: { fr: 'Identité', en: 'Identity' },
  contact: { fr: 'Coordonnées et lieu de vie', en: 'Contact and whereabouts' },
  caregiver: { fr: "Personne en charge de l'enfant", en: 'Caregiver' },
  protection: { fr: 'Protection', en: 'Protection' },
  health: { fr: 'Santé', en: 'Health' },
  education: { fr: 'Éducation', en: 'Education' },
  legal: { fr: 'Situation juridique', en: 'Legal situation' },
  case_summary: { fr: 'Synthèse du dossier', en: 'Case summary' },
  confidential: { fr: 'Strictement confidentiel (jamais partagé)', en: 'Strictly confidential (never shared)' },
} as const satisfies Record<FieldGroup, Labels>;

const SEX_OPTIONS = [
  { code: 'female', labels: { fr: 'Féminin', en: 'Female' } },
  { code: 'male', labels: { fr: 'Masculin', en: 'Male' } },
  { code: 'other', labels: { fr: 'Autre', en: 'Other' } },
] as const satisfies readonly CodeOption[];

/** Functional domains of the Washington Group questions, as used in child-protection assessments. */
const DISABILITY_OPTIONS = [
  { code: 'seeing', labels: { fr: 'Vue', en: 'Seeing' } },
  { code: 'hearing', labels: { fr: 'Audition', en: 'Hearing' } },
  { code: 'mobility', labels: { fr: 'Mobilité', en: 'Mobility' } },
  { code: 'cognition', labels: { fr: 'Mémoire ou concentration', en: 'Remembering or concentrating' } },
  { code: 'self_care', labels: { fr: 'Autonomie (soins personnels)', en: 'Self-care' } },
  { code: 'communication', labels: { fr: 'Communication', en: 'Communication' } },
  { code: 'psychosocial', labels: { fr: 'Psychosocial', en: 'Psychosocial' } },
  { code: 'other', labels: { fr: 'Autre', en: 'Other' } },
] as const satisfies readonly CodeOption[];

const LEGAL_STATUS_OPTIONS = [
  { code: 'refugee', labels: { fr: 'Réfugié(e)', en: 'Refugee' } },
  { code: 'asylum_seeker', labels: { fr: "Demandeur(se) d'asile", en: 'Asylum seeker' } },
  { code: 'internally_displaced', labels: { fr: 'Déplacé(e) interne', en: 'Internally displaced' } },
  { code: 'returnee', labels: { fr: 'Retourné(e)', en: 'Returnee' } },
  { code: 'host_community', labels: { fr: 'Communauté hôte', en: 'Host community' } },
  { code: 'stateless', labels: { fr: 'Apatride', en: 'Stateless' } },
  { code: 'migrant', labels: { fr: 'Migrant(e)', en: 'Migrant' } },
  { code: 'other', labels: { fr: 'Autre', en: 'Other' } },
] as const satisfies readonly CodeOption[];

const LIVING_WITH_OPTIONS = [
  { code: 'both_parents', labels: { fr: 'Ses deux parents', en: 'Both parents' } },
  { code: 'one_parent', labels: { fr: 'Un seul de ses parents', en: 'One parent' } },
  { code: 'relatives', labels: { fr: 'Sa famille élargie', en: 'Relatives (kinship care)' } },
  { code: 'foster_family', labels: { fr: "Une famille d'accueil", en: 'A foster family' } },
  { code: 'residential_care', labels: { fr: 'Un centre de prise en charge', en: 'Residential care' } },
  { code: 'child_headed_household', labels: { fr: 'Un ménage dirigé par un enfant', en: 'A child-headed household' } },
  { code: 'alone', labels: { fr: 'Seul(e)', en: 'Alone' } },
  { code: 'street', labels: { fr: 'Dans la rue', en: 'On the street' } },
  { code: 'other', labels: { fr: 'Autre', en: 'Other' } },
] as const satisfies readonly CodeOption[];

const RELATIONSHIP_OPTIONS = [
  { code: 'mother', labels: { fr: 'Mère', en: 'Mother' } },
  { code: 'father', labels: { fr: 'Père', en: 'Father' } },
  { code: 'step_parent', labels: { fr: 'Beau-parent', en: 'Step-parent' } },
  { code: 'grandparent', labels: { fr: 'Grand-parent', en: 'Grandparent' } },
  { code: 'sibling', labels: { fr: 'Frère ou sœur', en: 'Sibling' } },
  { code: 'aunt_or_uncle', labels: { fr: 'Oncle ou tante', en: 'Aunt or uncle' } },
  { code: 'other_relative', labels: { fr: 'Autre membre de la famille', en: 'Other relative' } },
  { code: 'foster_carer', labels: { fr: "Parent d'accueil", en: 'Foster carer' } },
  { code: 'legal_guardian', labels: { fr: 'Tuteur ou tutrice légal(e)', en: 'Legal guardian' } },
  { code: 'other', labels: { fr: 'Autre', en: 'Other' } },
] as const satisfies readonly CodeOption[];

const EDUCATION_STATUS_OPTIONS = [
  { code: 'attending', labels: { fr: "Scolarisé(e) et va à l'école", en: 'Enrolled and attending' } },
  { code: 'enrolled_not_attending', labels: { fr: "Inscrit(e) mais ne va pas à l'école", en: 'Enrolled but not attending' } },
  { code: 'dropped_out', labels: { fr: 'Déscolarisé(e)', en: 'Dropped out' } },
  { code: 'never_attended', labels: { fr: 'Jamais scolarisé(e)', en: 'Never attended school' } },
  { code: 'non_formal', labels: { fr: 'Éducation non formelle', en: 'Non-formal education' } },
  { code: 'vocational', labels: { fr: 'Formation professionnelle', en: 'Vocational training' } },
] as const satisfies readonly CodeOption[];

const DOCUMENT_OPTIONS = [
  { code: 'birth_certificate', labels: { fr: 'Acte de naissance', en: 'Birth certificate' } },
  { code: 'national_id', labels: { fr: "Carte nationale d'identité", en: 'National identity card' } },
  {
    code: 'refugee_or_asylum_document',
    labels: { fr: "Document de réfugié ou de demandeur d'asile", en: 'Refugee or asylum-seeker document' },
  },
  { code: 'passport', labels: { fr: 'Passeport', en: 'Passport' } },
  { code: 'other_document', labels: { fr: 'Autre document', en: 'Other document' } },
] as const satisfies readonly CodeOption[];

const text = (maxLength: number): JsonSchemaFragment => ({ type: 'string', minLength: 1, maxLength });
const oneOf = (options: readonly CodeOption[]): JsonSchemaFragment => ({ type: 'string', enum: codesOf(options) });
const someOf = (options: readonly CodeOption[]): JsonSchemaFragment => ({
  type: 'array',
  uniqueItems: true,
  maxItems: options.length,
  items: oneOf(options),
});
const textList = (maxItems: number, maxLength: number): JsonSchemaFragment => ({
  type: 'array',
  maxItems,
  items: text(maxLength),
});
const phone: JsonSchemaFragment = {
  type: 'string',
  pattern: '^\\+?[0-9][0-9 ()-]*$',
  minLength: 4,
  maxLength: 32,
  description: 'A phone number, international (E.164) form preferred.',
};

/** Every case field a referral can carry. */
export const FIELD_CATALOGUE = deepFreeze([
  // identity (personal)
  {
    key: 'child.firstName',
    group: 'identity',
    sensitivity: 'personal',
    jsonType: text(100),
    labels: { fr: "Prénom de l'enfant", en: "Child's first name" },
  },
  {
    key: 'child.lastName',
    group: 'identity',
    sensitivity: 'personal',
    jsonType: text(100),
    labels: { fr: "Nom de famille de l'enfant", en: "Child's last name" },
  },
  {
    key: 'child.dateOfBirth',
    group: 'identity',
    sensitivity: 'personal',
    jsonType: { type: 'string', format: 'date', maxLength: 10 },
    labels: { fr: 'Date de naissance', en: 'Date of birth' },
  },
  {
    key: 'child.age',
    group: 'identity',
    sensitivity: 'personal',
    jsonType: { type: 'integer', minimum: 0, maximum: 25, description: 'Age in completed years, when the date of birth is unknown.' },
    labels: { fr: 'Âge (en années)', en: 'Age (years)' },
  },
  {
    key: 'child.sex',
    group: 'identity',
    sensitivity: 'personal',
    jsonType: oneOf(SEX_OPTIONS),
    labels: { fr: 'Sexe', en: 'Sex' },
    options: SEX_OPTIONS,
  },
  {
    key: 'child.languages',
    group: 'identity',
    sensitivity: 'personal',
    jsonType: {
      type: 'array',
      uniqueItems: true,
      maxItems: 20,
      items: { type: 'string', pattern: '^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$', maxLength: 35 },
      description: 'Languages the child speaks, as BCP 47 tags (fr, en, ln, sw, ar…).',
    },
    labels: { fr: 'Langues parlées', en: 'Languages spoken' },
  },
  {
    key: 'child.disability',
    group: 'identity',
    sensitivity: 'personal',
    jsonType: { ...someOf(DISABILITY_OPTIONS), description: 'Functional difficulties; empty when none.' },
    labels: { fr: 'Situation de handicap', en: 'Disability' },
    options: DISABILITY_OPTIONS,
  },
  {
    key: 'child.nationality',
    group: 'identity',
    sensitivity: 'personal',
    jsonType: { type: 'string', pattern: '^[A-Z]{3}$', maxLength: 3, description: 'ISO 3166-1 alpha-3 country code.' },
    labels: { fr: 'Nationalité', en: 'Nationality' },
  },
  {
    key: 'child.legalStatus',
    group: 'identity',
    sensitivity: 'personal',
    jsonType: oneOf(LEGAL_STATUS_OPTIONS),
    labels: { fr: 'Statut (réfugié, déplacé, hôte…)', en: 'Status (refugee, displaced, host…)' },
    options: LEGAL_STATUS_OPTIONS,
  },

  // contact (personal)
  {
    key: 'child.currentLocation',
    group: 'contact',
    sensitivity: 'personal',
    jsonType: {
      type: 'string',
      pattern: '^[A-Za-z0-9][A-Za-z0-9_.-]*$',
      minLength: 1,
      maxLength: 64,
      description: "The code of the administrative area (P-code) where the child is now.",
    },
    labels: { fr: "Zone où se trouve actuellement l'enfant", en: 'Current location (area)' },
  },
  {
    key: 'child.address',
    group: 'contact',
    sensitivity: 'personal',
    jsonType: text(500),
    labels: { fr: 'Adresse', en: 'Address' },
  },
  {
    key: 'child.phone',
    group: 'contact',
    sensitivity: 'personal',
    jsonType: phone,
    labels: { fr: "Téléphone de l'enfant", en: "Child's phone number" },
  },
  {
    key: 'child.livingWith',
    group: 'contact',
    sensitivity: 'personal',
    jsonType: oneOf(LIVING_WITH_OPTIONS),
    labels: { fr: "Avec qui vit l'enfant", en: 'Living with' },
    options: LIVING_WITH_OPTIONS,
  },

  // caregiver (personal)
  {
    key: 'caregiver.name',
    group: 'caregiver',
    sensitivity: 'personal',
    jsonType: text(200),
    labels: { fr: "Nom de la personne en charge de l'enfant", en: "Caregiver's name" },
  },
  {
    key: 'caregiver.relationship',
    group: 'caregiver',
    sensitivity: 'personal',
    jsonType: oneOf(RELATIONSHIP_OPTIONS),
    labels: { fr: "Lien avec l'enfant", en: 'Relationship to the child' },
    options: RELATIONSHIP_OPTIONS,
  },
  {
    key: 'caregiver.phone',
    group: 'caregiver',
    sensitivity: 'personal',
    jsonType: phone,
    labels: { fr: 'Téléphone de la personne en charge', en: "Caregiver's phone number" },
  },

  // protection (sensitive)
  {
    key: 'protection.concerns',
    group: 'protection',
    sensitivity: 'sensitive',
    jsonType: { ...someOf(PROTECTION_CONCERNS), minItems: 1 },
    labels: { fr: 'Préoccupations de protection', en: 'Protection concerns' },
    options: PROTECTION_CONCERNS,
  },
  {
    key: 'protection.riskLevel',
    group: 'protection',
    sensitivity: 'sensitive',
    jsonType: oneOf(RISK_LEVELS),
    labels: { fr: 'Niveau de risque', en: 'Risk level' },
    options: RISK_LEVELS,
  },
  {
    key: 'protection.immediateSafetyNeeds',
    group: 'protection',
    sensitivity: 'sensitive',
    jsonType: text(2000),
    labels: { fr: 'Besoins de sécurité immédiats', en: 'Immediate safety needs' },
  },

  // health (sensitive)
  {
    key: 'health.conditions',
    group: 'health',
    sensitivity: 'sensitive',
    jsonType: textList(50, 200),
    labels: { fr: 'Problèmes de santé', en: 'Health conditions' },
  },
  {
    key: 'health.medication',
    group: 'health',
    sensitivity: 'sensitive',
    jsonType: textList(50, 200),
    labels: { fr: 'Traitements en cours', en: 'Current medication' },
  },
  {
    key: 'health.pregnancy',
    group: 'health',
    sensitivity: 'sensitive',
    jsonType: { type: 'boolean', description: 'Whether the child is pregnant.' },
    labels: { fr: 'Grossesse en cours', en: 'Pregnant' },
  },

  // education (personal)
  {
    key: 'education.status',
    group: 'education',
    sensitivity: 'personal',
    jsonType: oneOf(EDUCATION_STATUS_OPTIONS),
    labels: { fr: 'Situation scolaire', en: 'Education status' },
    options: EDUCATION_STATUS_OPTIONS,
  },
  {
    key: 'education.school',
    group: 'education',
    sensitivity: 'personal',
    jsonType: text(200),
    labels: { fr: 'École ou établissement fréquenté', en: 'School attended' },
  },

  // legal (sensitive)
  {
    key: 'legal.proceedings',
    group: 'legal',
    sensitivity: 'sensitive',
    jsonType: text(2000),
    labels: { fr: 'Procédures judiciaires en cours', en: 'Ongoing legal proceedings' },
  },
  {
    key: 'legal.documentation',
    group: 'legal',
    sensitivity: 'sensitive',
    jsonType: { ...someOf(DOCUMENT_OPTIONS), description: 'The civil and identity documents the child has; empty when none.' },
    labels: { fr: "Documents d'état civil et d'identité détenus", en: 'Civil and identity documents held' },
    options: DOCUMENT_OPTIONS,
  },

  // case summary (sensitive)
  {
    key: 'case.summary',
    group: 'case_summary',
    sensitivity: 'sensitive',
    jsonType: text(4000),
    labels: { fr: 'Résumé du dossier', en: 'Case summary' },
  },
  {
    key: 'case.needsAssessed',
    group: 'case_summary',
    sensitivity: 'sensitive',
    jsonType: textList(50, 300),
    labels: { fr: "Besoins identifiés lors de l'évaluation", en: 'Needs identified in the assessment' },
  },
  {
    key: 'case.planGoals',
    group: 'case_summary',
    sensitivity: 'sensitive',
    jsonType: textList(50, 500),
    labels: { fr: "Objectifs du plan d'intervention", en: 'Case plan goals' },
  },

  // strictly confidential: recorded by the lead agency, never shared with anyone.
  {
    key: 'caregiver.isAllegedPerpetrator',
    group: 'confidential',
    sensitivity: 'strictly_confidential',
    jsonType: { type: 'boolean' },
    labels: {
      fr: "La personne en charge de l'enfant est l'auteur présumé",
      en: 'The caregiver is the alleged perpetrator',
    },
  },
  {
    key: 'confidential.perpetratorDetails',
    group: 'confidential',
    sensitivity: 'strictly_confidential',
    jsonType: text(4000),
    labels: { fr: "Informations sur l'auteur présumé", en: 'Alleged perpetrator details' },
  },
  {
    key: 'confidential.notes',
    group: 'confidential',
    sensitivity: 'strictly_confidential',
    jsonType: text(4000),
    labels: { fr: 'Notes confidentielles', en: 'Confidential notes' },
  },
] as const satisfies readonly FieldDefinition[]);

/** A field of the catalogue, with its key as a literal type. */
export type CatalogueField = (typeof FIELD_CATALOGUE)[number];
/** The key of a field of the catalogue. */
export type FieldKey = CatalogueField['key'];

const FIELDS_BY_KEY: ReadonlyMap<string, CatalogueField> = new Map(FIELD_CATALOGUE.map((field) => [field.key, field]));

/** Every field key, in catalogue order. */
export const FIELD_KEYS: readonly FieldKey[] = deepFreeze(FIELD_CATALOGUE.map((field) => field.key));

/** The keys of the fields that may ever be shared (every field that is not strictly confidential). */
export const SHAREABLE_FIELD_KEYS: readonly FieldKey[] = deepFreeze(
  FIELD_CATALOGUE.filter((field) => field.sensitivity !== 'strictly_confidential').map((field) => field.key),
);

/** Whether `value` is a key of the catalogue. */
export function isFieldKey(value: unknown): value is FieldKey {
  return typeof value === 'string' && FIELDS_BY_KEY.has(value);
}

/** Whether `value` names a group of the catalogue. */
export function isFieldGroup(value: unknown): value is FieldGroup {
  return typeof value === 'string' && (FIELD_GROUPS as readonly string[]).includes(value);
}

/** The field with this key, or undefined for an unknown key. */
export function fieldByKey(key: FieldKey): CatalogueField;
export function fieldByKey(key: string): CatalogueField | undefined;
export function fieldByKey(key: string): CatalogueField | undefined {
  return FIELDS_BY_KEY.get(key);
}

/** The fields of a group, in catalogue order. */
export function fieldsInGroup(group: FieldGroup): readonly CatalogueField[] {
  return FIELD_CATALOGUE.filter((field) => field.group === group);
}

/**
 * Whether a field may ever be shared with another agency. False for strictly confidential fields
 * and for unknown keys, so that a typo can never open a door.
 */
export function isShareable(key: string): boolean {
  const field = FIELDS_BY_KEY.get(key);
  return field !== undefined && field.sensitivity !== 'strictly_confidential';
}

/** The result of {@link expandFieldSelectors}. */
export type FieldSelectorExpansion = { ok: true; keys: FieldKey[] } | { ok: false; unknown: string[] };

/**
 * Expands the field selectors of a consent scope (field keys and group names) into field keys,
 * without duplicates, in catalogue order. Any selector that is neither a key nor a group makes the
 * whole expansion fail, listing every such selector: a scope is never silently narrowed.
 *
 * Expansion does not filter out strictly confidential keys (only the `confidential` group holds
 * them); use {@link isShareable} when deciding what may be shared.
 */
export function expandFieldSelectors(selectors: readonly string[]): FieldSelectorExpansion {
  const wanted = new Set<FieldKey>();
  const unknown: string[] = [];
  for (const selector of selectors) {
    if (isFieldKey(selector)) wanted.add(selector);
    else if (isFieldGroup(selector)) for (const field of fieldsInGroup(selector)) wanted.add(field.key);
    else if (!unknown.includes(selector)) unknown.push(selector);
  }
  if (unknown.length > 0) return { ok: false, unknown };
  return { ok: true, keys: FIELD_KEYS.filter((key) => wanted.has(key)) };
}

/** One problem with a referral payload. `field` is the field key (or '' for the payload itself). */
export type PayloadFieldError = {
  field: string;
  message: string;
  /** `unknown_field`, `not_shareable`, or the JSON Schema keyword the value broke (`type`, `maxLength`…). */
  code: string;
};

let payloadValidators: ReadonlyMap<string, ValidateFunction> | undefined;

/** Compiled on first use, once: compiling is far slower than validating. */
function validators(): ReadonlyMap<string, ValidateFunction> {
  if (payloadValidators === undefined) {
    const ajv = createAjv();
    payloadValidators = new Map(FIELD_CATALOGUE.map((field) => [field.key, ajv.compile(field.jsonType)]));
  }
  return payloadValidators;
}

/**
 * Checks a referral payload (field key → value). Reports unknown keys, strictly confidential keys
 * (a payload is what the lead offers to share, and those are never shared) and values that do not
 * match their field's schema. An empty array means the payload is valid.
 *
 * Messages never quote the values, so they may be logged and returned to callers.
 */
export function validatePayload(payload: Record<string, unknown>): PayloadFieldError[] {
  if (payload === null || typeof payload !== 'object' || Array.isArray(payload)) {
    return [{ field: '', message: 'must be an object of field keys to values', code: 'type' }];
  }
  const errors: PayloadFieldError[] = [];
  const compiled = validators();
  for (const [key, value] of Object.entries(payload)) {
    const validate = compiled.get(key);
    if (validate === undefined) {
      errors.push({ field: key, message: 'is not a field of the referral field catalogue', code: 'unknown_field' });
      continue;
    }
    if (!isShareable(key)) {
      errors.push({ field: key, message: 'is strictly confidential and is never shared', code: 'not_shareable' });
      continue;
    }
    if (!validate(value)) {
      for (const error of validate.errors ?? []) {
        const where = error.instancePath === '' ? '' : ` (at ${error.instancePath})`;
        errors.push({ field: key, message: `${error.message ?? 'is invalid'}${where}`, code: error.keyword });
      }
    }
  }
  return errors;
}
