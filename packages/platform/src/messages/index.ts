import { fr } from './fr.js';

/**
 * The texts of problem documents (titles, details, field messages) in the
 * hub's languages. English is the source language: a text's English wording
 * is its key in the catalogue, and `fr.ts` gives its French wording, the way
 * a gettext catalogue does. A key may hold `{name}` placeholders, filled from
 * the parameters of a {@link Message}, or read back from a plain string that
 * has the key's shape (so `'This resource supports GET, POST.'` is rendered
 * from `'This resource supports {methods}.'`).
 */

/** The languages the hub answers in, French first. */
export const PROBLEM_LANGUAGES = ['fr', 'en'] as const;
export type ProblemLanguage = (typeof PROBLEM_LANGUAGES)[number];

/**
 * The language of a problem when the request does not ask for one the hub
 * speaks (no `Accept-Language`, or only other languages): the network works
 * in French first.
 */
export const DEFAULT_PROBLEM_LANGUAGE: ProblemLanguage = 'fr';

/** A text of the catalogue, by its English wording (the compiler refuses one that is not there). */
export type Phrase = keyof typeof fr;
export type MessageParams = Readonly<Record<string, string | number>>;

/** A catalogue text with its parameters, rendered in the reader's language when the problem is sent. */
export type Message = { readonly phrase: Phrase; readonly params?: MessageParams };

/**
 * A text a person reads in a problem: a {@link Message}, or a plain string
 * that must be (or have the shape of) a catalogue key. Plain strings exist for
 * callers that build their sentence themselves; in tests, one the catalogue
 * cannot render in French is reported as an invalid problem.
 */
export type Text = Message | string;

/** A catalogue text, e.g. `t('This override is {status}, not pending approval.', { status })`. */
export function t(phrase: Phrase, params?: MessageParams): Message {
  return params === undefined ? { phrase } : { phrase, params };
}

export function isMessage(text: Text): text is Message {
  return typeof text === 'object';
}

const PLACEHOLDER = /\{([A-Za-z][A-Za-z0-9_]*)\}/g;

function fill(template: string, params: MessageParams | undefined): string {
  return template.replace(PLACEHOLDER, (whole, name: string) => {
    const value = params?.[name];
    return value === undefined ? whole : String(value);
  });
}

/** The placeholder names of a template, in order. */
export function placeholdersOf(template: string): string[] {
  return [...template.matchAll(PLACEHOLDER)].map((match) => match[1] ?? '');
}

type Pattern = { key: Phrase; names: string[]; regex: RegExp };

const escapeRegex = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * What some placeholders can hold when read back from a plain string, so a
 * generic key cannot swallow a sentence it does not describe (`must be {type}`
 * reads `must be integer`, never `must be a host name that resolves`).
 */
const PARAM_SHAPES: Readonly<Record<string, string>> = {
  type: '[a-z]+(?:,[a-z]+)*',
  limit: '-?\\d+(?:\\.\\d+)?',
  multiple: '-?\\d+(?:\\.\\d+)?',
  level: '\\d+',
  maxDays: '\\d+',
  bytes: '\\d+',
  ms: '\\d+',
  seconds: '\\d+',
  min: '\\d+',
};

/** Keys with placeholders, as patterns; the most literal first so `must be >= {limit}` wins over `must be {type}`. */
const PATTERNS: readonly Pattern[] = (Object.keys(fr) as Phrase[])
  .filter((key) => placeholdersOf(key).length > 0)
  .map((key) => {
    const names = placeholdersOf(key);
    const source = key
      .split(PLACEHOLDER)
      .map((part, index) => (index % 2 === 0 ? escapeRegex(part) : `(${PARAM_SHAPES[part] ?? '[\\s\\S]+?'})`))
      .join('');
    return { key, names, regex: new RegExp(`^${source}$`) };
  })
  .sort((a, b) => b.key.replace(PLACEHOLDER, '').length - a.key.replace(PLACEHOLDER, '').length);

const CATALOGUE: Readonly<Record<string, string>> = fr;

function isPhrase(text: string): text is Phrase {
  return Object.hasOwn(CATALOGUE, text);
}

/** Reads a plain string as a catalogue key and its parameters, or `undefined` when the catalogue has no such text. */
export function parseText(text: string): Message | undefined {
  if (isPhrase(text)) return { phrase: text };
  for (const pattern of PATTERNS) {
    const match = pattern.regex.exec(text);
    if (match === null) continue;
    const params: Record<string, string> = {};
    pattern.names.forEach((name, index) => {
      params[name] = match[index + 1] ?? '';
    });
    return { phrase: pattern.key, params };
  }
  return undefined;
}

/**
 * A parameter read back from a plain string may itself be a catalogue text
 * (`must be integer (at /age)` holds `must be integer`): it is rendered too.
 */
function renderParams(params: MessageParams | undefined, language: ProblemLanguage, depth: number): MessageParams | undefined {
  if (params === undefined || depth > 2) return params;
  const rendered: Record<string, string | number> = {};
  for (const [name, value] of Object.entries(params)) {
    const nested = typeof value === 'string' ? parseText(value) : undefined;
    rendered[name] = nested === undefined ? value : renderMessage(nested, language, depth + 1);
  }
  return rendered;
}

function renderMessage(message: Message, language: ProblemLanguage, depth: number): string {
  const template = language === 'en' ? message.phrase : (CATALOGUE[message.phrase] ?? message.phrase);
  return fill(template, renderParams(message.params, language, depth));
}

export type RenderedText = { text: string; translated: boolean };

/**
 * Renders a text in `language`. `translated` is false for a plain string the
 * catalogue does not know: it is then sent as written (English).
 */
export function renderText(text: Text, language: ProblemLanguage): RenderedText {
  if (isMessage(text)) return { text: renderMessage(text, language, 0), translated: true };
  const parsed = parseText(text);
  if (parsed === undefined) return { text, translated: false };
  return { text: renderMessage(parsed, language, 1), translated: true };
}

/** The English wording of a text, for logs and `Error.message`. */
export function englishOf(text: Text): string {
  return isMessage(text) ? fill(text.phrase, text.params) : text;
}

/**
 * The language to answer in, from an `Accept-Language` header (RFC 9110
 * §12.5.4): the hub language with the highest weight, a region ignored
 * (`fr-CA` is French), `*` meaning the default; the default when none fits.
 */
export function negotiateLanguage(header: string | undefined, fallback: ProblemLanguage = DEFAULT_PROBLEM_LANGUAGE): ProblemLanguage {
  if (header === undefined || header.trim() === '') return fallback;
  let best: { language: ProblemLanguage; weight: number } | undefined;
  for (const part of header.split(',').slice(0, 20)) {
    const [range = '', ...parameters] = part.trim().split(';');
    const quality = parameters.map((p) => p.trim()).find((p) => p.toLowerCase().startsWith('q='));
    const weight = quality === undefined ? 1 : Number(quality.slice(2));
    if (!Number.isFinite(weight) || weight <= 0) continue;
    const primary = range.trim().toLowerCase().split('-')[0] ?? '';
    const language = primary === '*' ? fallback : PROBLEM_LANGUAGES.find((l) => l === primary);
    if (language === undefined) continue;
    // Equal weights: the first listed wins.
    if (best === undefined || weight > best.weight) best = { language, weight };
  }
  return best?.language ?? fallback;
}
