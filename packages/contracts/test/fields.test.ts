import { describe, expect, it } from 'vitest';
import {
  CONSENT_WITHDRAWAL_REASONS,
  DECLINE_REASONS,
  FIELD_CATALOGUE,
  FIELD_GROUPS,
  FIELD_GROUP_LABELS,
  FIELD_KEYS,
  LANGUAGES,
  NOT_DELIVERED_REASONS,
  PROTECTION_CONCERNS,
  RISK_LEVELS,
  SHAREABLE_FIELD_KEYS,
  codesOf,
  expandFieldSelectors,
  fieldByKey,
  fieldsInGroup,
  isFieldGroup,
  isFieldKey,
  isShareable,
  labelOf,
  openApiDocument,
  validatePayload,
} from '../src/index.js';
import type { CodeOption, FieldKey } from '../src/index.js';
import { isObject } from './support.js';

/** A valid value for every shareable field (the type makes sure none is missing). */
const VALID_PAYLOAD: Record<Exclude<FieldKey, 'caregiver.isAllegedPerpetrator' | `confidential.${string}`>, unknown> = {
  'child.firstName': 'Amina',
  'child.lastName': 'Kabila',
  'child.dateOfBirth': '2014-03-09',
  'child.age': 12,
  'child.sex': 'female',
  'child.languages': ['fr', 'ln', 'sw-CD'],
  'child.disability': ['hearing'],
  'child.nationality': 'COD',
  'child.legalStatus': 'internally_displaced',
  'child.currentLocation': 'CD6101',
  'child.address': 'Quartier Himbi, avenue du Lac',
  'child.phone': '+243 970 000 000',
  'child.livingWith': 'relatives',
  'caregiver.name': 'Marie Kabila',
  'caregiver.relationship': 'aunt_or_uncle',
  'caregiver.phone': '+243970000001',
  'protection.concerns': ['unaccompanied_or_separated', 'psychosocial_distress'],
  'protection.riskLevel': 'high',
  'protection.immediateSafetyNeeds': "Besoin d'un hébergement sûr cette nuit.",
  'health.conditions': ['Paludisme'],
  'health.medication': [],
  'health.pregnancy': false,
  'education.status': 'dropped_out',
  'education.school': 'EP Himbi',
  'legal.proceedings': 'Aucune',
  'legal.documentation': ['birth_certificate'],
  'case.summary': 'Enfant séparé depuis le déplacement de mars.',
  'case.needsAssessed': ['Réunification familiale', 'Soutien psychosocial'],
  'case.planGoals': ['Retrouver la famille'],
};

describe('the field catalogue', () => {
  it('has unique keys of the form area.name', () => {
    expect(new Set(FIELD_KEYS).size).toBe(FIELD_CATALOGUE.length);
    for (const key of FIELD_KEYS) expect(key).toMatch(/^[a-z]+\.[a-z][A-Za-z]*$/);
  });

  it('puts at least one field in every group, and only in known groups', () => {
    for (const group of FIELD_GROUPS) expect(fieldsInGroup(group).length, group).toBeGreaterThan(0);
    for (const field of FIELD_CATALOGUE) expect(isFieldGroup(field.group), field.key).toBe(true);
  });

  it('never lets a strictly confidential field be shared, and keeps them all in the confidential group', () => {
    const confidential = FIELD_CATALOGUE.filter((field) => field.sensitivity === 'strictly_confidential');
    expect(confidential.map((field) => field.key)).toEqual(
      expect.arrayContaining(['caregiver.isAllegedPerpetrator', 'confidential.perpetratorDetails', 'confidential.notes']),
    );
    for (const field of confidential) {
      expect(isShareable(field.key), field.key).toBe(false);
      expect(field.group, field.key).toBe('confidential');
    }
    for (const field of fieldsInGroup('confidential')) expect(field.sensitivity, field.key).toBe('strictly_confidential');
    expect(SHAREABLE_FIELD_KEYS).toEqual(FIELD_KEYS.filter((key) => !confidential.some((field) => field.key === key)));
  });

  it('shares ordinary fields but nothing unknown', () => {
    expect(isShareable('child.firstName')).toBe(true);
    expect(isShareable('health.conditions')).toBe(true);
    expect(isShareable('child.favouriteColour')).toBe(false);
    expect(isShareable('')).toBe(false);
  });

  it('labels every field, group and option in French and English', () => {
    const missing: string[] = [];
    const check = (where: string, labels: Record<string, string>): void => {
      for (const language of LANGUAGES) if (!(labels[language] ?? '').trim()) missing.push(`${where} (${language})`);
    };
    for (const field of FIELD_CATALOGUE) {
      check(field.key, field.labels);
      for (const option of 'options' in field ? (field.options as readonly CodeOption[]) : []) {
        check(`${field.key}=${option.code}`, option.labels);
      }
    }
    for (const group of FIELD_GROUPS) check(group, FIELD_GROUP_LABELS[group]);
    const lists = { PROTECTION_CONCERNS, DECLINE_REASONS, NOT_DELIVERED_REASONS, CONSENT_WITHDRAWAL_REASONS, RISK_LEVELS };
    for (const [name, list] of Object.entries(lists)) {
      for (const option of list as readonly CodeOption[]) check(`${name}.${option.code}`, option.labels);
    }
    expect(missing).toEqual([]);
  });

  it('has the protection concern categories of the guidelines as codes, with labels', () => {
    expect(PROTECTION_CONCERNS).toHaveLength(14);
    expect(labelOf(PROTECTION_CONCERNS, 'child_labour', 'fr')).toBe('Travail des enfants');
    expect(labelOf(PROTECTION_CONCERNS, 'no_such_code', 'en')).toBeUndefined();
    expect(fieldByKey('protection.concerns').jsonType).toMatchObject({ items: { enum: codesOf(PROTECTION_CONCERNS) } });
  });

  it('asks for a note exactly when the reason is `other`', () => {
    for (const list of [DECLINE_REASONS, NOT_DELIVERED_REASONS, CONSENT_WITHDRAWAL_REASONS]) {
      for (const reason of list) expect(reason.requiresNote, reason.code).toBe(reason.code === 'other');
    }
  });

  it('makes the value schema of coded fields out of their options', () => {
    for (const field of FIELD_CATALOGUE) {
      if (!('options' in field)) continue;
      const schema = field.jsonType as { enum?: unknown; items?: { enum?: unknown } };
      expect(schema.enum ?? schema.items?.enum, field.key).toEqual(codesOf(field.options));
    }
  });

  it('is frozen, so no consumer can change it for the others', () => {
    expect(Object.isFrozen(FIELD_CATALOGUE)).toBe(true);
    expect(() => {
      (fieldByKey('child.firstName').labels as { fr: string }).fr = 'changé';
    }).toThrow(TypeError);
    expect(Object.isFrozen(DECLINE_REASONS[0])).toBe(true);
  });

  it('is what the consent API lets a scope name: shareable keys and the groups that hold them', () => {
    const selector = openApiDocument('consent').components['schemas']?.['FieldSelector'];
    const enumeration = isObject(selector) ? selector['enum'] : undefined;
    const shareableGroups = FIELD_GROUPS.filter((group) => group !== 'confidential');
    expect(enumeration).toEqual([...shareableGroups, ...SHAREABLE_FIELD_KEYS]);
  });
});

describe('looking fields up', () => {
  it('recognises keys and groups', () => {
    expect(isFieldKey('child.age')).toBe(true);
    expect(isFieldKey('child')).toBe(false);
    expect(isFieldKey(42)).toBe(false);
    expect(isFieldGroup('health')).toBe(true);
    expect(isFieldGroup('child.age')).toBe(false);
    expect(fieldByKey('health.pregnancy')).toMatchObject({ group: 'health', sensitivity: 'sensitive' });
    expect(fieldByKey('child.shoeSize')).toBeUndefined();
  });
});

describe('expandFieldSelectors', () => {
  it('expands a group name into the keys of that group', () => {
    expect(expandFieldSelectors(['health'])).toEqual({
      ok: true,
      keys: ['health.conditions', 'health.medication', 'health.pregnancy'],
    });
  });

  it('mixes keys and groups without duplicates, in catalogue order', () => {
    const result = expandFieldSelectors(['education.school', 'protection.riskLevel', 'education']);
    expect(result).toEqual({ ok: true, keys: ['protection.riskLevel', 'education.status', 'education.school'] });
  });

  it('fails on unknown selectors, listing every one of them', () => {
    expect(expandFieldSelectors(['health', 'child.shoeSize', 'medical', 'medical'])).toEqual({
      ok: false,
      unknown: ['child.shoeSize', 'medical'],
    });
  });

  it('expands nothing into nothing', () => {
    expect(expandFieldSelectors([])).toEqual({ ok: true, keys: [] });
  });
});

describe('validatePayload', () => {
  it('accepts a value of the right shape for every shareable field', () => {
    expect(validatePayload(VALID_PAYLOAD)).toEqual([]);
    expect(Object.keys(VALID_PAYLOAD).sort()).toEqual([...SHAREABLE_FIELD_KEYS].sort());
  });

  it('rejects a value of the wrong type, naming the field without quoting the value', () => {
    const errors = validatePayload({ 'child.age': 'twelve', 'child.firstName': 'Amina' });
    expect(errors).toEqual([{ field: 'child.age', message: 'must be integer', code: 'type' }]);
    expect(JSON.stringify(errors)).not.toContain('twelve');
  });

  it('rejects an unknown key', () => {
    expect(validatePayload({ 'child.shoeSize': 34 })).toEqual([
      { field: 'child.shoeSize', message: 'is not a field of the referral field catalogue', code: 'unknown_field' },
    ]);
  });

  it('rejects a strictly confidential field, which is never shared', () => {
    expect(validatePayload({ 'confidential.notes': 'Suspicion concernant un voisin' })).toEqual([
      { field: 'confidential.notes', message: 'is strictly confidential and is never shared', code: 'not_shareable' },
    ]);
    expect(validatePayload({ 'caregiver.isAllegedPerpetrator': true })[0]?.code).toBe('not_shareable');
  });

  it('rejects codes outside a field option list, and empty or overlong texts', () => {
    const errors = validatePayload({
      'protection.concerns': ['witchcraft_accusation'],
      'child.sex': 'F',
      'case.summary': '',
      'child.address': 'x'.repeat(501),
      'child.dateOfBirth': '09/03/2014',
    });
    expect(errors.map((error) => error.field)).toEqual([
      'protection.concerns',
      'child.sex',
      'case.summary',
      'child.address',
      'child.dateOfBirth',
    ]);
  });

  it('rejects null rather than treat it as absent', () => {
    expect(validatePayload({ 'child.age': null })).toHaveLength(1);
  });
});
