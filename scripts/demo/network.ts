/**
 * The demo network, as data: a fictional French-speaking province (Mivumba)
 * with its communes, zones and collines, a government child-protection
 * department, six NGOs, a UN agency and two community child-protection
 * committees, their services, locations and referral focal points, and the
 * information-sharing agreement between the lead NGO, the clinic and the
 * department.
 *
 * Every place, organisation and person here is made up. Contacts are work
 * contacts on reserved example domains (`example.org`, RFC 2606) and test
 * numbers (`+257 79 00 …`); nothing here may ever point to a real person.
 *
 * The directory assigns organisation ids itself (its API takes no client id),
 * so the stable handle of a demo organisation is its `key`; `findDemoNetwork`
 * in `seed.ts` turns the keys into the ids of a running hub.
 */
import type { ConsentApi, DirectoryApi } from '@referral-hub/contracts';

type DirectorySchemas = DirectoryApi.components['schemas'];

export type DemoArea = { code: string; parentCode: string | null; names: { fr: string; en: string } };

export type DemoLocation = {
  /** Unique within its organisation; services name their locations by it. */
  key: string;
  name: string;
  areaCode: string;
  address: string;
  coordinates: { latitude: number; longitude: number };
  /** A safe house: address and coordinates are shown only to its organisation and coordinators. */
  confidential?: boolean;
};

export type DemoService = Omit<DirectorySchemas['NewService'], 'locationIds' | 'markVerified' | 'name' | 'description'> & {
  /** Unique within its organisation; service-level focal points name their service by it. */
  key: string;
  /** Both languages: the demo shows the hub's bilingual search. */
  name: { fr: string; en: string };
  description: { fr: string; en: string };
  locationKeys: readonly string[];
};

export type DemoFocalPoint = Omit<DirectorySchemas['NewFocalPoint'], 'serviceId'> & {
  /** The service it receives referrals for; absent for the organisation's own focal point. */
  serviceKey?: string;
};

export const DEMO_ORGANIZATION_KEYS = [
  'dppe',
  'tubakingire',
  'ubuzima',
  'adem',
  'amahoro',
  'ejo_heza',
  'twiyubake',
  'bnupe',
  'cpe_rugazi',
  'cpe_kabingo',
] as const;

export type DemoOrganizationKey = (typeof DEMO_ORGANIZATION_KEYS)[number];

export type DemoOrganization = Omit<DirectorySchemas['NewOrganization'], 'name' | 'type'> & {
  key: DemoOrganizationKey;
  /** Unique in the network: the seed finds an existing organisation by it. */
  name: string;
  type: DirectorySchemas['NewOrganization']['type'];
  /** The `sub` of the organisation's administrator, who keeps its entries and accepts agreements. */
  adminUserId: string;
  locations: readonly DemoLocation[];
  services: readonly DemoService[];
  focalPoints: readonly DemoFocalPoint[];
};

export type DemoAgreement = Omit<ConsentApi.components['schemas']['NewAgreement'], 'partyOrganizationIds' | 'reviewDate'> & {
  parties: readonly DemoOrganizationKey[];
  /** The review date is this many days after the day of seeding. */
  reviewAfterDays: number;
};

/**
 * The network coordinator who seeds the network. The coordination unit is
 * not an organisation of the directory: its id is a fixed constant so that
 * its history entries are recognisable.
 */
export const DEMO_COORDINATOR = {
  userId: 'demo-coordinator',
  organizationId: '5eed0000-0000-4000-8000-00000000c00d',
  name: 'Coordination du réseau (démo)',
} as const;

const P = 'MV';

/** Province, communes, zones, collines: the four levels of the directory's area model. */
export const DEMO_AREAS: readonly DemoArea[] = [
  { code: P, parentCode: null, names: { fr: 'Province de Mivumba', en: 'Mivumba Province' } },

  { code: `${P}-RG`, parentCode: P, names: { fr: 'Commune de Rugazi', en: 'Rugazi Commune' } },
  { code: `${P}-KB`, parentCode: P, names: { fr: 'Commune de Kabingo', en: 'Kabingo Commune' } },
  { code: `${P}-NY`, parentCode: P, names: { fr: 'Commune de Nyamurenge', en: 'Nyamurenge Commune' } },

  { code: `${P}-RG-CT`, parentCode: `${P}-RG`, names: { fr: 'Zone Rugazi-Centre', en: 'Rugazi-Centre Zone' } },
  { code: `${P}-RG-GT`, parentCode: `${P}-RG`, names: { fr: 'Zone Gitaramuka', en: 'Gitaramuka Zone' } },
  { code: `${P}-KB-CT`, parentCode: `${P}-KB`, names: { fr: 'Zone Kabingo-Centre', en: 'Kabingo-Centre Zone' } },
  { code: `${P}-KB-MS`, parentCode: `${P}-KB`, names: { fr: 'Zone Musasa', en: 'Musasa Zone' } },
  { code: `${P}-NY-CT`, parentCode: `${P}-NY`, names: { fr: 'Zone Nyamurenge-Centre', en: 'Nyamurenge-Centre Zone' } },
  { code: `${P}-NY-BW`, parentCode: `${P}-NY`, names: { fr: 'Zone Buhowe', en: 'Buhowe Zone' } },

  { code: `${P}-RG-CT-01`, parentCode: `${P}-RG-CT`, names: { fr: 'Colline Kinyami', en: 'Kinyami Hill' } },
  { code: `${P}-RG-CT-02`, parentCode: `${P}-RG-CT`, names: { fr: 'Colline Rusenga', en: 'Rusenga Hill' } },
  { code: `${P}-RG-GT-01`, parentCode: `${P}-RG-GT`, names: { fr: 'Colline Mubanda', en: 'Mubanda Hill' } },
  { code: `${P}-RG-GT-02`, parentCode: `${P}-RG-GT`, names: { fr: 'Colline Karehe', en: 'Karehe Hill' } },
  { code: `${P}-KB-CT-01`, parentCode: `${P}-KB-CT`, names: { fr: 'Colline Nyakiriba', en: 'Nyakiriba Hill' } },
  { code: `${P}-KB-CT-02`, parentCode: `${P}-KB-CT`, names: { fr: 'Colline Gihoma', en: 'Gihoma Hill' } },
  { code: `${P}-KB-MS-01`, parentCode: `${P}-KB-MS`, names: { fr: 'Colline Ruvumo', en: 'Ruvumo Hill' } },
  { code: `${P}-KB-MS-02`, parentCode: `${P}-KB-MS`, names: { fr: 'Colline Bitare', en: 'Bitare Hill' } },
  { code: `${P}-NY-CT-01`, parentCode: `${P}-NY-CT`, names: { fr: 'Colline Kamenge-Haut', en: 'Upper Kamenge Hill' } },
  { code: `${P}-NY-CT-02`, parentCode: `${P}-NY-CT`, names: { fr: 'Colline Murengeza', en: 'Murengeza Hill' } },
  { code: `${P}-NY-BW-01`, parentCode: `${P}-NY-BW`, names: { fr: 'Colline Nyarukere', en: 'Nyarukere Hill' } },
  { code: `${P}-NY-BW-02`, parentCode: `${P}-NY-BW`, names: { fr: 'Colline Gasenyi', en: 'Gasenyi Hill' } },
];

const ALL = [P];
const WEEKDAYS = 'Lundi–vendredi 8h00–16h30';
const FREE = 'Gratuit';
/** Every child, any sex. */
const CHILDREN: DirectorySchemas['Eligibility'] = { minAge: 0, maxAge: 17, sexes: [] };
/** A made-up number in a test range, as people write it: `+257 79 000 0nn`. */
const fp = (n: number): string => `+257 79 000 ${String(n).padStart(3, '0')}`;
/**
 * A focal point's work phone, the same made-up number in E.164 (`+25779000nnn`):
 * the hub texts it, and recognises the focal point when an SMS or a USSD session
 * comes from it.
 */
const workPhone = (n: number): string => `+25779000${String(n).padStart(3, '0')}`;

export const DEMO_ORGANIZATIONS: readonly DemoOrganization[] = [
  {
    key: 'dppe',
    name: "Direction provinciale de la protection de l'enfant de Mivumba",
    acronym: 'DPPE-Mivumba',
    type: 'government',
    description:
      "Service public chargé de la protection de l'enfance dans la province : gestion des cas relevant de l'autorité publique, placements, détermination de l'intérêt supérieur et coordination avec la police et la justice.",
    contact: { email: 'contact@dppe-mivumba.example.org', phone: fp(1), website: 'https://dppe-mivumba.example.org' },
    areasServed: ALL,
    adminUserId: 'demo-admin-dppe',
    locations: [
      {
        key: 'office',
        name: 'Bureau provincial',
        areaCode: 'MV-RG-CT-01',
        address: "Avenue de l'Indépendance 14, Rugazi",
        coordinates: { latitude: -3.3871, longitude: 29.9214 },
      },
    ],
    services: [
      {
        key: 'statutory_cm',
        name: { fr: "Gestion des cas de protection de l'enfant", en: 'Statutory child-protection case management' },
        description: {
          fr: "Prise en charge des cas graves relevant de l'autorité publique : évaluation, plan de protection, suivi et mesures d'urgence.",
          en: 'Handles severe cases under public authority: assessment, protection plan, follow-up and emergency measures.',
        },
        types: ['case_management'],
        eligibility: { ...CHILDREN, note: 'Cas à risque élevé ou signalés par la police ou la justice.' },
        languages: ['fr', 'rn'],
        cost: FREE,
        openingHours: WEEKDAYS,
        capacity: { status: 'assessment_required', note: "Évaluation par l'assistant social de permanence." },
        acceptsReferrals: true,
        areasServed: ALL,
        locationKeys: ['office'],
      },
      {
        key: 'placement',
        name: { fr: 'Placement familial et prise en charge alternative', en: 'Foster placement and alternative care' },
        description: {
          fr: "Recherche, évaluation et suivi des familles d'accueil ; placement des enfants privés de soins parentaux.",
          en: 'Recruits, assesses and supervises foster families; places children without parental care.',
        },
        types: ['alternative_care'],
        eligibility: { ...CHILDREN, note: 'Sur décision du comité provincial de placement.' },
        languages: ['fr', 'rn'],
        cost: FREE,
        openingHours: WEEKDAYS,
        capacity: { status: 'waitlist', note: 'Trois familles en cours de formation.' },
        acceptsReferrals: true,
        areasServed: ALL,
        locationKeys: ['office'],
      },
      {
        key: 'birth_registration',
        name: { fr: 'Enregistrement tardif des naissances', en: 'Late birth registration' },
        description: {
          fr: "Accompagnement des familles pour l'enregistrement tardif et la délivrance des actes de naissance.",
          en: 'Helps families with late registration and the issuing of birth certificates.',
        },
        types: ['civil_documentation'],
        eligibility: CHILDREN,
        languages: ['fr', 'rn'],
        cost: FREE,
        openingHours: 'Mardi et jeudi 8h00–12h00',
        capacity: { status: 'available' },
        acceptsReferrals: true,
        areasServed: ALL,
        locationKeys: ['office'],
      },
      {
        key: 'police_liaison',
        name: { fr: 'Cellule de liaison police-justice pour mineurs', en: 'Police and justice liaison for children' },
        description: {
          fr: "Accompagne les enfants en contact avec la police et la justice : audition adaptée, alternatives à la détention, lien avec le parquet.",
          en: 'Supports children in contact with the police and courts: child-friendly hearings, alternatives to detention, liaison with the prosecutor.',
        },
        types: ['police_justice'],
        eligibility: { minAge: 0, maxAge: 17, sexes: [], note: 'Enfants victimes, témoins ou en conflit avec la loi.' },
        languages: ['fr', 'rn'],
        cost: FREE,
        openingHours: 'Tous les jours, permanence téléphonique 24 h/24',
        capacity: { status: 'available' },
        acceptsReferrals: true,
        areasServed: ALL,
        locationKeys: ['office'],
      },
      {
        key: 'bid_panel',
        name: { fr: "Panel provincial de détermination de l'intérêt supérieur", en: 'Provincial best-interests determination panel' },
        description: {
          fr: "Le panel se réunit chaque mois pour les décisions durables : réunification, placement de longue durée, solutions transfrontalières.",
          en: 'The panel meets monthly for durable decisions: reunification, long-term placement, cross-border solutions.',
        },
        types: ['best_interests_determination'],
        eligibility: { ...CHILDREN, note: "Dossier complet d'évaluation de l'intérêt supérieur requis." },
        languages: ['fr'],
        cost: FREE,
        openingHours: 'Premier mercredi du mois',
        capacity: { status: 'assessment_required' },
        acceptsReferrals: true,
        areasServed: ALL,
        locationKeys: ['office'],
      },
    ],
    focalPoints: [
      {
        // The department's own focal point is named last of the whole seed: see seed.ts.
        name: 'Consolate Hakizimana',
        title: "Cheffe du service de l'aide sociale à l'enfance",
        email: 'referrals@dppe-mivumba.example.org',
        phone: workPhone(2),
        languages: ['fr', 'rn'],
        notificationLanguage: 'fr',
      },
      {
        serviceKey: 'police_liaison',
        name: 'Jean-Bosco Nimpagaritse',
        title: 'Officier de liaison mineurs',
        email: 'liaison.mineurs@dppe-mivumba.example.org',
        phone: workPhone(3),
        languages: ['fr', 'rn'],
        notificationLanguage: 'fr',
      },
    ],
  },
  {
    key: 'tubakingire',
    name: "Association Tubakingire pour la protection de l'enfant",
    acronym: 'ATPE',
    type: 'ngo',
    description:
      "ONG nationale, agence chef de file de la gestion de cas dans la province : gestion de cas, recherche familiale, espaces amis des enfants et accompagnement des enfants non accompagnés.",
    contact: { email: 'info@tubakingire.example.org', phone: fp(10), website: 'https://tubakingire.example.org' },
    areasServed: ['MV-RG', 'MV-KB', 'MV-NY'],
    adminUserId: 'demo-admin-tubakingire',
    locations: [
      {
        key: 'rugazi',
        name: 'Bureau de Rugazi',
        areaCode: 'MV-RG-CT-02',
        address: 'Quartier Rusenga, rue 3, Rugazi',
        coordinates: { latitude: -3.3902, longitude: 29.9288 },
      },
      {
        key: 'kabingo',
        name: 'Antenne de Kabingo',
        areaCode: 'MV-KB-CT-01',
        address: 'Marché de Nyakiriba, Kabingo',
        coordinates: { latitude: -3.2655, longitude: 29.8741 },
      },
    ],
    services: [
      {
        key: 'case_management',
        name: { fr: 'Gestion de cas pour enfants à risque', en: 'Case management for children at risk' },
        description: {
          fr: "Évaluation, plan d'action et suivi par un travailleur social attitré, en lien avec les autres services du réseau.",
          en: 'Assessment, case plan and follow-up by a dedicated caseworker, together with the other services of the network.',
        },
        types: ['case_management'],
        eligibility: CHILDREN,
        languages: ['fr', 'rn', 'sw'],
        cost: FREE,
        openingHours: WEEKDAYS,
        capacity: { status: 'available' },
        acceptsReferrals: true,
        areasServed: ['MV-RG', 'MV-KB', 'MV-NY'],
        locationKeys: ['rugazi', 'kabingo'],
      },
      {
        key: 'ftr',
        name: { fr: 'Recherche familiale et réunification', en: 'Family tracing and reunification' },
        description: {
          fr: 'Recherche des familles des enfants séparés, vérification des liens, préparation et suivi de la réunification.',
          en: 'Traces the families of separated children, verifies relationships, prepares and follows up reunification.',
        },
        types: ['family_tracing_reunification'],
        eligibility: { ...CHILDREN, note: 'Enfants non accompagnés ou séparés.' },
        languages: ['fr', 'rn', 'sw'],
        cost: FREE,
        openingHours: WEEKDAYS,
        capacity: { status: 'available' },
        acceptsReferrals: true,
        areasServed: ALL,
        locationKeys: ['rugazi'],
      },
      {
        key: 'cfs',
        name: { fr: 'Espaces amis des enfants', en: 'Child-friendly spaces' },
        description: {
          fr: 'Activités récréatives et psychosociales encadrées, repérage des enfants à risque.',
          en: 'Supervised recreational and psychosocial activities; identification of children at risk.',
        },
        types: ['mhpss', 'community_based_protection'],
        eligibility: { minAge: 3, maxAge: 17, sexes: [] },
        languages: ['fr', 'rn'],
        cost: FREE,
        openingHours: 'Lundi–samedi 9h00–17h00',
        capacity: { status: 'available' },
        acceptsReferrals: true,
        areasServed: ['MV-RG', 'MV-KB'],
        locationKeys: ['rugazi', 'kabingo'],
      },
      {
        key: 'uasc',
        name: { fr: 'Accompagnement des enfants non accompagnés et séparés', en: 'Support for unaccompanied and separated children' },
        description: {
          fr: "Prise en charge immédiate, placement temporaire en famille d'accueil et suivi jusqu'à une solution durable.",
          en: 'Immediate care, temporary placement with a foster family and follow-up until a durable solution.',
        },
        types: ['case_management', 'alternative_care'],
        eligibility: { ...CHILDREN, note: 'Enfants non accompagnés ou séparés.' },
        languages: ['fr', 'rn', 'sw'],
        cost: FREE,
        openingHours: 'Tous les jours',
        capacity: { status: 'waitlist', note: 'Places temporaires limitées.' },
        acceptsReferrals: true,
        areasServed: ALL,
        locationKeys: ['rugazi'],
      },
      {
        key: 'bia',
        name: { fr: "Évaluation de l'intérêt supérieur", en: 'Best-interests assessment' },
        description: {
          fr: "Évaluations de l'intérêt supérieur et préparation des dossiers pour le panel provincial.",
          en: 'Best-interests assessments and preparation of files for the provincial panel.',
        },
        types: ['best_interests_determination', 'case_management'],
        eligibility: CHILDREN,
        languages: ['fr', 'rn'],
        cost: FREE,
        openingHours: WEEKDAYS,
        capacity: { status: 'available' },
        acceptsReferrals: true,
        areasServed: ALL,
        locationKeys: ['rugazi'],
      },
      {
        key: 'street_children',
        name: { fr: 'Réintégration des enfants en situation de rue', en: 'Reintegration of children living on the street' },
        description: {
          fr: 'Travail de rue, accueil de jour, recherche familiale et accompagnement du retour en famille.',
          en: 'Street outreach, day centre, family tracing and support for the return home.',
        },
        types: ['case_management', 'family_tracing_reunification'],
        eligibility: { minAge: 6, maxAge: 17, sexes: [] },
        languages: ['fr', 'rn', 'sw'],
        cost: FREE,
        openingHours: 'Lundi–samedi 8h00–18h00',
        capacity: { status: 'full', note: 'Liste d’attente rouverte le mois prochain.' },
        acceptsReferrals: true,
        areasServed: ['MV-KB'],
        locationKeys: ['kabingo'],
      },
    ],
    focalPoints: [
      {
        name: 'Aline Irakoze',
        title: 'Coordinatrice gestion de cas',
        email: 'referrals@tubakingire.example.org',
        phone: workPhone(11),
        languages: ['fr', 'rn', 'sw'],
        notificationLanguage: 'fr',
      },
      {
        serviceKey: 'ftr',
        name: 'Pacifique Ndikumana',
        title: 'Chargé de la recherche familiale',
        email: 'ftr@tubakingire.example.org',
        phone: workPhone(12),
        languages: ['fr', 'rn', 'sw'],
        notificationLanguage: 'fr',
      },
    ],
  },
  {
    key: 'ubuzima',
    name: 'Clinique communautaire Ubuzima',
    acronym: 'CCU',
    type: 'ngo',
    description:
      "ONG de santé : soins pédiatriques, prise en charge médicale et psychologique des survivants de violences, dépistage et traitement de la malnutrition.",
    contact: { email: 'accueil@ubuzima.example.org', phone: fp(20), website: 'https://ubuzima.example.org' },
    areasServed: ['MV-RG', 'MV-NY'],
    adminUserId: 'demo-admin-ubuzima',
    locations: [
      {
        key: 'clinic',
        name: 'Clinique de Rugazi',
        areaCode: 'MV-RG-GT-01',
        address: 'Route de Mubanda, Rugazi',
        coordinates: { latitude: -3.3955, longitude: 29.9102 },
      },
      {
        key: 'health_post',
        name: 'Poste de santé de Buhowe',
        areaCode: 'MV-NY-BW-01',
        address: 'Centre de négoce de Nyarukere, Nyamurenge',
        coordinates: { latitude: -3.5123, longitude: 29.9867 },
      },
    ],
    services: [
      {
        key: 'paediatrics',
        name: { fr: 'Consultations pédiatriques', en: 'Paediatric consultations' },
        description: {
          fr: 'Consultations, vaccinations et soins courants pour les enfants.',
          en: 'Consultations, vaccinations and routine care for children.',
        },
        types: ['medical_care'],
        eligibility: CHILDREN,
        languages: ['fr', 'rn'],
        cost: FREE,
        openingHours: 'Lundi–samedi 7h30–17h00',
        capacity: { status: 'available' },
        acceptsReferrals: true,
        areasServed: ['MV-RG', 'MV-NY'],
        locationKeys: ['clinic', 'health_post'],
      },
      {
        key: 'cmr',
        name: { fr: 'Prise en charge médicale des survivants de violences sexuelles', en: 'Clinical management of rape' },
        description: {
          fr: 'Soins médicaux urgents, prophylaxie post-exposition dans les 72 heures, certificat médical et orientation.',
          en: 'Urgent medical care, post-exposure prophylaxis within 72 hours, medical certificate and onward referral.',
        },
        types: ['medical_care', 'gbv_response'],
        eligibility: { minAge: 0, maxAge: 17, sexes: [], note: 'Urgence : se présenter au plus tôt, 24 h/24.' },
        languages: ['fr', 'rn', 'sw'],
        cost: FREE,
        openingHours: 'Tous les jours, 24 h/24',
        capacity: { status: 'available' },
        acceptsReferrals: true,
        areasServed: ['MV-RG', 'MV-NY'],
        locationKeys: ['clinic'],
      },
      {
        key: 'counselling',
        name: { fr: 'Soutien psychologique individuel', en: 'Individual psychological support' },
        description: {
          fr: 'Entretiens avec un psychologue clinicien pour enfants et adolescents en détresse.',
          en: 'Sessions with a clinical psychologist for children and adolescents in distress.',
        },
        types: ['mhpss'],
        eligibility: { minAge: 5, maxAge: 17, sexes: [] },
        languages: ['fr', 'rn'],
        cost: FREE,
        openingHours: WEEKDAYS,
        capacity: { status: 'waitlist', note: 'Délai actuel : deux semaines.' },
        acceptsReferrals: true,
        areasServed: ['MV-RG'],
        locationKeys: ['clinic'],
      },
      {
        key: 'malnutrition',
        name: { fr: 'Dépistage et traitement de la malnutrition aiguë', en: 'Acute malnutrition screening and treatment' },
        description: {
          fr: 'Dépistage, traitement ambulatoire de la malnutrition aiguë et suivi nutritionnel.',
          en: 'Screening, outpatient treatment of acute malnutrition and nutritional follow-up.',
        },
        types: ['nutrition', 'medical_care'],
        eligibility: { minAge: 0, maxAge: 5, sexes: [] },
        languages: ['fr', 'rn'],
        cost: FREE,
        openingHours: 'Lundi, mercredi, vendredi 8h00–14h00',
        capacity: { status: 'available' },
        acceptsReferrals: true,
        areasServed: ['MV-NY'],
        locationKeys: ['health_post'],
      },
      {
        key: 'psychiatry',
        name: { fr: 'Consultations spécialisées en santé mentale', en: 'Specialised mental health consultations' },
        description: {
          fr: 'Évaluation et traitement des troubles mentaux de l’enfant par un médecin formé.',
          en: "Assessment and treatment of children's mental disorders by a trained doctor.",
        },
        types: ['mhpss', 'medical_care'],
        eligibility: { minAge: 6, maxAge: 17, sexes: [], note: 'Sur orientation d’un travailleur social ou d’un médecin.' },
        languages: ['fr'],
        cost: FREE,
        openingHours: 'Jeudi 8h00–16h00',
        capacity: { status: 'assessment_required' },
        acceptsReferrals: true,
        areasServed: ALL,
        locationKeys: ['clinic'],
      },
    ],
    focalPoints: [
      {
        name: 'Dr Espérance Niyonzima',
        title: 'Médecin-cheffe',
        email: 'referrals@ubuzima.example.org',
        phone: workPhone(21),
        languages: ['fr', 'rn'],
        notificationLanguage: 'fr',
      },
      {
        serviceKey: 'cmr',
        name: 'Goreth Bizimana',
        title: 'Infirmière référente VBG',
        email: 'vbg@ubuzima.example.org',
        phone: workPhone(22),
        languages: ['fr', 'rn', 'sw'],
        notificationLanguage: 'fr',
      },
    ],
  },
  {
    key: 'adem',
    name: "Avocats pour les droits de l'enfant de Mivumba",
    acronym: 'ADEM',
    type: 'ngo',
    description:
      "Association d'avocats et de juristes : assistance juridique gratuite, représentation des enfants, cliniques juridiques mobiles pour la documentation civile.",
    contact: { email: 'contact@adem.example.org', phone: fp(30) },
    areasServed: ALL,
    adminUserId: 'demo-admin-adem',
    locations: [
      {
        key: 'office',
        name: 'Cabinet de Rugazi',
        areaCode: 'MV-RG-CT-01',
        address: 'Immeuble Umoja, 2e étage, Rugazi',
        coordinates: { latitude: -3.3866, longitude: 29.9231 },
      },
    ],
    services: [
      {
        key: 'legal_representation',
        name: { fr: 'Assistance juridique et représentation des mineurs', en: 'Legal aid and representation of children' },
        description: {
          fr: 'Conseil juridique et représentation des enfants victimes ou en conflit avec la loi devant les juridictions.',
          en: 'Legal advice and representation in court for children who are victims or in conflict with the law.',
        },
        types: ['legal_aid', 'police_justice'],
        eligibility: CHILDREN,
        languages: ['fr', 'rn'],
        cost: FREE,
        openingHours: WEEKDAYS,
        capacity: { status: 'available' },
        acceptsReferrals: true,
        areasServed: ALL,
        locationKeys: ['office'],
      },
      {
        key: 'mobile_clinic',
        name: { fr: 'Clinique juridique mobile', en: 'Mobile legal clinic' },
        description: {
          fr: "Permanences sur les collines pour l'obtention des actes d'état civil et les jugements supplétifs.",
          en: 'Visits to the hills to obtain civil status records and supplementary judgements.',
        },
        types: ['civil_documentation', 'legal_aid'],
        eligibility: CHILDREN,
        languages: ['fr', 'rn'],
        cost: FREE,
        openingHours: 'Selon le calendrier des collines',
        capacity: { status: 'available' },
        acceptsReferrals: true,
        areasServed: ['MV-KB', 'MV-NY'],
        locationKeys: [],
      },
      {
        key: 'victim_support',
        name: { fr: 'Accompagnement des enfants victimes dans la procédure pénale', en: 'Support for child victims in criminal proceedings' },
        description: {
          fr: 'Préparation à l’audition, présence aux côtés de l’enfant, suivi de la plainte.',
          en: 'Preparation for hearings, accompanying the child, following up the complaint.',
        },
        types: ['police_justice', 'legal_aid'],
        eligibility: CHILDREN,
        languages: ['fr', 'rn'],
        cost: FREE,
        openingHours: WEEKDAYS,
        capacity: { status: 'available' },
        acceptsReferrals: true,
        areasServed: ALL,
        locationKeys: ['office'],
      },
      {
        key: 'mediation',
        name: { fr: 'Médiation familiale et pension alimentaire', en: 'Family mediation and child maintenance' },
        description: {
          fr: 'Médiation entre parents et démarches pour la pension alimentaire de l’enfant.',
          en: "Mediation between parents and steps to secure the child's maintenance.",
        },
        types: ['legal_aid'],
        eligibility: CHILDREN,
        languages: ['fr', 'rn'],
        cost: FREE,
        openingHours: 'Mercredi 8h00–12h00',
        capacity: { status: 'waitlist' },
        acceptsReferrals: false,
        areasServed: ['MV-RG'],
        locationKeys: ['office'],
      },
    ],
    focalPoints: [
      {
        name: 'Me Déogratias Nshimirimana',
        title: 'Avocat coordinateur',
        email: 'referrals@adem.example.org',
        phone: workPhone(31),
        languages: ['fr', 'rn'],
        notificationLanguage: 'fr',
      },
    ],
  },
  {
    key: 'amahoro',
    name: "Maison Amahoro pour l'enfance",
    acronym: 'MAE',
    type: 'ngo',
    description:
      "ONG d'hébergement sécurisé : maison d'accueil confidentielle, familles d'accueil d'urgence et centre d'écoute pour les survivantes de violences basées sur le genre.",
    contact: { email: 'contact@amahoro.example.org', phone: fp(40) },
    areasServed: ALL,
    adminUserId: 'demo-admin-amahoro',
    locations: [
      {
        key: 'safe_house',
        name: "Maison d'accueil",
        areaCode: 'MV-KB-MS-01',
        address: 'Adresse communiquée par la référente uniquement',
        coordinates: { latitude: -3.2419, longitude: 29.8453 },
        confidential: true,
      },
      {
        key: 'listening_centre',
        name: "Centre d'écoute de Kabingo",
        areaCode: 'MV-KB-CT-02',
        address: 'Avenue de la Paix 7, Kabingo',
        coordinates: { latitude: -3.2702, longitude: 29.8789 },
      },
    ],
    services: [
      {
        key: 'safe_shelter',
        name: { fr: "Maison d'accueil sécurisée", en: 'Safe shelter' },
        description: {
          fr: "Hébergement temporaire et protégé pour les enfants en danger immédiat ; l'adresse n'est jamais communiquée.",
          en: 'Temporary, protected accommodation for children in immediate danger; the address is never disclosed.',
        },
        types: ['safe_shelter', 'gbv_response'],
        eligibility: { minAge: 6, maxAge: 17, sexes: [], note: 'Admission après entretien avec la référente.' },
        languages: ['fr', 'rn', 'sw'],
        cost: FREE,
        openingHours: 'Tous les jours, 24 h/24',
        capacity: { status: 'available', note: 'Deux places libres.' },
        acceptsReferrals: true,
        areasServed: ALL,
        locationKeys: ['safe_house'],
      },
      {
        key: 'emergency_foster',
        name: { fr: "Familles d'accueil d'urgence", en: 'Emergency foster care' },
        description: {
          fr: "Placement de quelques jours à quelques semaines dans une famille d'accueil formée, en attendant une solution durable.",
          en: 'Placement for a few days to a few weeks with a trained foster family while a durable solution is found.',
        },
        types: ['alternative_care'],
        eligibility: { minAge: 0, maxAge: 12, sexes: [] },
        languages: ['fr', 'rn'],
        cost: FREE,
        openingHours: 'Tous les jours',
        capacity: { status: 'waitlist' },
        acceptsReferrals: true,
        areasServed: ALL,
        locationKeys: [],
      },
      {
        key: 'gbv_listening',
        name: { fr: "Centre d'écoute pour survivantes de VBG", en: 'Listening centre for GBV survivors' },
        description: {
          fr: 'Écoute, soutien psychosocial et accompagnement des adolescentes survivantes de violences basées sur le genre.',
          en: 'Listening, psychosocial support and accompaniment for adolescent survivors of gender-based violence.',
        },
        types: ['gbv_response', 'mhpss'],
        eligibility: { minAge: 12, maxAge: 17, sexes: ['female'] },
        languages: ['fr', 'rn', 'sw'],
        cost: FREE,
        openingHours: WEEKDAYS,
        capacity: { status: 'available' },
        acceptsReferrals: true,
        areasServed: ['MV-KB'],
        locationKeys: ['listening_centre'],
      },
      {
        key: 'care_leavers',
        name: { fr: 'Accompagnement des jeunes sortant de prise en charge', en: 'Support for young people leaving care' },
        description: {
          fr: "Préparation à l'autonomie, petite subvention de démarrage et suivi des jeunes quittant une famille d'accueil.",
          en: 'Preparation for independence, a small start-up grant and follow-up for young people leaving foster care.',
        },
        types: ['alternative_care', 'cash_livelihoods'],
        eligibility: { minAge: 15, maxAge: 17, sexes: [] },
        languages: ['fr', 'rn'],
        cost: FREE,
        openingHours: WEEKDAYS,
        capacity: { status: 'available' },
        acceptsReferrals: true,
        areasServed: ALL,
        locationKeys: ['listening_centre'],
      },
    ],
    focalPoints: [
      {
        name: 'Béatrice Ntakirutimana',
        title: 'Directrice',
        email: 'referrals@amahoro.example.org',
        phone: workPhone(41),
        languages: ['fr', 'rn'],
        notificationLanguage: 'fr',
      },
      {
        serviceKey: 'safe_shelter',
        name: 'Claudine Nahimana',
        title: "Référente de la maison d'accueil",
        email: 'accueil@amahoro.example.org',
        phone: workPhone(42),
        languages: ['fr', 'rn', 'sw'],
        notificationLanguage: 'fr',
      },
    ],
  },
  {
    key: 'ejo_heza',
    name: 'Fondation Ejo Heza',
    acronym: 'FEH',
    type: 'ngo',
    description:
      "Fondation pour l'éducation et les moyens de subsistance : retour à l'école, classes de rattrapage, transferts monétaires et formation professionnelle.",
    contact: { email: 'info@ejoheza.example.org', phone: fp(50), website: 'https://ejoheza.example.org' },
    areasServed: ['MV-KB', 'MV-NY'],
    adminUserId: 'demo-admin-ejo-heza',
    locations: [
      {
        key: 'office',
        name: 'Bureau de Nyamurenge',
        areaCode: 'MV-NY-CT-01',
        address: 'Place du marché, Nyamurenge',
        coordinates: { latitude: -3.4871, longitude: 29.9655 },
      },
    ],
    services: [
      {
        key: 'back_to_school',
        name: { fr: 'Réinscription scolaire et fournitures', en: 'School re-enrolment and supplies' },
        description: {
          fr: "Appui à la réinscription, frais et fournitures scolaires, suivi de l'assiduité.",
          en: 'Support for re-enrolment, school fees and supplies, attendance follow-up.',
        },
        types: ['education'],
        eligibility: { minAge: 6, maxAge: 15, sexes: [] },
        languages: ['fr', 'rn'],
        cost: FREE,
        openingHours: WEEKDAYS,
        capacity: { status: 'available' },
        acceptsReferrals: true,
        areasServed: ['MV-KB', 'MV-NY'],
        locationKeys: ['office'],
      },
      {
        key: 'catch_up',
        name: { fr: 'Classes de rattrapage accélérées', en: 'Accelerated catch-up classes' },
        description: {
          fr: "Programme d'un an pour les enfants déscolarisés avant leur retour dans le système formel.",
          en: 'A one-year programme for out-of-school children before they return to formal school.',
        },
        types: ['education'],
        eligibility: { minAge: 9, maxAge: 14, sexes: [] },
        languages: ['fr', 'rn'],
        cost: FREE,
        openingHours: 'Lundi–vendredi 13h00–17h00',
        capacity: { status: 'full', note: 'Nouvelle cohorte en septembre.' },
        acceptsReferrals: true,
        areasServed: ['MV-NY'],
        locationKeys: ['office'],
      },
      {
        key: 'cash',
        name: { fr: 'Transferts monétaires pour familles vulnérables', en: 'Cash transfers for vulnerable families' },
        description: {
          fr: "Transferts mensuels pendant six mois pour les familles d'enfants à risque, liés au plan de cas.",
          en: 'Monthly transfers for six months to families of children at risk, tied to the case plan.',
        },
        types: ['cash_livelihoods'],
        eligibility: { ...CHILDREN, note: 'Sur orientation d’un gestionnaire de cas.' },
        languages: ['fr', 'rn'],
        cost: FREE,
        openingHours: WEEKDAYS,
        capacity: { status: 'assessment_required' },
        acceptsReferrals: true,
        areasServed: ['MV-KB', 'MV-NY'],
        locationKeys: ['office'],
      },
      {
        key: 'vocational',
        name: { fr: 'Formation professionnelle pour adolescents', en: 'Vocational training for adolescents' },
        description: {
          fr: 'Couture, menuiserie, réparation de téléphones : six mois de formation et un kit de démarrage.',
          en: 'Tailoring, carpentry, phone repair: six months of training and a start-up kit.',
        },
        types: ['cash_livelihoods', 'education'],
        eligibility: { minAge: 15, maxAge: 17, sexes: [] },
        languages: ['fr', 'rn'],
        cost: FREE,
        openingHours: WEEKDAYS,
        capacity: { status: 'waitlist' },
        acceptsReferrals: true,
        areasServed: ['MV-NY'],
        locationKeys: ['office'],
      },
    ],
    focalPoints: [
      {
        name: 'Fidèle Manirakiza',
        title: 'Responsable des programmes',
        email: 'referrals@ejoheza.example.org',
        phone: workPhone(51),
        languages: ['fr', 'rn'],
        notificationLanguage: 'fr',
      },
    ],
  },
  {
    key: 'twiyubake',
    name: 'Réseau Twiyubake pour le soutien psychosocial',
    acronym: 'RTSP',
    type: 'ngo',
    description:
      'Réseau associatif de soutien psychosocial : groupes de soutien pour enfants, appui aux parents, prévention du mariage d’enfants, réintégration des enfants sortis des groupes armés.',
    contact: { email: 'contact@twiyubake.example.org', phone: fp(60) },
    areasServed: ['MV-RG', 'MV-KB'],
    adminUserId: 'demo-admin-twiyubake',
    locations: [
      {
        key: 'centre',
        name: 'Centre communautaire de Gitaramuka',
        areaCode: 'MV-RG-GT-02',
        address: 'Près de l’école primaire de Karehe, Rugazi',
        coordinates: { latitude: -3.4012, longitude: 29.8987 },
      },
    ],
    services: [
      {
        key: 'support_groups',
        name: { fr: 'Groupes de soutien psychosocial pour enfants', en: 'Psychosocial support groups for children' },
        description: {
          fr: 'Cycles de huit séances en petits groupes par tranche d’âge, animés par des facilitateurs formés.',
          en: 'Eight-session cycles in small age groups, led by trained facilitators.',
        },
        types: ['mhpss'],
        eligibility: { minAge: 7, maxAge: 17, sexes: [] },
        languages: ['rn', 'fr'],
        cost: FREE,
        openingHours: 'Samedi 9h00–12h00',
        capacity: { status: 'available' },
        acceptsReferrals: true,
        areasServed: ['MV-RG', 'MV-KB'],
        locationKeys: ['centre'],
      },
      {
        key: 'parenting',
        name: { fr: 'Soutien aux parents et aidants', en: 'Support for parents and caregivers' },
        description: {
          fr: 'Séances de parentalité positive et groupes de parole pour les aidants.',
          en: 'Positive parenting sessions and peer groups for caregivers.',
        },
        types: ['mhpss', 'community_based_protection'],
        eligibility: { minAge: null, maxAge: null, sexes: [], note: 'Parents et aidants d’enfants suivis.' },
        languages: ['rn', 'fr'],
        cost: FREE,
        openingHours: 'Mercredi 14h00–17h00',
        capacity: { status: 'available' },
        acceptsReferrals: true,
        areasServed: ['MV-RG'],
        locationKeys: ['centre'],
      },
      {
        key: 'child_marriage',
        name: { fr: 'Prévention du mariage d’enfants', en: 'Child marriage prevention' },
        description: {
          fr: 'Dialogues communautaires, clubs d’adolescentes et accompagnement des filles à risque de mariage précoce.',
          en: 'Community dialogues, adolescent girls’ clubs and support for girls at risk of early marriage.',
        },
        types: ['community_based_protection', 'gbv_response'],
        eligibility: { minAge: 10, maxAge: 17, sexes: ['female'] },
        languages: ['rn', 'fr'],
        cost: FREE,
        openingHours: WEEKDAYS,
        capacity: { status: 'available' },
        acceptsReferrals: true,
        areasServed: ['MV-KB'],
        locationKeys: [],
      },
      {
        key: 'caafag',
        name: { fr: 'Réintégration des enfants sortis des forces et groupes armés', en: 'Reintegration of children formerly associated with armed forces or groups' },
        description: {
          fr: 'Accompagnement psychosocial individuel et familial, médiation communautaire et suivi de la réintégration.',
          en: 'Individual and family psychosocial support, community mediation and reintegration follow-up.',
        },
        types: ['mhpss', 'case_management'],
        eligibility: { minAge: 10, maxAge: 17, sexes: [] },
        languages: ['rn', 'fr', 'sw'],
        cost: FREE,
        openingHours: WEEKDAYS,
        capacity: { status: 'assessment_required' },
        acceptsReferrals: true,
        areasServed: ALL,
        locationKeys: ['centre'],
      },
    ],
    focalPoints: [
      {
        name: 'Emmanuel Havyarimana',
        title: 'Coordinateur psychosocial',
        email: 'referrals@twiyubake.example.org',
        phone: workPhone(61),
        languages: ['rn', 'fr'],
        notificationLanguage: 'fr',
      },
    ],
  },
  {
    key: 'bnupe',
    name: "Bureau des Nations Unies pour la protection de l'enfance — sous-bureau de Mivumba",
    acronym: 'BNUPE',
    type: 'un_agency',
    description:
      "Agence des Nations Unies (fictive) : appui aux procédures de l'intérêt supérieur pour les enfants réfugiés et retournés, recherche familiale transfrontalière, documentation, assistance monétaire et nutrition.",
    contact: { email: 'mivumba@bnupe.example.org', phone: fp(70), website: 'https://bnupe.example.org' },
    areasServed: ALL,
    adminUserId: 'demo-admin-bnupe',
    locations: [
      {
        key: 'sub_office',
        name: 'Sous-bureau de Mivumba',
        areaCode: 'MV-RG-CT-01',
        address: 'Boulevard du Lac 3, Rugazi',
        coordinates: { latitude: -3.3848, longitude: 29.9179 },
      },
    ],
    services: [
      {
        key: 'refugee_bid',
        name: { fr: "Intérêt supérieur des enfants réfugiés et retournés", en: 'Best-interests procedure for refugee and returnee children' },
        description: {
          fr: "Évaluations et déterminations de l'intérêt supérieur pour les enfants réfugiés, demandeurs d'asile et retournés.",
          en: 'Best-interests assessments and determinations for refugee, asylum-seeking and returnee children.',
        },
        types: ['best_interests_determination'],
        eligibility: { ...CHILDREN, note: 'Enfants réfugiés, demandeurs d’asile ou retournés.' },
        languages: ['fr', 'en', 'sw'],
        cost: FREE,
        openingHours: WEEKDAYS,
        capacity: { status: 'available' },
        acceptsReferrals: true,
        areasServed: ALL,
        locationKeys: ['sub_office'],
      },
      {
        key: 'cross_border_ftr',
        name: { fr: 'Recherche familiale transfrontalière', en: 'Cross-border family tracing' },
        description: {
          fr: 'Recherche des familles dans les pays voisins avec les partenaires et organisation des réunifications transfrontalières.',
          en: 'Traces families in neighbouring countries with partners and organises cross-border reunifications.',
        },
        types: ['family_tracing_reunification'],
        eligibility: { ...CHILDREN, note: 'Enfants séparés dont la famille peut se trouver hors du pays.' },
        languages: ['fr', 'en', 'sw'],
        cost: FREE,
        openingHours: WEEKDAYS,
        capacity: { status: 'available' },
        acceptsReferrals: true,
        areasServed: ALL,
        locationKeys: ['sub_office'],
      },
      {
        key: 'refugee_documentation',
        name: { fr: 'Documentation des enfants réfugiés et retournés', en: 'Documentation for refugee and returnee children' },
        description: {
          fr: "Enregistrement, attestations et appui à l'obtention des actes de naissance pour les enfants réfugiés et retournés.",
          en: 'Registration, attestations and support to obtain birth certificates for refugee and returnee children.',
        },
        types: ['civil_documentation'],
        eligibility: CHILDREN,
        languages: ['fr', 'en', 'sw'],
        cost: FREE,
        openingHours: 'Mardi et jeudi 9h00–15h00',
        capacity: { status: 'available' },
        acceptsReferrals: true,
        areasServed: ALL,
        locationKeys: ['sub_office'],
      },
      {
        key: 'emergency_cash',
        name: { fr: "Assistance monétaire d'urgence pour la protection de l'enfant", en: 'Emergency cash assistance for child protection' },
        description: {
          fr: 'Montant unique pour répondre à un risque de protection immédiat, sur recommandation du gestionnaire de cas.',
          en: 'A one-off amount to meet an immediate protection risk, on the caseworker’s recommendation.',
        },
        types: ['cash_livelihoods'],
        eligibility: { ...CHILDREN, note: 'Sur recommandation d’un gestionnaire de cas du réseau.' },
        languages: ['fr', 'en'],
        cost: FREE,
        openingHours: WEEKDAYS,
        capacity: { status: 'assessment_required' },
        acceptsReferrals: true,
        areasServed: ALL,
        locationKeys: ['sub_office'],
      },
      {
        key: 'nutrition_supplement',
        name: { fr: 'Supplémentation nutritionnelle', en: 'Nutritional supplementation' },
        description: {
          fr: 'Distribution d’aliments thérapeutiques et de suppléments aux enfants de moins de cinq ans via les postes de santé partenaires.',
          en: 'Therapeutic food and supplements for children under five through partner health posts.',
        },
        types: ['nutrition'],
        eligibility: { minAge: 0, maxAge: 5, sexes: [] },
        languages: ['fr', 'rn'],
        cost: FREE,
        openingHours: 'Selon le calendrier des postes de santé',
        capacity: { status: 'available' },
        acceptsReferrals: false,
        areasServed: ALL,
        locationKeys: [],
      },
    ],
    focalPoints: [
      {
        name: 'Sarah Mwangi-Dupont',
        title: 'Child Protection Officer',
        email: 'referrals@bnupe.example.org',
        phone: workPhone(71),
        languages: ['en', 'fr', 'sw'],
        notificationLanguage: 'en',
      },
      {
        serviceKey: 'refugee_bid',
        name: 'Olivier Kwizera',
        title: 'Chargé BID',
        email: 'bid@bnupe.example.org',
        phone: workPhone(72),
        languages: ['fr', 'sw'],
        notificationLanguage: 'fr',
      },
    ],
  },
  {
    key: 'cpe_rugazi',
    name: "Comité communautaire de protection de l'enfant de Rugazi",
    acronym: 'CPE Rugazi',
    type: 'community_committee',
    description:
      'Comité de bénévoles élus sur les collines de Rugazi : veille, identification et orientation des enfants à risque, appui à la recherche familiale.',
    contact: { phone: fp(80) },
    areasServed: ['MV-RG'],
    adminUserId: 'demo-admin-cpe-rugazi',
    locations: [],
    services: [
      {
        key: 'watch',
        name: { fr: 'Veille communautaire et identification des enfants à risque', en: 'Community watch and identification of children at risk' },
        description: {
          fr: 'Les membres du comité repèrent les enfants à risque sur les collines et les orientent vers les services.',
          en: 'Committee members identify children at risk on the hills and refer them to services.',
        },
        types: ['community_based_protection'],
        eligibility: CHILDREN,
        languages: ['rn'],
        cost: FREE,
        openingHours: 'Réunion mensuelle ; joignable par téléphone',
        capacity: { status: 'available' },
        acceptsReferrals: true,
        areasServed: ['MV-RG'],
        locationKeys: [],
      },
      {
        key: 'tracing_support',
        name: { fr: 'Appui à la recherche familiale sur les collines', en: 'Family tracing support on the hills' },
        description: {
          fr: 'Diffusion des avis de recherche, vérification des familles et visites de suivi après réunification.',
          en: 'Spreads tracing notices, verifies families and makes follow-up visits after reunification.',
        },
        types: ['family_tracing_reunification', 'community_based_protection'],
        eligibility: CHILDREN,
        languages: ['rn'],
        cost: FREE,
        openingHours: 'Sur demande',
        capacity: { status: 'available' },
        acceptsReferrals: true,
        areasServed: ['MV-RG'],
        locationKeys: [],
      },
    ],
    focalPoints: [
      {
        name: 'Joséphine Ndayizeye',
        title: 'Présidente du comité',
        phone: workPhone(81),
        languages: ['rn', 'fr'],
        notificationLanguage: 'fr',
      },
    ],
  },
  {
    key: 'cpe_kabingo',
    name: "Comité communautaire de protection de l'enfant de Kabingo",
    acronym: 'CPE Kabingo',
    type: 'community_committee',
    description:
      'Comité de bénévoles de Kabingo : veille communautaire, médiation familiale et suivi des enfants revenus en famille.',
    contact: { phone: fp(90) },
    areasServed: ['MV-KB'],
    adminUserId: 'demo-admin-cpe-kabingo',
    locations: [],
    services: [
      {
        key: 'watch',
        name: { fr: 'Veille communautaire de Kabingo', en: 'Kabingo community watch' },
        description: {
          fr: 'Repérage des enfants à risque, visites à domicile et orientation vers les services du réseau.',
          en: 'Identifies children at risk, makes home visits and refers to the services of the network.',
        },
        types: ['community_based_protection'],
        eligibility: CHILDREN,
        languages: ['rn'],
        cost: FREE,
        openingHours: 'Joignable par téléphone',
        capacity: { status: 'available' },
        acceptsReferrals: true,
        areasServed: ['MV-KB'],
        locationKeys: [],
      },
      {
        key: 'reintegration_follow_up',
        name: { fr: 'Suivi des enfants revenus en famille', en: 'Follow-up of children returned to their families' },
        description: {
          fr: 'Visites régulières et médiation communautaire pour les enfants réunifiés ou sortis de la rue.',
          en: 'Regular visits and community mediation for reunified children and children who left the street.',
        },
        types: ['community_based_protection', 'family_tracing_reunification'],
        eligibility: CHILDREN,
        languages: ['rn'],
        cost: FREE,
        openingHours: 'Sur demande',
        capacity: { status: 'available' },
        acceptsReferrals: true,
        areasServed: ['MV-KB'],
        locationKeys: [],
      },
    ],
    focalPoints: [
      {
        name: 'Pascal Ntahomvukiye',
        title: 'Secrétaire du comité',
        phone: workPhone(91),
        languages: ['rn', 'fr'],
        notificationLanguage: 'fr',
      },
    ],
  },
];

/**
 * The information-sharing protocol of the demo: the lead NGO refers to the
 * clinic and to the department. It covers what those referrals need; which of
 * it goes to whom is then narrowed by each child's consent (health data to the
 * clinic, only the case summary to the department).
 */
export const DEMO_AGREEMENT: DemoAgreement = {
  title: 'Protocole de partage d’informations — gestion de cas et soins, Mivumba',
  parties: ['tubakingire', 'ubuzima', 'dppe'],
  dataGroups: ['identity', 'contact', 'caregiver', 'protection', 'health', 'case_summary'],
  purposes: ['referral', 'service_coordination'],
  means: ['hub', 'phone', 'in_person'],
  reviewAfterDays: 365,
};

/** The organisation of `key`. */
export function demoOrganization(key: DemoOrganizationKey): DemoOrganization {
  const organization = DEMO_ORGANIZATIONS.find((o) => o.key === key);
  if (organization === undefined) throw new Error(`no demo organisation ${key}`);
  return organization;
}
