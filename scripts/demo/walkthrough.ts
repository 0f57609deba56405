/**
 * `npm run demo`: walks one fictional case through a running hub (`npm
 * start`) and prints each step as the people involved see it — the lead
 * caseworker of an NGO, her supervisor, the government department's focal
 * point and the clinic's — in French first, with English where it helps.
 *
 *   node --conditions=@referral-hub/source --import tsx scripts/demo/walkthrough.ts
 *
 * Env (all optional): DIRECTORY_URL, CONSENT_URL, REFERRALS_URL,
 * NOTIFICATIONS_URL (defaults http://127.0.0.1:4010 … 4040), DEV_OUTBOX_URL
 * (the development outbox, default http://127.0.0.1:4041), IDENTITY_URL
 * (default AUTH_ISSUER, else http://127.0.0.1:4400), AUTH_ISSUER,
 * AUTH_AUDIENCE, DEV_IDENTITY_DIR (tokens are signed like `npm run token`),
 * DEMO_TIMEOUT_MS (longest wait for a message, default 60000), PHONE_CALLBACK_KEY
 * (notifications' callback key, to answer an SMS; default the one `npm start`
 * keeps in .hub/dev-secrets.json), CONSOLE_URL
 * (where each step is done in the console, printed beside it; default
 * CONSOLE_PUBLIC_URL, else http://127.0.0.1:4300), NO_COLOR.
 * Exit codes: 0 done; 2 the hub is not running (or lacks the demo network);
 * 1 anything else.
 *
 * Each run is a new case (a new case code), so it can be run again and again.
 * No child's data is printed but what the clinic is allowed to see: that is
 * the point of the hub.
 */
import { pathToFileURL } from 'node:url';
import { FIELD_GROUP_LABELS, fieldByKey } from '@referral-hub/contracts';
import type { FieldDefinition, FieldGroup } from '@referral-hub/contracts';
import { DEV_AUDIENCE_DEFAULT, DEV_ISSUER_DEFAULT, defaultDevIdentityDir, ensureDevIdentity } from '@referral-hub/platform';
import { consoleBaseUrl, devSecrets } from '../lib/services.mjs';
import { DEMO_CHILD_AGE, DEMO_PAYLOAD, DEMO_SEARCH, DEMO_SHARING } from './case.js';
import { DemoError, devOutboxMailbox, waitForMessage } from './mailbox.js';
import type { DeliveredMessage, Mailbox } from './mailbox.js';
import { DEMO_ORGANIZATIONS } from './network.js';
import type { DemoOrganizationKey } from './network.js';
import { DemoCase, devTokenSource } from './scenario.js';
import type { AccessLogEntry, FoundService, HubEndpoints, LeadOutcome, Recipient, Referral, TokenSource } from './scenario.js';

export type WalkthroughOptions = {
  hub: HubEndpoints;
  token: TokenSource;
  mailbox: Mailbox;
  /** Where the outbox can be browsed, for the last line; omitted when there is none. */
  outboxPage?: string;
  timeoutMs?: number;
  /** The console's address: each step then says on which of its pages the person would do it. */
  consoleUrl?: string;
  /**
   * The notifications service's `PHONE_CALLBACK_KEY`: the department's focal
   * point answers her SMS through the SMS gateway's callback with it.
   */
  phoneCallbackKey?: string;
  /** One line at a time. */
  out: (line: string) => void;
  color?: boolean;
};

/**
 * Where each step of the story is done in the console (apps/console), by
 * the person who does it. Case and referral codes are pseudonymous: never
 * a child's data in a URL.
 */
export const CONSOLE_PATHS = {
  /** Anyone: how she is told. */
  preferences: () => '/preferences',
  /** The lead: the case and its consents. */
  caseConsents: (caseCode: string) => `/cases/${encodeURIComponent(caseCode)}`,
  /** The lead: finding services. */
  directory: () => '/directory',
  /** The lead: referring. */
  newReferral: () => '/new-referral',
  /** A focal point: the link of her e-mail and SMS, to act on the referral. */
  referral: (code: string) => `/r/${encodeURIComponent(code)}`,
  /** The lead: following what she sent, with its access log. */
  sent: () => '/sent',
  /** The supervisor: overrides. */
  supervision: () => '/supervision',
  /** The network's indicators. */
  indicators: () => '/indicators',
} as const;

/** A console page's address from the console's base URL (with or without a trailing slash) and a path. */
export function consoleLink(base: string, path: string): string {
  return `${base.replace(/\/+$/, '')}${path}`;
}

type Style = 'bold' | 'dim' | 'green' | 'cyan' | 'yellow' | 'magenta';
const CODES: Record<Style, [number, number]> = { bold: [1, 22], dim: [2, 22], green: [32, 39], cyan: [36, 39], yellow: [33, 39], magenta: [35, 39] };

/** Prints the steps: headings, people's words, the hub's answers. */
class Printer {
  constructor(
    private readonly out: (line: string) => void,
    private readonly color: boolean,
  ) {}

  paint(style: Style, text: string): string {
    if (!this.color) return text;
    const [open, close] = CODES[style];
    return `\u001b[${open}m${text}\u001b[${close}m`;
  }

  line(text = ''): void {
    this.out(text);
  }

  heading(number: number, fr: string, en: string): void {
    this.out('');
    this.out(this.paint('bold', `── ${number}. ${fr}`) + this.paint('dim', ` · ${en}`));
  }

  say(text: string, indent = 1): void {
    this.out(`${'  '.repeat(indent)}${text}`);
  }

  /** Where the step is done in the console, when the walkthrough knows the console's address. */
  console(base: string | undefined, path: string, indent = 1): void {
    if (base === undefined) return;
    this.say(`${this.paint('cyan', '▹')} Dans la console : ${consoleLink(base, path)} ${this.paint('dim', '(in the console)')}`, indent);
  }

  /** A message as its recipient got it; the whole e-mail when `full`. */
  message(message: DeliveredMessage, full: boolean, indent = 2): void {
    if (message.channel === 'email') {
      this.say(`${this.paint('magenta', '✉ E-mail')}  « ${message.subject ?? ''} »`, indent);
      if (full) for (const line of message.text.trimEnd().split('\n')) this.say(this.paint('dim', `│ ${line}`), indent + 1);
    } else {
      this.say(`${this.paint('magenta', '✆ SMS')}     « ${message.text} »`, indent);
    }
  }
}

/** An organisation as people call it: its name when short, else its acronym. */
const ORGANIZATION_SHORT = new Map(DEMO_ORGANIZATIONS.map((o) => [o.key, o.name.length <= 32 || o.acronym === undefined ? o.name : o.acronym]));
const CAPACITY_FR: Record<string, string> = {
  available: 'places disponibles',
  waitlist: 'liste d’attente',
  full: 'complet',
  assessment_required: 'sur évaluation',
};
const STATUS_FR: Record<string, string> = {
  draft: 'brouillon',
  submitted: 'envoyé',
  acknowledged: 'reçu',
  accepted: 'accepté',
  in_progress: 'en cours',
  completed: 'terminé',
  declined: 'refusé',
  not_delivered: 'non fourni',
  withdrawn: 'retiré',
  closed: 'clôturé',
};

function labelOfField(key: string): string {
  return fieldByKey(key)?.labels.fr ?? key;
}

function groupOfField(key: string): FieldGroup | undefined {
  return fieldByKey(key)?.group;
}

/** "Identité (5), Santé (2)": the groups of some keys, with how many of each. */
function groupsOf(keys: readonly string[]): string {
  const counts = new Map<FieldGroup, number>();
  for (const key of keys) {
    const group = groupOfField(key);
    if (group !== undefined) counts.set(group, (counts.get(group) ?? 0) + 1);
  }
  return [...counts].map(([group, count]) => `${FIELD_GROUP_LABELS[group].fr} (${count})`).join(', ') || 'aucun';
}

/** A value as the clinic would read it: coded values by their French label. */
function displayValue(key: string, value: unknown): string {
  const field: FieldDefinition | undefined = fieldByKey(key);
  const options = field?.options;
  const one = (v: unknown): string => {
    const option = options?.find((o) => o.code === v);
    return option !== undefined ? option.labels.fr : String(v);
  };
  return Array.isArray(value) ? value.map(one).join(', ') : one(value);
}

function time(iso: string): string {
  return new Date(iso).toLocaleTimeString('fr-FR', { hour: '2-digit', minute: '2-digit', second: '2-digit' });
}

/** Runs the demo case against the hub and prints it. */
export async function runWalkthrough(options: WalkthroughOptions): Promise<DemoCase> {
  const p = new Printer(options.out, options.color ?? false);
  const demo = await DemoCase.open({
    hub: options.hub,
    token: options.token,
    mailbox: options.mailbox,
    ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }),
    ...(options.phoneCallbackKey === undefined ? {} : { phoneCallbackKey: options.phoneCallbackKey }),
  });
  const { lead, supervisor, dppeFocalPoint, clinicFocalPoint } = demo.people;
  const short = (key: DemoOrganizationKey): string => ORGANIZATION_SHORT.get(key) ?? key;
  const orgName = (id: string): string => {
    const key = (Object.entries(demo.organizations) as [DemoOrganizationKey, string][]).find(([, orgId]) => orgId === id)?.[0];
    return key === undefined ? id : short(key);
  };
  const recipientName: Record<Recipient, string> = { clinic: short('ubuzima'), dppe: short('dppe') };
  const firstName = (name: string) => name.replace(/^Dr /, '').split(' ')[0] ?? name;

  p.line(p.paint('bold', '══ Hub de référencement — un cas de bout en bout ══'));
  p.line(p.paint('dim', '   Referral hub — one case from end to end (everything here is fictional)'));
  p.line(`   Province de Mivumba · dossier / case ${p.paint('cyan', demo.caseCode)} · fille de ${DEMO_CHILD_AGE} ans, séparée de sa mère, accueillie par sa tante`);
  p.line('');
  p.line(p.paint('bold', 'Les personnes · Who is who'));
  p.say(`${lead.name} — ${lead.title}, ${short('tubakingire')} ${p.paint('dim', '(lead caseworker)')}  ${lead.email} · ${lead.phone ?? ''}`);
  p.say(`${supervisor.name} — ${supervisor.title}, ${short('tubakingire')} ${p.paint('dim', '(her supervisor)')}`);
  p.say(`${dppeFocalPoint.name} — ${dppeFocalPoint.title}, ${short('dppe')} ${p.paint('dim', '(government focal point)')}`);
  p.say(`${clinicFocalPoint.name} — ${clinicFocalPoint.title}, ${short('ubuzima')} ${p.paint('dim', '(clinic focal point)')}`);

  p.heading(1, `${firstName(lead.name)} choisit comment être prévenue`, 'How the lead is told');
  const channels = await demo.chooseChannels();
  const channelNames = (channels: readonly string[]) => channels.map((c) => (c === 'email' ? 'e-mail' : c.toUpperCase())).join(' + ');
  p.say(`${lead.name} : ${channelNames(channels.lead.channels)}, en ${channels.lead.language === 'fr' ? 'français' : channels.lead.language}.  ${supervisor.name} : ${channelNames(channels.supervisor.channels)}.`);
  const dppeChannels = await demo.focalPointChoosesSms('dppe');
  p.say(`${dppeFocalPoint.name} ${p.paint('dim', `(${short('dppe')})`)} : ${channelNames(dppeChannels.channels)} — elle répondra par SMS ${p.paint('dim', '(she will answer by SMS)')}`);
  p.say(p.paint('dim', 'PUT /v1/me/preferences (notifications)'));
  p.console(options.consoleUrl, CONSOLE_PATHS.preferences());

  p.heading(2, 'Consentement éclairé de la tante, accord éclairé de l’enfant', 'Informed consent and assent');
  const consents = await demo.recordConsents();
  p.say(`Contexte du dossier : enfant de ${consents.context.childAge ?? '?'} ans ; la personne en charge peut être consultée`);
  p.say(p.paint('dim', '→ il faut le consentement de la tante ET l’accord de l’enfant (both are needed)'));
  const until = new Date(consents.caregiver.clinic.expiresAt).toLocaleDateString('fr-FR');
  for (const [who, label] of [
    ['caregiver', 'Consentement de la tante (écrit, expliqué en français)'],
    ['child', 'Accord de l’enfant'],
  ] as const) {
    p.say(`${p.paint('green', '✔')} ${label}`);
    for (const recipient of ['clinic', 'dppe'] as const) {
      const consent = consents[who][recipient];
      const groups = consent.scope.fields.map((f) => FIELD_GROUP_LABELS[f as FieldGroup]?.fr ?? f).join(', ');
      p.say(`→ ${recipientName[recipient]} : ${groups} — pour le référencement, jusqu’au ${until}`, 3);
    }
  }
  p.say(p.paint('dim', `POST /v1/consents × 4 (consent) · ${DEMO_SHARING.clinic.join('+')} to the clinic, ${DEMO_SHARING.dppe.join('+')} to the department`));
  p.console(options.consoleUrl, CONSOLE_PATHS.caseConsents(demo.caseCode));

  p.heading(3, 'Recherche dans la cartographie des services', 'Directory search');
  const found = await demo.findServices();
  const showSearch = (recipient: Recipient, label: string, result: FoundService) => {
    p.say(`« ${label} » à Rugazi (${DEMO_SEARCH.area}), enfant de ${DEMO_CHILD_AGE} ans, qui acceptent les référencements :`);
    for (const service of result.results) {
      const chosen = service.id === result.chosen.id;
      const line = `${service.name.fr} — ${orgName(service.organizationId)} (${CAPACITY_FR[service.capacity.status] ?? service.capacity.status})`;
      p.say(chosen ? `${p.paint('green', '▸')} ${p.paint('bold', line)}  ${p.paint('dim', `← choisi / chosen for the ${recipient === 'clinic' ? 'clinic' : 'department'}`)}` : `  ${line}`, 2);
    }
    p.say(p.paint('dim', `GET ${result.query}`), 2);
  };
  showSearch('clinic', 'Soins médicaux', found.clinic);
  showSearch('dppe', 'Gestion de cas', found.dppe);
  p.console(options.consoleUrl, CONSOLE_PATHS.directory());

  p.heading(4, `${firstName(lead.name)} envoie deux référencements`, 'Two referrals, one payload, narrowed by consent');
  const proposed = Object.keys(DEMO_PAYLOAD);
  p.say(`Elle propose ${proposed.length} champs (contenu non affiché ici / values not printed): ${proposed.map(labelOfField).join(', ')}.`);
  for (const recipient of ['clinic', 'dppe'] as const) {
    const { submitted } = await demo.refer(recipient);
    const shared = submitted.access.sharedFieldKeys;
    const withheld = proposed.filter((key) => !shared.includes(key));
    p.say(`${p.paint('cyan', submitted.code)} → ${found[recipient].chosen.name.fr} (${recipientName[recipient]}) · ${STATUS_FR[submitted.status] ?? submitted.status}`);
    p.say(`${p.paint('green', 'partagé / shared')}   : ${shared.length} champs — ${groupsOf(shared)}`, 3);
    p.say(`${p.paint('yellow', 'retenu / withheld')} : ${withheld.map(labelOfField).join(', ')} ${p.paint('dim', '(not covered by the consents)')}`, 3);
  }
  p.console(options.consoleUrl, CONSOLE_PATHS.newReferral());

  const showOutcome = async (recipient: Recipient, outcome: LeadOutcome, full = false) => {
    const { email, sms } = await demo.waitForLeadMessages(recipient, outcome);
    p.say(`${firstName(lead.name)} reçoit / receives:`, 2);
    p.message(email, full, 3);
    p.message(sms, false, 3);
  };

  p.heading(5, 'La DPPE accuse réception par SMS', 'The government department acknowledges by SMS reply');
  const dppeCode = demo.referral('dppe').code;
  const dppeSms = await demo.waitForFocalPointSms('dppe');
  p.say(`${dppeFocalPoint.name} reçoit sur son téléphone de travail / gets on her work phone ${dppeFocalPoint.phone ?? ''} :`);
  p.message(dppeSms, false, 2);
  const reply = `OK ${demo.referral('dppe').replyCode ?? ''}`;
  const repliedAt = new Date();
  const answer = await demo.replyBySms('dppe', reply, `demo-${demo.caseCode}-1`);
  if (answer.status === 200) {
    p.say(`Elle répond / she replies ${p.paint('bold', `« ${reply} »`)} ${p.paint('dim', `(SMS gateway → POST /callbacks/{key}/sms/http : ${answer.outcome ?? 'ok'})`)}`);
    const acknowledged = await demo.waitForStatus('dppe', 'acknowledged');
    const step = (await demo.history('dppe')).find((entry) => entry.action === 'acknowledge');
    const channel = step?.channel === 'sms' ? 'par SMS' : (step?.channel ?? '?');
    p.say(`${p.paint('cyan', dppeCode)} → ${p.paint('bold', STATUS_FR[acknowledged.status] ?? acknowledged.status)} — historique : accusé de réception ${channel}, par ${dppeFocalPoint.name} ${p.paint('dim', `(history: channel ${step?.channel ?? '?'})`)}`);
    const confirmation = await waitForMessage(options.mailbox, {
      to: dppeFocalPoint.phone ?? '',
      since: repliedAt,
      channel: 'sms',
      match: (m) => m.text.includes(dppeCode) && m.text !== dppeSms.text,
      what: `the confirmation of ${dppeCode}`,
      timeoutMs: options.timeoutMs ?? 60_000,
    });
    p.say(`${firstName(dppeFocalPoint.name)} reçoit la confirmation / gets the confirmation:`);
    p.message(confirmation, false, 2);
  } else {
    // A hub whose phone callbacks are off (no PHONE_CALLBACK_KEY): she acknowledges in the console.
    p.say(p.paint('yellow', `Les réponses SMS sont désactivées sur ce hub (${answer.status}) : elle accuse réception dans la console. (SMS replies are off on this hub.)`));
    await demo.act('dppe', 'acknowledge');
  }
  p.console(options.consoleUrl, CONSOLE_PATHS.referral(dppeCode));
  p.say(`${dppeFocalPoint.name} ouvre ${p.paint('cyan', dppeCode)}. Elle voit :`);
  const dppeRead = await demo.read('dppe');
  p.say(`${Object.keys(dppeRead.payload).map(labelOfField).join(', ')} ${p.paint('dim', '(contenu non affiché / content not printed)')}`, 2);
  p.say(`Rien sur l’identité ni la santé de l’enfant ${p.paint('dim', '(nothing about who the child is or her health)')}`, 2);
  await showOutcome('dppe', 'acknowledged', true);

  p.heading(6, 'La clinique accuse réception, accepte, commence et termine', 'The clinic acknowledges, accepts, starts, completes');
  const clinicCode = demo.referral('clinic').code;
  await demo.act('clinic', 'acknowledge');
  const clinicRead = await demo.read('clinic');
  p.console(options.consoleUrl, CONSOLE_PATHS.referral(clinicCode));
  p.say(`${clinicFocalPoint.name} ouvre ${p.paint('cyan', clinicCode)} et voit ce que le consentement permet ${p.paint('dim', '(what consent allows)')} :`);
  for (const [key, value] of Object.entries(clinicRead.payload)) p.say(`${labelOfField(key)} : ${p.paint('bold', displayValue(key, value))}`, 2);
  p.say(p.paint('dim', `ni le niveau de risque, ni la synthèse du dossier (${clinicRead.access.fieldKeys.length} champs sur ${proposed.length})`), 2);
  await showOutcome('clinic', 'acknowledged');
  const steps: [('accept' | 'start' | 'complete'), LeadOutcome, string][] = [
    ['accept', 'accepted', 'accepte'],
    ['start', 'started', 'commence la prise en charge'],
    ['complete', 'completed', 'termine : bilan réalisé'],
  ];
  for (const [action, outcome, words] of steps) {
    const referral: Referral = await demo.act('clinic', action, action === 'complete' ? { note: 'Bilan réalisé, traitement prescrit.' } : {});
    p.say(`${clinicFocalPoint.name} ${words} → ${STATUS_FR[referral.status] ?? referral.status}`);
    await showOutcome('clinic', outcome);
  }

  p.heading(7, 'La tante retire son consentement à la clinique', 'The caregiver withdraws her consent');
  await demo.withdrawCaregiverConsent('clinic');
  p.say(`${supervisor.name} enregistre le retrait, à la demande de la famille ${p.paint('dim', '(POST /v1/consents/{id}/withdraw, family_request)')}`);
  p.console(options.consoleUrl, CONSOLE_PATHS.caseConsents(demo.caseCode));
  const revoked = await demo.waitForAccessRevoked('clinic');
  p.say(`Le hub retire l’accès de ${recipientName.clinic} à ${revoked.fieldKeys.length} champs (${groupsOf(revoked.fieldKeys)})`);
  const afterRead = await demo.read('clinic');
  p.say(
    `${clinicFocalPoint.name} rouvre ${p.paint('cyan', clinicCode)} : ${Object.keys(afterRead.payload).length === 0 ? p.paint('bold', 'plus aucune information sur l’enfant') : `${Object.keys(afterRead.payload).length} champs`} ` +
      p.paint('dim', `(no child details left · statut : ${STATUS_FR[afterRead.status] ?? afterRead.status})`),
  );
  await showOutcome('clinic', 'access_revoked');

  p.heading(8, `${firstName(lead.name)} consulte le journal des accès`, 'The access log: who read what');
  const readers = new Map(Object.values(demo.people).map((person) => [person.userId, person.name]));
  p.console(options.consoleUrl, CONSOLE_PATHS.sent());
  for (const recipient of ['clinic', 'dppe'] as const) {
    const log: AccessLogEntry[] = await demo.accessLog(recipient);
    p.say(`${p.paint('cyan', demo.referral(recipient).code)} (${recipientName[recipient]}) :`);
    for (const entry of log) {
      const keys = entry.fieldKeys.length === 0 ? 'aucun champ / no field' : entry.fieldKeys.map(labelOfField).join(', ');
      p.say(`${time(entry.readAt)}  ${readers.get(entry.readerUserId) ?? entry.readerUserId} (${orgName(entry.readerOrganizationId)}) — ${keys}`, 2);
    }
  }

  p.line('');
  p.line(p.paint('bold', 'Fin · Done.') + ` Dossier ${demo.caseCode} : ${Object.values(demo.referrals).length} référencements, ${demo.reads.length} lectures journalisées.`);
  if (options.outboxPage !== undefined) p.line(p.paint('dim', `Tous les messages envoyés / every message sent: ${options.outboxPage}`));
  if (options.consoleUrl !== undefined) {
    p.line(p.paint('dim', `Dans la console aussi / also in the console: ${firstName(supervisor.name)} y décide des dérogations ${consoleLink(options.consoleUrl, CONSOLE_PATHS.supervision())} · indicateurs du réseau ${consoleLink(options.consoleUrl, CONSOLE_PATHS.indicators())}`));
  }
  return demo;
}

function env(name: string, fallback: string): string {
  const value = process.env[name]?.trim();
  return value === undefined || value === '' ? fallback : value;
}

/** Fails with a clear message when the identity the services trust is not the one whose key signs the demo's tokens. */
async function checkIdentity(identityUrl: string, dir: string): Promise<void> {
  const response = await fetch(new URL('/.well-known/jwks.json', identityUrl), { signal: AbortSignal.timeout(5_000) }).catch(() => undefined);
  if (response === undefined) throw new DemoError(`The development identity does not answer at ${identityUrl}: is the hub running? Start it with \`npm start\`.`, 2);
  const jwks = (await response.json().catch(() => ({}))) as { keys?: { kid?: unknown }[] };
  const { kid } = await ensureDevIdentity(dir);
  if (!(jwks.keys ?? []).some((key) => key.kid === kid)) {
    throw new DemoError(`The identity at ${identityUrl} does not publish the key in ${dir}: set DEV_IDENTITY_DIR to the hub's key folder.`, 2);
  }
}

async function main(): Promise<number> {
  const issuer = env('AUTH_ISSUER', DEV_ISSUER_DEFAULT);
  const dir = env('DEV_IDENTITY_DIR', defaultDevIdentityDir());
  const outbox = env('DEV_OUTBOX_URL', 'http://127.0.0.1:4041');
  try {
    await checkIdentity(env('IDENTITY_URL', issuer), dir);
    // npm start gives notifications the key kept in .hub/dev-secrets.json.
    const phoneCallbackKey = env('PHONE_CALLBACK_KEY', '') || devSecrets().phoneCallbackKey;
    await runWalkthrough({
      phoneCallbackKey,
      hub: {
        directoryUrl: env('DIRECTORY_URL', 'http://127.0.0.1:4010'),
        consentUrl: env('CONSENT_URL', 'http://127.0.0.1:4020'),
        referralsUrl: env('REFERRALS_URL', 'http://127.0.0.1:4030'),
        notificationsUrl: env('NOTIFICATIONS_URL', 'http://127.0.0.1:4040'),
      },
      token: devTokenSource({ dir, issuer, audience: env('AUTH_AUDIENCE', DEV_AUDIENCE_DEFAULT) }),
      mailbox: devOutboxMailbox(outbox),
      outboxPage: new URL('/', outbox).toString(),
      consoleUrl: env('CONSOLE_URL', consoleBaseUrl()),
      timeoutMs: Number(env('DEMO_TIMEOUT_MS', '60000')),
      out: (line) => process.stdout.write(`${line}\n`),
      color: Boolean(process.stdout.isTTY) && process.env.NO_COLOR === undefined,
    });
    return 0;
  } catch (error) {
    if (error instanceof DemoError) {
      process.stderr.write(`\ndemo: ${error.message}\n`);
      return error.exitCode;
    }
    process.stderr.write(`\ndemo: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    return 1;
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  process.exitCode = await main();
}
