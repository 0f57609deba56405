/**
 * The words of every notification, in French and English. Each message names
 * only the referral's short code, the case code, the service, the
 * organisations, the status and a link: the facts below, nothing else. No
 * template can reach a child's data because none is ever given to it.
 */

/** The languages notifications are written in. */
export const LANGUAGES = ['fr', 'en'] as const;
export type Language = (typeof LANGUAGES)[number];

/**
 * What someone is told about, and in which capacity: the receiving focal
 * points of a new, overdue or withdrawn referral, or the lead of every outcome.
 */
export const MESSAGE_KINDS = [
  'submitted',
  'acknowledged',
  'accepted',
  'declined',
  'started',
  'completed',
  'not_delivered',
  'access_revoked',
  'overdue_reminder',
  'overdue_lead',
  'escalated_receiver',
  'escalated_lead',
  'transfer_received',
  'withdrawn',
] as const;
export type MessageKind = (typeof MESSAGE_KINDS)[number];

/** The referral statuses a message can state. */
export type MessageStatus =
  | 'draft'
  | 'submitted'
  | 'acknowledged'
  | 'accepted'
  | 'in_progress'
  | 'declined'
  | 'completed'
  | 'not_delivered'
  | 'withdrawn'
  | 'closed';

/**
 * The one-click answers of a focal point to a new referral: the URLs of the console's confirmation pages
 * (each carrying the referrals service's signed, single-use token) and until when they work (ISO time).
 * `accept` is null for a case transfer: accepting one is done in the console (it makes the accepter the lead).
 */
export type ActionLinks = { acknowledge: string; accept: string | null; decline: string; expiresAt: string };

/** Everything a message may say. */
export type MessageFacts = {
  referralCode: string;
  caseCode: string;
  status: MessageStatus;
  serviceName: string;
  referringOrganizationName: string;
  recipientOrganizationName: string;
  link: string;
  /**
   * The referral's short SMS reply code, given only for a message to a receiving focal point (the one who
   * can answer by SMS); the SMS of {@link REPLY_KINDS} then names it with the reply commands.
   */
  replyCode?: string | null;
  /** The focal point's one-click answer links, given only for their e-mail while the referral awaits them. */
  actions?: ActionLinks | null;
};

/** The variable parts as a template sees them (already escaped for HTML, or fitted for SMS). */
export type Slots = {
  code: string;
  caseCode: string;
  service: string;
  from: string;
  to: string;
  status: string;
  link: string;
  /** The reply commands with the reply code ({@link REPLY_COMMANDS}); empty when the message names none. */
  reply: string;
};

type Wording = {
  subject: (s: Slots) => string;
  /** What happened, one sentence. */
  headline: (s: Slots) => string;
  /** What the reader is asked to do, if anything. */
  action: string;
  /** The SMS, before fitting: slots `service`, `from` and `to` may be shortened to fit. */
  sms: (s: Slots) => string;
  /**
   * The SMS to a focal point who can answer by SMS ({@link REPLY_KINDS}): names `reply`. `caseCode` and
   * `link` may be empty (left out to fit), so the template must read well without them.
   */
  smsReply?: (s: Slots) => string;
};

/**
 * The messages to receiving focal points about a referral waiting for their answer: their SMS names the
 * reply code and the commands, their e-mail the one-click links (when the referrals service gives them).
 */
export const REPLY_KINDS: readonly MessageKind[] = ['submitted', 'overdue_reminder', 'escalated_receiver'];

/** How to answer by SMS, with the referral's reply code: the words the SMS command parser understands. */
export const REPLY_COMMANDS: Record<Language, (code: string) => string> = {
  en: (c) => `Reply OK ${c} (received), ACCEPT ${c} or NO ${c} reason. HELP for help.`,
  fr: (c) => `Répondez OK ${c} (reçu), ACCEPTE ${c} ou NON ${c} motif. AIDE pour l'aide.`,
};

/** The block of one-click answer links in a focal point's e-mail. `until` is the expiry, already written out. */
export const ACTION_LINK_WORDS: Record<
  Language,
  { intro: (until: string) => string; acknowledge: string; accept: string; decline: string; note: string; timeZone: string }
> = {
  en: {
    intro: (until) => `Answer in one click. Each link works once, until ${until}:`,
    acknowledge: 'Acknowledge receipt',
    accept: 'Accept',
    decline: 'Decline (you will choose the reason)',
    note: 'Each link opens a confirmation page: nothing is done until you press its button. After that time, or once used, sign in to the referral hub instead.',
    timeZone: 'UTC',
  },
  fr: {
    intro: (until) => `Répondez en un clic. Chaque lien ne sert qu’une fois, jusqu’au ${until} :`,
    acknowledge: 'Accuser réception',
    accept: 'Accepter',
    decline: 'Refuser (vous choisirez le motif)',
    note: 'Chaque lien ouvre une page de confirmation : rien n’est fait avant que vous appuyiez sur son bouton. Passé ce délai, ou une fois le lien utilisé, connectez-vous au hub de référencement.',
    timeZone: 'UTC',
  },
};

// Parts of the focal points' SMS that may be left out to make room for the reply commands.
const caseEn = (s: Slots): string => (s.caseCode === '' ? '' : ` (case ${s.caseCode})`);
const caseFr = (s: Slots): string => (s.caseCode === '' ? '' : ` (dossier ${s.caseCode})`);
const tail = (s: Slots): string => (s.link === '' ? '' : ` ${s.link}`);

export const STATUS_LABELS: Record<Language, Record<MessageStatus, string>> = {
  en: {
    draft: 'draft',
    submitted: 'submitted',
    acknowledged: 'acknowledged',
    accepted: 'accepted',
    in_progress: 'in progress',
    declined: 'declined',
    completed: 'completed',
    not_delivered: 'not delivered',
    withdrawn: 'withdrawn',
    closed: 'closed',
  },
  fr: {
    draft: 'brouillon',
    submitted: 'envoyé',
    acknowledged: 'reçu',
    accepted: 'accepté',
    in_progress: 'en cours',
    declined: 'refusé',
    completed: 'terminé',
    not_delivered: 'non fourni',
    withdrawn: 'retiré',
    closed: 'clôturé',
  },
};

/** Labels of the facts block of an e-mail. */
export const FACT_LABELS: Record<Language, { referral: string; caseCode: string; service: string; from: string; to: string; status: string; open: string; footer: string }> = {
  en: {
    referral: 'Referral',
    caseCode: 'Case',
    service: 'Service',
    from: 'Referred by',
    to: 'Referred to',
    status: 'Status',
    open: 'Open the referral',
    footer: 'This message never contains information about the child. Sign in to the referral hub to see what you may read.',
  },
  fr: {
    referral: 'Référencement',
    caseCode: 'Dossier',
    service: 'Service',
    from: 'Référé par',
    to: 'Référé à',
    status: 'Statut',
    open: 'Ouvrir le référencement',
    footer: "Ce message ne contient jamais d'information sur l'enfant. Connectez-vous au hub de référencement pour voir ce que vous pouvez lire.",
  },
};

export const WORDING: Record<Language, Record<MessageKind, Wording>> = {
  en: {
    submitted: {
      subject: (s) => `New referral ${s.code} for ${s.service}`,
      headline: (s) => `${s.from} has sent a referral to ${s.service} (${s.to}).`,
      action: 'Please acknowledge receipt in the referral hub.',
      sms: (s) => `New referral ${s.code} (case ${s.caseCode}) for ${s.service} from ${s.from}. Please acknowledge: ${s.link}`,
      smsReply: (s) => `New referral ${s.code}${caseEn(s)} for ${s.service} from ${s.from}. ${s.reply}${tail(s)}`,
    },
    acknowledged: {
      subject: (s) => `Referral ${s.code} acknowledged`,
      headline: (s) => `${s.to} has acknowledged receipt of your referral to ${s.service}.`,
      action: 'You will be told when they accept or decline it.',
      sms: (s) => `Referral ${s.code} (case ${s.caseCode}) was acknowledged by ${s.to} (${s.service}). ${s.link}`,
    },
    accepted: {
      subject: (s) => `Referral ${s.code} accepted`,
      headline: (s) => `${s.to} has accepted your referral to ${s.service}.`,
      action: 'You will be told when the service starts.',
      sms: (s) => `Referral ${s.code} (case ${s.caseCode}) was accepted by ${s.to} (${s.service}). ${s.link}`,
    },
    declined: {
      subject: (s) => `Referral ${s.code} declined`,
      headline: (s) => `${s.to} has declined your referral to ${s.service}.`,
      action: 'Open the referral to see the reason and any service they suggest instead.',
      sms: (s) => `Referral ${s.code} (case ${s.caseCode}) was declined by ${s.to} (${s.service}). See why: ${s.link}`,
    },
    started: {
      subject: (s) => `Referral ${s.code}: service started`,
      headline: (s) => `${s.to} has started providing ${s.service}.`,
      action: 'You will be told of the outcome.',
      sms: (s) => `Referral ${s.code} (case ${s.caseCode}): ${s.to} started ${s.service}. ${s.link}`,
    },
    completed: {
      subject: (s) => `Referral ${s.code}: service delivered`,
      headline: (s) => `${s.to} reports that ${s.service} has been delivered.`,
      action: 'You may now close the referral.',
      sms: (s) => `Referral ${s.code} (case ${s.caseCode}): ${s.to} delivered ${s.service}. ${s.link}`,
    },
    not_delivered: {
      subject: (s) => `Referral ${s.code}: service not delivered`,
      headline: (s) => `${s.to} reports that ${s.service} could not be delivered.`,
      action: 'Open the referral to see why, and plan the next step.',
      sms: (s) => `Referral ${s.code} (case ${s.caseCode}): ${s.to} could not deliver ${s.service}. See why: ${s.link}`,
    },
    access_revoked: {
      subject: (s) => `Referral ${s.code}: access withdrawn`,
      headline: (s) => `A consent has ended: ${s.to} can no longer read part of the referral to ${s.service}.`,
      action: 'Review the consent with the child and family if the service still needs the information.',
      sms: (s) => `Referral ${s.code} (case ${s.caseCode}): a consent ended, ${s.to} lost some access. ${s.link}`,
    },
    overdue_reminder: {
      subject: (s) => `Reminder: referral ${s.code} is overdue`,
      headline: (s) => `The referral from ${s.from} to ${s.service} is past its deadline (status: ${s.status}).`,
      action: 'Please acknowledge it, then accept or decline it, in the referral hub.',
      sms: (s) => `Reminder: referral ${s.code} (case ${s.caseCode}) for ${s.service} from ${s.from} is overdue. ${s.link}`,
      smsReply: (s) => `Reminder: ${s.code}${caseEn(s)} for ${s.service} from ${s.from} is overdue. ${s.reply}${tail(s)}`,
    },
    overdue_lead: {
      subject: (s) => `Referral ${s.code} is overdue`,
      headline: (s) => `${s.to} has not answered your referral to ${s.service} in time (status: ${s.status}).`,
      action: 'They have been reminded. You may contact them or refer elsewhere.',
      sms: (s) => `Referral ${s.code} (case ${s.caseCode}) to ${s.to} (${s.service}) is overdue. ${s.link}`,
    },
    escalated_receiver: {
      subject: (s) => `Escalation: referral ${s.code} is still overdue`,
      headline: (s) => `The referral from ${s.from} to ${s.service} is still unanswered after a reminder (status: ${s.status}); it has been escalated to your organisation's administrators and the referring supervisor.`,
      action: 'Please acknowledge it, then accept or decline it, in the referral hub now.',
      sms: (s) => `Escalation: referral ${s.code} (case ${s.caseCode}) for ${s.service} from ${s.from} still overdue. ${s.link}`,
      smsReply: (s) => `Escalation: ${s.code}${caseEn(s)} for ${s.service} from ${s.from} still overdue. ${s.reply}${tail(s)}`,
    },
    escalated_lead: {
      subject: (s) => `Escalation: referral ${s.code} is still overdue`,
      headline: (s) => `${s.to} has still not answered the referral to ${s.service} after a reminder (status: ${s.status}); it has been escalated to their administrators.`,
      action: 'Contact them, or refer elsewhere if the child cannot wait.',
      sms: (s) => `Escalation: referral ${s.code} (case ${s.caseCode}) to ${s.to} (${s.service}) still overdue. ${s.link}`,
    },
    transfer_received: {
      subject: (s) => `Case transfer ${s.code}: you are now the lead`,
      headline: (s) => `The case transferred by ${s.from} to ${s.to} (${s.service}) is now yours: you are its lead caseworker.`,
      action: 'Open the case in the referral hub; its history, access log and deliveries are now your organisation’s to follow.',
      sms: (s) => `Case transfer ${s.code} (case ${s.caseCode}) from ${s.from}: you are now the lead. ${s.link}`,
    },
    withdrawn: {
      subject: (s) => `Referral ${s.code} withdrawn`,
      headline: (s) => `${s.from} has withdrawn its referral to ${s.service}.`,
      action: 'No further action is needed.',
      sms: (s) => `Referral ${s.code} (case ${s.caseCode}) for ${s.service} was withdrawn by ${s.from}. ${s.link}`,
    },
  },
  fr: {
    submitted: {
      subject: (s) => `Nouveau référencement ${s.code} pour ${s.service}`,
      headline: (s) => `${s.from} a envoyé un référencement à ${s.service} (${s.to}).`,
      action: 'Merci d’en accuser réception dans le hub de référencement.',
      sms: (s) => `Nouveau référencement ${s.code} (dossier ${s.caseCode}) pour ${s.service}, de ${s.from}. A confirmer : ${s.link}`,
      smsReply: (s) => `Nouveau référencement ${s.code}${caseFr(s)} pour ${s.service}, de ${s.from}. ${s.reply}${tail(s)}`,
    },
    acknowledged: {
      subject: (s) => `Référencement ${s.code} reçu`,
      headline: (s) => `${s.to} a accusé réception de votre référencement vers ${s.service}.`,
      action: 'Vous serez informé de son acceptation ou de son refus.',
      sms: (s) => `Référencement ${s.code} (dossier ${s.caseCode}) bien reçu par ${s.to} (${s.service}). ${s.link}`,
    },
    accepted: {
      subject: (s) => `Référencement ${s.code} accepté`,
      headline: (s) => `${s.to} a accepté votre référencement vers ${s.service}.`,
      action: 'Vous serez informé du début du service.',
      sms: (s) => `Référencement ${s.code} (dossier ${s.caseCode}) accepté par ${s.to} (${s.service}). ${s.link}`,
    },
    declined: {
      subject: (s) => `Référencement ${s.code} refusé`,
      headline: (s) => `${s.to} a refusé votre référencement vers ${s.service}.`,
      action: 'Ouvrez le référencement pour voir le motif et le service éventuellement suggéré.',
      sms: (s) => `Référencement ${s.code} (dossier ${s.caseCode}) refusé par ${s.to} (${s.service}). Motif : ${s.link}`,
    },
    started: {
      subject: (s) => `Référencement ${s.code} : service commencé`,
      headline: (s) => `${s.to} a commencé à fournir ${s.service}.`,
      action: 'Vous serez informé du résultat.',
      sms: (s) => `Référencement ${s.code} (dossier ${s.caseCode}) : ${s.to} a commencé ${s.service}. ${s.link}`,
    },
    completed: {
      subject: (s) => `Référencement ${s.code} : service fourni`,
      headline: (s) => `${s.to} indique que ${s.service} a été fourni.`,
      action: 'Vous pouvez maintenant clôturer le référencement.',
      sms: (s) => `Référencement ${s.code} (dossier ${s.caseCode}) : ${s.to} a fourni ${s.service}. ${s.link}`,
    },
    not_delivered: {
      subject: (s) => `Référencement ${s.code} : service non fourni`,
      headline: (s) => `${s.to} indique que ${s.service} n’a pas pu être fourni.`,
      action: 'Ouvrez le référencement pour en voir la raison et prévoir la suite.',
      sms: (s) => `Référencement ${s.code} (dossier ${s.caseCode}) : ${s.to} n'a pas pu fournir ${s.service}. ${s.link}`,
    },
    access_revoked: {
      subject: (s) => `Référencement ${s.code} : accès retiré`,
      headline: (s) => `Un consentement a pris fin : ${s.to} ne peut plus lire une partie du référencement vers ${s.service}.`,
      action: 'Revoyez le consentement avec l’enfant et la famille si le service a encore besoin de ces informations.',
      sms: (s) => `Référencement ${s.code} (dossier ${s.caseCode}) : fin de consentement, accès de ${s.to} réduit. ${s.link}`,
    },
    overdue_reminder: {
      subject: (s) => `Rappel : le référencement ${s.code} est en retard`,
      headline: (s) => `Le référencement de ${s.from} vers ${s.service} a dépassé son délai (statut : ${s.status}).`,
      action: 'Merci d’en accuser réception, puis de l’accepter ou de le refuser, dans le hub de référencement.',
      sms: (s) => `Rappel : référencement ${s.code} (dossier ${s.caseCode}) pour ${s.service}, de ${s.from}, en retard. ${s.link}`,
      smsReply: (s) => `Rappel : ${s.code}${caseFr(s)} pour ${s.service}, de ${s.from}, en retard. ${s.reply}${tail(s)}`,
    },
    overdue_lead: {
      subject: (s) => `Le référencement ${s.code} est en retard`,
      headline: (s) => `${s.to} n’a pas répondu à temps à votre référencement vers ${s.service} (statut : ${s.status}).`,
      action: 'Un rappel lui a été envoyé. Vous pouvez le contacter ou référer ailleurs.',
      sms: (s) => `Référencement ${s.code} (dossier ${s.caseCode}) vers ${s.to} (${s.service}) en retard. ${s.link}`,
    },
    escalated_receiver: {
      subject: (s) => `Escalade : le référencement ${s.code} est toujours en retard`,
      headline: (s) => `Le référencement de ${s.from} vers ${s.service} est toujours sans réponse après un rappel (statut : ${s.status}) ; il a été signalé aux administrateurs de votre organisation et au superviseur référent.`,
      action: 'Merci d’en accuser réception, puis de l’accepter ou de le refuser, dans le hub de référencement dès maintenant.',
      sms: (s) => `Escalade : ${s.code} (dossier ${s.caseCode}) pour ${s.service}, de ${s.from}, toujours en retard. ${s.link}`,
      smsReply: (s) => `Escalade : ${s.code}${caseFr(s)} pour ${s.service}, de ${s.from}, toujours en retard. ${s.reply}${tail(s)}`,
    },
    escalated_lead: {
      subject: (s) => `Escalade : le référencement ${s.code} est toujours en retard`,
      headline: (s) => `${s.to} n’a toujours pas répondu au référencement vers ${s.service} après un rappel (statut : ${s.status}) ; il a été signalé à ses administrateurs.`,
      action: 'Contactez-les, ou référez ailleurs si l’enfant ne peut pas attendre.',
      sms: (s) => `Escalade : référencement ${s.code} (dossier ${s.caseCode}) vers ${s.to} (${s.service}) toujours en retard. ${s.link}`,
    },
    transfer_received: {
      subject: (s) => `Transfert de dossier ${s.code} : vous en êtes responsable`,
      headline: (s) => `Le dossier transféré par ${s.from} à ${s.to} (${s.service}) est désormais le vôtre : vous en êtes le travailleur social référent.`,
      action: 'Ouvrez le dossier dans le hub de référencement ; son historique, son journal d’accès et ses envois relèvent maintenant de votre organisation.',
      sms: (s) => `Transfert ${s.code} (dossier ${s.caseCode}) de ${s.from} : vous en etes responsable. ${s.link}`,
    },
    withdrawn: {
      subject: (s) => `Référencement ${s.code} retiré`,
      headline: (s) => `${s.from} a retiré son référencement vers ${s.service}.`,
      action: 'Aucune action n’est nécessaire.',
      sms: (s) => `Référencement ${s.code} (dossier ${s.caseCode}) pour ${s.service} retiré par ${s.from}. ${s.link}`,
    },
  },
};
