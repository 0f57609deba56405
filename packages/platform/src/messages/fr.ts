/**
 * French wording of every text a problem document carries, keyed by its
 * English wording (the source language). For translators:
 *
 * - Translate the value, never the key: the key is what the code writes.
 * - Keep every `{name}` placeholder of the key in the translation, spelled the
 *   same (the test `messages.test.ts` checks it); move it where French wants it.
 * - Field messages (`is required`) follow the field's name, as in
 *   `body.caseCode: est obligatoire`: keep them lowercase, without a full stop.
 * - A new text thrown by a service must be added here, or its tests fail.
 */
export const fr = {
  // ─── Titles, one per kind of problem ──────────────────────────────────────
  'Invalid request': 'Requête invalide',
  'Bad request': 'Requête incorrecte',
  Unauthenticated: 'Non authentifié',
  Forbidden: 'Interdit',
  'Not found': 'Introuvable',
  'Method not allowed': 'Méthode non autorisée',
  'Not acceptable': 'Format de réponse non disponible',
  Conflict: 'Conflit',
  Gone: 'N’existe plus',
  'Precondition failed': 'Condition préalable non remplie',
  'Precondition required': 'Condition préalable requise',
  'Payload too large': 'Requête trop volumineuse',
  'URI too long': 'Adresse trop longue',
  'Unsupported media type': 'Type de contenu non pris en charge',
  'Unprocessable request': 'Requête impossible à traiter',
  'Too many requests': 'Trop de requêtes',
  'Malformed JSON': 'JSON mal formé',
  'Internal server error': 'Erreur interne du serveur',
  'Not implemented': 'Non disponible',
  'Service unavailable': 'Service indisponible',
  'Invalid problem document': 'Document d’erreur invalide',

  // ─── Details of the platform (every service) ──────────────────────────────
  'The request has invalid fields.': 'La requête contient des champs invalides.',
  'A valid bearer token is required.': 'Un jeton d’accès (bearer) valide est requis.',
  'You are not allowed to do this.': 'Vous n’êtes pas autorisé à faire cela.',
  'No such resource.': 'Cette ressource n’existe pas.',
  'No resource matches this path.': 'Aucune ressource ne correspond à ce chemin.',
  'Send application/json.': 'Envoyez du application/json.',
  'Send {mediaTypes}.': 'Envoyez {mediaTypes}.',
  'Send application/json in UTF-8, without a content encoding.': 'Envoyez du application/json en UTF-8, sans encodage de contenu.',
  'A dependency is unavailable; try again shortly.': 'Un service dont celui-ci dépend est indisponible ; réessayez dans un instant.',
  'This resource supports {methods}.': 'Cette ressource accepte {methods}.',
  'The request body is too large.': 'Le corps de la requête est trop volumineux.',
  'The request body exceeds the {size} limit.': 'Le corps de la requête dépasse la limite de {size}.',
  'This operation is part of the API but not available on this server yet.':
    'Cette opération fait partie de l’API mais n’est pas encore disponible sur ce serveur.',
  'The request body is not valid JSON.': 'Le corps de la requête n’est pas du JSON valide.',
  'The request could not be processed.': 'La requête n’a pas pu être traitée.',
  'An unexpected error occurred. Quote the request id (instance) when reporting it.':
    'Une erreur inattendue s’est produite. Citez l’identifiant de la requête (instance) en la signalant.',
  'This Idempotency-Key was used for a different request.': 'Cette Idempotency-Key a servi à une autre requête.',
  'A request with this Idempotency-Key is still being processed; retry shortly.':
    'Une requête avec cette Idempotency-Key est encore en cours de traitement ; réessayez dans un instant.',
  'The identity provider could not be reached; try again shortly.':
    'Le fournisseur d’identité est injoignable ; réessayez dans un instant.',
  'Too many requests; retry later.': 'Trop de requêtes ; réessayez plus tard.',
  'Too many requests; retry in {seconds} seconds.': 'Trop de requêtes ; réessayez dans {seconds} secondes.',
  'Too many requests; retry after {seconds} seconds.': 'Trop de requêtes ; réessayez dans {seconds} secondes.',
  'The server built an error that does not match the Problem schema.':
    'Le serveur a produit une erreur non conforme au schéma Problem.',

  // Messaging and database (rarely seen by a caller, but they may reach one)
  'Invalid database URL': 'Adresse de base de données invalide',
  'The database connection string must be a postgres:// or postgresql:// URL.':
    'La chaîne de connexion à la base de données doit être une adresse postgres:// ou postgresql://.',
  'Unsupported database URL scheme "{scheme}".': 'Schéma d’adresse de base de données non pris en charge « {scheme} ».',
  'The database URL names no database.': 'L’adresse de base de données ne désigne aucune base.',
  'Give event ids to replay, or all: true.': 'Donnez les identifiants des événements à rejouer, ou all: true.',
  'Nothing to replay.': 'Rien à rejouer.',
  'Event {eventType} does not match its schema: {fields}.': 'L’événement {eventType} ne respecte pas son schéma : {fields}.',
  'Message refused by the broker': 'Message refusé par le courtier de messages',
  'Broker timeout': 'Délai dépassé chez le courtier de messages',
  '{what} timed out after {ms} ms.': '{what} : délai dépassé après {ms} ms.',
  'The event could not be published.': 'L’événement n’a pas pu être publié.',

  // Authentication (AUTH_FAILURES)
  'A bearer token is required.': 'Un jeton d’accès (bearer) est requis.',
  'Use the Bearer authorization scheme.': 'Utilisez le schéma d’autorisation Bearer.',
  'The bearer token is malformed.': 'Le jeton d’accès est mal formé.',
  'The token is signed with an algorithm that is not accepted.': 'Le jeton est signé avec un algorithme non accepté.',
  'The token is signed with an unknown key.': 'Le jeton est signé avec une clé inconnue.',
  'The token signature is invalid.': 'La signature du jeton est invalide.',
  'The token has expired.': 'Le jeton a expiré.',
  'The token is not valid yet.': 'Le jeton n’est pas encore valide.',
  'The token was issued by an untrusted issuer.': 'Le jeton a été émis par un émetteur non reconnu.',
  'The token is not intended for this service.': 'Le jeton n’est pas destiné à ce service.',
  'The token claims are invalid.': 'Les informations (claims) du jeton sont invalides.',
  'The token names no user.': 'Le jeton ne désigne aucun utilisateur.',
  'The token names no organisation.': 'Le jeton ne désigne aucune structure.',
  'Your role does not allow this.': 'Votre rôle ne permet pas cela.',
  'The request holds a value that cannot be stored.': 'La requête contient une valeur impossible à enregistrer.',
  'Another request created or changed the same resource at the same time; read it again.':
    'Une autre requête a créé ou modifié la même ressource au même moment ; relisez-la.',

  // ─── Field messages of request validation (ajv rules, platform checks) ───
  'is required': 'est obligatoire',
  'is not allowed': 'n’est pas autorisé',
  'is invalid': 'est invalide',
  'is not valid JSON': 'n’est pas du JSON valide',
  'is not correctly percent-encoded': 'n’est pas correctement encodé (pourcent-encodage)',
  'was used for a different request': 'a servi à une autre requête',
  'must not contain the NUL character (U+0000)': 'ne doit pas contenir le caractère NUL (U+0000)',
  'holds a value that cannot be stored (a NUL character, a number out of range or a malformed value)':
    'contient une valeur impossible à enregistrer (un caractère NUL, un nombre hors limites ou une valeur mal formée)',
  'is not a cursor returned by this API': 'n’est pas un curseur renvoyé par cette API',
  'must be one of: {values}': 'doit valoir l’une de ces valeurs : {values}',
  'must be equal to one of the allowed values': 'doit valoir l’une des valeurs autorisées',
  'must be equal to constant': 'doit valoir la constante attendue',
  'must be {type}': 'doit être de type {type}',
  'must match format "{format}"': 'doit respecter le format « {format} »',
  'must match pattern "{pattern}"': 'doit respecter le motif « {pattern} »',
  'must NOT have more than {limit} characters': 'ne doit pas dépasser {limit} caractères',
  'must NOT have fewer than {limit} characters': 'doit compter au moins {limit} caractères',
  'must NOT have more than {limit} items': 'ne doit pas compter plus de {limit} éléments',
  'must NOT have fewer than {limit} items': 'doit compter au moins {limit} éléments',
  'must NOT have more than {limit} properties': 'ne doit pas compter plus de {limit} propriétés',
  'must NOT have fewer than {limit} properties': 'doit compter au moins {limit} propriétés',
  'must NOT have duplicate items (items ## {j} and {i} are identical)':
    'ne doit pas contenir de doublons (les éléments {j} et {i} sont identiques)',
  'must NOT have additional properties': 'ne doit pas avoir de propriétés supplémentaires',
  'must NOT have unevaluated properties': 'ne doit pas avoir de propriétés non prévues',
  'must NOT be valid': 'ne doit pas être valide',
  'must be >= {limit}': 'doit être supérieur ou égal à {limit}',
  'must be <= {limit}': 'doit être inférieur ou égal à {limit}',
  'must be > {limit}': 'doit être strictement supérieur à {limit}',
  'must be < {limit}': 'doit être strictement inférieur à {limit}',
  'must be multiple of {multiple}': 'doit être un multiple de {multiple}',
  'must match exactly one schema in oneOf': 'doit correspondre à exactement une des formes permises',
  'must match a schema in anyOf': 'doit correspondre à l’une des formes permises',
  'must match "then" schema': 'doit respecter la règle conditionnelle (then)',
  'must match "else" schema': 'doit respecter la règle conditionnelle (else)',
  'must contain at least {min} valid item(s)': 'doit contenir au moins {min} élément(s) valide(s)',
  'must have required property \'{property}\'': 'doit avoir la propriété obligatoire « {property} »',
  'must have property {property} when property {other} is present':
    'doit avoir la propriété {property} quand la propriété {other} est présente',
  'property name must be valid': 'le nom de propriété doit être valide',
  '{rule} (at {path})': '{rule} (à {path})',

  // ─── Referral field catalogue (payload of a referral) ─────────────────────
  'must be an object of field keys to values': 'doit être un objet de clés de champ et de valeurs',
  'is not a field of the referral field catalogue': 'n’est pas un champ du catalogue des champs de référencement',
  'is strictly confidential and is never shared': 'est strictement confidentiel et n’est jamais partagé',

  // ─── Directory ─────────────────────────────────────────────────────────────
  'No organisation has this id.': 'Aucune structure n’a cet identifiant.',
  'No service has this id.': 'Aucun service n’a cet identifiant.',
  'No location has this id.': 'Aucun lieu n’a cet identifiant.',
  'No focal point has this id.': 'Aucun point focal n’a cet identifiant.',
  'No HSDS record has this id.': 'Aucun enregistrement HSDS n’a cet identifiant.',
  'The organisation has changed since you read it.': 'La structure a changé depuis votre lecture.',
  'The service has changed since you read it.': 'Le service a changé depuis votre lecture.',
  'The location has changed since you read it.': 'Le lieu a changé depuis votre lecture.',
  'The focal point has changed since you read it.': 'Le point focal a changé depuis votre lecture.',
  'The term has changed since you read it.': 'Le terme a changé depuis votre lecture.',
  'The area has changed since you read it.': 'La zone a changé depuis votre lecture.',
  'Your role does not allow this action on this resource.': 'Votre rôle ne permet pas cette action sur cette ressource.',
  'Some fields refer to things that do not exist.': 'Certains champs désignent des éléments qui n’existent pas.',
  'The service is not one of this organisation.': 'Ce service n’appartient pas à cette structure.',
  'The parent area does not exist.': 'La zone parente n’existe pas.',
  'Areas have at most four levels.': 'Les zones ont au plus quatre niveaux.',
  'An area keeps its parent.': 'Une zone garde sa zone parente.',
  'The upload exceeds {bytes} bytes.': 'Le fichier envoyé dépasse {bytes} octets.',
  'needs a French or an English name': 'demande un nom en français ou en anglais',
  'is required to change an existing term': 'est obligatoire pour modifier un terme existant',
  'is not a code of the taxonomy': 'n’est pas un code de la taxonomie',
  'is not a known area code': 'n’est pas un code de zone connu',
  "is not a location of the service's organisation": 'n’est pas un lieu de la structure du service',
  'must not be greater than maxAge': 'ne doit pas dépasser maxAge',
  'must be "lat,lon" with -90 ≤ lat ≤ 90 and -180 ≤ lon ≤ 180': 'doit s’écrire « lat,lon » avec -90 ≤ lat ≤ 90 et -180 ≤ lon ≤ 180',
  'is required with radiusKm': 'est obligatoire avec radiusKm',
  'is already at level {level}': 'est déjà au niveau {level}',
  'cannot change once the area exists': 'ne peut plus changer une fois la zone créée',
  'is required to rename an existing area': 'est obligatoire pour renommer une zone existante',
  'is not a service of this organisation': 'n’est pas un service de cette structure',
  'is not a readable multipart/form-data body': 'n’est pas un corps multipart/form-data lisible',
  'is not valid CSV': 'n’est pas du CSV valide',

  // ─── Consent ───────────────────────────────────────────────────────────────
  'No consent has this id.': 'Aucun consentement n’a cet identifiant.',
  'No override has this id.': 'Aucune dérogation n’a cet identifiant.',
  'No agreement has this id.': 'Aucun protocole n’a cet identifiant.',
  'No consent context is recorded for this case.': 'Aucun contexte de consentement n’est enregistré pour ce dossier.',
  'This consent is already withdrawn.': 'Ce consentement est déjà retiré.',
  'This override is already revoked.': 'Cette dérogation est déjà révoquée.',
  'This override is {status}, not pending approval.': 'Cette dérogation est au statut « {status} », pas en attente d’approbation.',
  'This override changed meanwhile; read it again.': 'Cette dérogation a changé entre-temps ; relisez-la.',
  'Your organisation already accepted this agreement.': 'Votre structure a déjà accepté ce protocole.',
  'The sharing rules were changed at the same time; read them again.':
    'Les règles de partage ont été modifiées au même moment ; relisez-les.',
  "Only the referrals service, or the case team of the case's own organisation, can ask for a sharing decision.":
    'Seul le service des référencements, ou l’équipe du dossier dans la structure qui le suit, peut demander une décision de partage.',
  'This machine client is not trusted to ask sharing decisions for other organisations.':
    'Ce client machine n’est pas habilité à demander des décisions de partage pour d’autres structures.',
  'Only the referrals service can use up single-use consents; a case team may ask for a preview without consume.':
    'Seul le service des référencements peut utiliser un consentement à usage unique ; une équipe de dossier peut demander un aperçu sans consume.',
  'The decision cannot be made as asked.': 'La décision ne peut pas être prise telle que demandée.',
  'The override cannot be requested as given.': 'La dérogation ne peut pas être demandée telle quelle.',
  'The consent cannot be recorded as given.': 'Le consentement ne peut pas être enregistré tel quel.',
  'Only a caseworker can request a best-interests override.':
    'Seul un travailleur social peut demander une dérogation dans l’intérêt supérieur de l’enfant.',
  'Only a caseworker or a supervisor can withdraw a consent.': 'Seul un travailleur social ou un superviseur peut retirer un consentement.',
  'Only a caseworker or a supervisor can read overrides.': 'Seul un travailleur social ou un superviseur peut lire les dérogations.',
  'Only a caseworker or a supervisor can read the sharing account of a case.':
    'Seul un travailleur social ou un superviseur peut lire le relevé des partages d’un dossier.',
  'Only a caseworker or a supervisor can list the decisions of a case.':
    'Seul un travailleur social ou un superviseur peut lister les décisions d’un dossier.',
  'Only a caseworker or a supervisor can revoke an override.': 'Seul un travailleur social ou un superviseur peut révoquer une dérogation.',
  'Only a caseworker or a supervisor can read consents.': 'Seul un travailleur social ou un superviseur peut lire les consentements.',
  'Only a caseworker or a supervisor can record a consent.': 'Seul un travailleur social ou un superviseur peut enregistrer un consentement.',
  'Only a caseworker or a supervisor can record a case context.':
    'Seul un travailleur social ou un superviseur peut enregistrer le contexte d’un dossier.',
  'Only a caseworker or a supervisor can read a case context.':
    'Seul un travailleur social ou un superviseur peut lire le contexte d’un dossier.',
  'Only a supervisor of the organisation that requested this override can approve it.':
    'Seul un superviseur de la structure qui a demandé cette dérogation peut l’approuver.',
  'Only a supervisor can approve a best-interests override.':
    'Seul un superviseur peut approuver une dérogation dans l’intérêt supérieur de l’enfant.',
  'The person who requested an override cannot approve it; another supervisor must.':
    'La personne qui a demandé une dérogation ne peut pas l’approuver ; un autre superviseur doit le faire.',
  'Only a supervisor of the organisation that requested this override can refuse it.':
    'Seul un superviseur de la structure qui a demandé cette dérogation peut la refuser.',
  'Only a supervisor can refuse a best-interests override.':
    'Seul un superviseur peut refuser une dérogation dans l’intérêt supérieur de l’enfant.',
  'The person who requested an override cannot refuse it; another supervisor must (or revoke the request).':
    'La personne qui a demandé une dérogation ne peut pas la refuser ; un autre superviseur doit le faire (ou révoquez la demande).',
  'The decision needs its reason.': 'La décision doit être motivée.',
  'This override was refused; there is nothing to revoke.': 'Cette dérogation a été refusée ; il n’y a rien à révoquer.',
  'Only an administrator of a party can accept a sharing agreement for their organisation.':
    'Seul un administrateur d’une partie peut accepter un protocole de partage pour sa structure.',
  'Only the network coordinator can change the sharing rules.': 'Seul le coordinateur du réseau peut modifier les règles de partage.',
  'Only members of the network can read its sharing rules.': 'Seuls les membres du réseau peuvent lire ses règles de partage.',
  'Only the network coordinator, or an administrator of one of the parties, can propose a sharing agreement.':
    'Seul le coordinateur du réseau, ou un administrateur de l’une des parties, peut proposer un protocole de partage.',
  'Only a network coordinator, or an administrator, caseworker, supervisor or focal point of an organisation, can list sharing agreements.':
    'Seul un coordinateur du réseau, ou un administrateur, travailleur social, superviseur ou point focal d’une structure, peut lister les protocoles de partage.',
  'is neither a field key nor a group of the field catalogue': 'n’est ni une clé ni un groupe du catalogue des champs',
  'is strictly confidential and can never be shared': 'est strictement confidentiel et ne peut jamais être partagé',
  'must be later than validFrom': 'doit être postérieur à validFrom',
  'must be later than now': 'doit être dans le futur',
  'must be in the future: a consent that has ended cannot be recorded':
    'doit être dans le futur : un consentement déjà échu ne peut pas être enregistré',
  'must be in the future: an override that has ended cannot be recorded':
    'doit être dans le futur : une dérogation déjà échue ne peut pas être enregistrée',
  "must be at most {maxDays} days after the start (the network's maximum)":
    'doit être au plus {maxDays} jours après le début (le maximum du réseau)',
  'must be today or later': 'doit être aujourd’hui ou plus tard',
  'is required to use up single-use consents': 'est obligatoire pour utiliser un consentement à usage unique',
  'has unknown selectors': 'contient des sélecteurs inconnus',
  'an assent is given by a child; a caregiver gives consent':
    'un assentiment est donné par un enfant ; un parent ou tuteur donne un consentement',
  'is required when the caregiver cannot be asked': 'est obligatoire quand le parent ou tuteur ne peut pas être sollicité',
  'must be absent when the caregiver can be asked': 'doit être absent quand le parent ou tuteur peut être sollicité',
  'must not be below assentFromAge': 'ne doit pas être inférieur à assentFromAge',
  'is required when the reason is {reason}': 'est obligatoire quand le motif est {reason}',

  // ─── Referrals ─────────────────────────────────────────────────────────────
  'No referral with this id.': 'Aucun référencement n’a cet identifiant.',
  'No referral with this id is visible to you.': 'Aucun référencement visible pour vous n’a cet identifiant.',
  'No organisation with this id is known here.': 'Aucune structure connue ici n’a cet identifiant.',
  'Only the notifications service may read who to tell about a referral.':
    'Seul le service des notifications peut lire qui prévenir au sujet d’un référencement.',
  'Only the notifications service may relay what a phone asked for.':
    'Seul le service des notifications peut transmettre ce qu’un téléphone a demandé.',
  'Only a network coordinator changes the network’s deadlines.': 'Seul un coordinateur du réseau modifie les délais du réseau.',
  'The deadlines were changed at the same moment; read them again.': 'Les délais ont été modifiés au même moment ; relisez-les.',
  "Only the lead organisation's caseworkers and supervisors read the access log.":
    'Seuls les travailleurs sociaux et superviseurs de la structure qui a la responsabilité du dossier lisent le journal des accès.',
  'Only caseworkers, supervisors and case-management systems refer.':
    'Seuls les travailleurs sociaux, les superviseurs et les systèmes de gestion de dossiers font des référencements.',
  'The payload has fields the catalogue does not allow.': 'Le contenu comporte des champs que le catalogue n’autorise pas.',
  'A referral goes to another organisation.': 'Un référencement est adressé à une autre structure.',
  'The recipient service is not a service of the recipient organisation in the directory.':
    'Le service destinataire n’est pas un service de la structure destinataire dans l’annuaire.',
  'The recipient service does not take referrals now.': 'Le service destinataire ne reçoit pas de référencements en ce moment.',
  'Your role does not allow this action.': 'Votre rôle ne permet pas cette action.',
  'Your role does not handle referrals.': 'Votre rôle ne traite pas de référencements.',
  'The referral proposes no case field; send it with envelopeOnly: true to send the envelope alone.':
    'Le référencement ne propose aucun champ du dossier ; envoyez-le avec envelopeOnly: true pour n’envoyer que l’enveloppe.',
  'The consent service could not decide what may be shared; nothing was sent. Try again shortly.':
    'Le service des consentements n’a pas pu décider de ce qui peut être partagé ; rien n’a été envoyé. Réessayez dans un instant.',
  'None of the proposed fields may be shared with this recipient now; send with envelopeOnly: true to send the envelope alone.':
    'Aucun des champs proposés ne peut être partagé avec ce destinataire pour l’instant ; envoyez avec envelopeOnly: true pour n’envoyer que l’enveloppe.',
  'You cannot {action} this referral.': 'Vous ne pouvez pas faire l’étape « {action} » sur ce référencement.',
  'A referral that is {status} cannot be taken this step.': 'Un référencement au statut « {status} » ne peut pas passer par cette étape.',
  'The referral changed while this step was being taken; read it again.':
    'Le référencement a changé pendant cette étape ; relisez-le.',
  "is the caller's own organisation": 'est la structure de l’appelant',
  'is not a current service of the recipient organisation': 'n’est pas un service actuel de la structure destinataire',
  'is {status} in the directory': 'est au statut « {status} » dans l’annuaire',
  'does not accept referrals': 'n’accepte pas de référencements',
  'must be true to send a referral without case fields': 'doit valoir true pour envoyer un référencement sans champ du dossier',
  'must be true when no proposed field may be shared': 'doit valoir true quand aucun champ proposé ne peut être partagé',

  // ─── Notifications ─────────────────────────────────────────────────────────
  'No subscription with this id is visible to you.': 'Aucun abonnement visible pour vous n’a cet identifiant.',
  'Notification preferences are for people; your role has none.':
    'Les préférences de notification concernent les personnes ; votre rôle n’en a pas.',
  'Your role does not follow referrals.': 'Votre rôle ne suit pas de référencements.',
  "Only an organisation's administrator or its system manages its webhooks.":
    'Seul l’administrateur d’une structure ou son système gère ses webhooks.',
  'must start with {schemes}': 'doit commencer par {schemes}',
  'must not carry credentials': 'ne doit pas contenir d’identifiants de connexion',
  'must start with https:// or http://': 'doit commencer par https:// ou http://',
  'must be a host with public addresses only (not loopback, private or link-local)':
    'doit désigner un hôte aux adresses uniquement publiques (ni boucle locale, ni privées, ni lien local)',
  'must be a host name that resolves': 'doit être un nom d’hôte qui se résout',
} as const;
