/**
 * The demo case, as data: the people who handle it in the demo network
 * (`network.ts`), what the lead caseworker proposes to share, and what the
 * caregiver and the child agree to share with whom.
 *
 * Everything here is made up. The child, her aunt and their story are
 * fictional; staff contacts are work contacts on reserved example domains
 * (RFC 2606) and numbers of the network's test range.
 */
import type { Locale, Role } from '@referral-hub/platform';
import { demoOrganization } from './network.js';
import type { DemoOrganizationKey } from './network.js';

export type DemoPersonKey = 'lead' | 'supervisor' | 'dppeFocalPoint' | 'clinicFocalPoint';

/** A person of the demo, as their identity provider would describe them in a token. */
export type DemoPerson = {
  key: DemoPersonKey;
  /** The token's `sub`. */
  userId: string;
  organizationKey: DemoOrganizationKey;
  roles: Role[];
  name: string;
  /** Their job, in French (the network's working language). */
  title: string;
  email: string;
  phone: string | null;
  locale: Locale;
  /** `supervisor_sub`: whom the lead answers to. */
  supervisorUserId?: string;
};

function focalPointOf(organizationKey: DemoOrganizationKey): { name: string; title: string; email: string; phone: string } {
  const organization = demoOrganization(organizationKey);
  const focalPoint = organization.focalPoints.find((f) => f.serviceKey === undefined);
  if (focalPoint === undefined || focalPoint.email === undefined || focalPoint.email === null) {
    throw new Error(`the demo organisation ${organizationKey} has no focal point with an email`);
  }
  if (focalPoint.phone === undefined || focalPoint.phone === null || !/^\+[1-9][0-9]{7,14}$/.test(focalPoint.phone)) {
    throw new Error(`the demo organisation ${organizationKey} has no focal point with a work phone in E.164`);
  }
  return { name: focalPoint.name, title: focalPoint.title ?? 'Point focal', email: focalPoint.email, phone: focalPoint.phone };
}

const dppe = focalPointOf('dppe');
const clinic = focalPointOf('ubuzima');

/**
 * The lead caseworker works for the lead case-management NGO; her
 * supervisor is its case-management coordinator. The two focal points are
 * those the directory lists for the department and the clinic, with the
 * directory's work phone: the number the hub texts, and answers.
 */
export const DEMO_PEOPLE: Readonly<Record<DemoPersonKey, DemoPerson>> = {
  lead: {
    key: 'lead',
    userId: 'demo-cw-uwimana',
    organizationKey: 'tubakingire',
    roles: ['caseworker'],
    name: 'Divine Uwimana',
    title: 'Gestionnaire de cas',
    email: 'divine.uwimana@tubakingire.example.org',
    phone: '+25779000901',
    locale: 'fr',
    supervisorUserId: 'demo-sup-irakoze',
  },
  supervisor: {
    key: 'supervisor',
    userId: 'demo-sup-irakoze',
    organizationKey: 'tubakingire',
    roles: ['supervisor'],
    name: 'Aline Irakoze',
    title: 'Coordinatrice gestion de cas',
    email: 'aline.irakoze@tubakingire.example.org',
    phone: '+25779000902',
    locale: 'fr',
  },
  dppeFocalPoint: {
    key: 'dppeFocalPoint',
    userId: 'demo-fp-hakizimana',
    organizationKey: 'dppe',
    roles: ['focal_point'],
    name: dppe.name,
    title: dppe.title,
    email: dppe.email,
    phone: dppe.phone,
    locale: 'fr',
  },
  clinicFocalPoint: {
    key: 'clinicFocalPoint',
    userId: 'demo-fp-niyonzima',
    organizationKey: 'ubuzima',
    roles: ['focal_point'],
    name: clinic.name,
    title: clinic.title,
    email: clinic.email,
    phone: clinic.phone,
    locale: 'fr',
  },
};

/** The child's age in years, as the consent context records it (never a date of birth). */
export const DEMO_CHILD_AGE = 12;

/**
 * What the lead proposes to share, with both recipients: one payload, so
 * the demo shows the consent service narrowing it differently for each.
 * Fictional.
 */
export const DEMO_PAYLOAD = {
  'child.firstName': 'Keza',
  'child.lastName': 'Ndayisenga',
  'child.age': DEMO_CHILD_AGE,
  'child.sex': 'female',
  'child.languages': ['rn', 'fr'],
  'child.currentLocation': 'MV-RG-CT-02',
  'health.conditions': ['Toux persistante depuis trois semaines', 'Perte de poids'],
  'health.medication': ['Aucun traitement en cours'],
  'protection.riskLevel': 'medium',
  'case.summary':
    'Enfant séparée de sa mère lors d’un déplacement, accueillie depuis quatre mois par sa tante. Suivi psychosocial en cours ; scolarité interrompue.',
  'case.needsAssessed': ['Bilan de santé', 'Recherche familiale', 'Appui à la famille d’accueil'],
  'case.planGoals': ['Bilan de santé sous deux semaines', 'Décision sur la prise en charge par la DPPE'],
} as const;

/** The groups of the field catalogue each recipient may receive (what the consents name). */
export const DEMO_SHARING = {
  /** The clinic: who the child is, and her health. */
  clinic: ['identity', 'health'],
  /** The department: the case summary only. */
  dppe: ['case_summary'],
} as const;

/** The services the lead looks for in the directory, and where the child lives. */
export const DEMO_SEARCH = {
  area: 'MV-RG',
  clinic: { type: 'medical_care', organizationKey: 'ubuzima' as DemoOrganizationKey },
  dppe: { type: 'case_management', organizationKey: 'dppe' as DemoOrganizationKey },
} as const;

/** A new pseudonymous case code per run, `MV-<date>-<4 letters or digits>`: never anything about the child. */
export function newDemoCaseCode(now: Date = new Date()): string {
  const alphabet = 'ABCDEFGHJKLMNPQRSTUVWXYZ23456789';
  let suffix = '';
  for (let i = 0; i < 4; i += 1) suffix += alphabet[Math.floor(Math.random() * alphabet.length)];
  return `MV-${now.toISOString().slice(0, 10).replaceAll('-', '')}-${suffix}`;
}
