/**
 * The GSM 03.38 7-bit default alphabet, which every handset reads and which
 * keeps an SMS to one 160-character segment. A single character outside it
 * switches the whole message to UCS-2 (70 characters a segment), so SMS text
 * is checked, and transliterated, against this table.
 */

/** The basic character set: one septet each. */
const BASIC =
  '@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !"#¤%&\'()*+,-./0123456789:;<=>?' +
  '¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà';

/** The extension table: each costs two septets (an escape, then the character). */
const EXTENSION = '\f^{}\\[~]|€';

const BASIC_SET: ReadonlySet<string> = new Set(BASIC);
const EXTENSION_SET: ReadonlySet<string> = new Set(EXTENSION);

/** Longest text of a single-segment SMS, in septets. */
export const SMS_MAX_SEPTETS = 160;

/** Whether every character of `text` is in the GSM-7 basic or extension table. */
export function isGsm7(text: string): boolean {
  for (const char of text) {
    if (!BASIC_SET.has(char) && !EXTENSION_SET.has(char)) return false;
  }
  return true;
}

/**
 * The number of septets `text` takes in GSM-7 (extension characters count 2).
 *
 * @throws Error when `text` has a character GSM-7 cannot carry (transliterate it first with {@link toGsm7}).
 */
export function gsm7Length(text: string): number {
  let length = 0;
  for (const char of text) {
    if (BASIC_SET.has(char)) length += 1;
    else if (EXTENSION_SET.has(char)) length += 2;
    else throw new Error(`Not a GSM-7 character: U+${(char.codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, '0')}`);
  }
  return length;
}

/** Characters whose closest GSM-7 form is not found by removing accents. */
const SUBSTITUTES: Readonly<Record<string, string>> = {
  '\u2018': "'",
  '\u2019': "'",
  '\u201C': '"',
  '\u201D': '"',
  '\u00AB': '"',
  '\u00BB': '"',
  '\u2013': '-',
  '\u2014': '-',
  '\u2026': '...',
  '\u00A0': ' ',
  '\u202F': ' ',
  '\t': ' ',
  œ: 'oe',
  Œ: 'OE',
  '`': "'",
};

/**
 * `text` in GSM-7 only: characters already in the alphabet are kept (so é, è,
 * à, ù, É stay), others lose their accents (ê → e, ç → c, â → a), typographic
 * quotes and dashes become plain ones, and anything left becomes `?`.
 */
export function toGsm7(text: string): string {
  let out = '';
  for (const char of text) {
    if (BASIC_SET.has(char) || EXTENSION_SET.has(char)) {
      out += char;
      continue;
    }
    const substitute = SUBSTITUTES[char];
    if (substitute !== undefined) {
      out += substitute;
      continue;
    }
    const stripped = char.normalize('NFD').replace(/\p{M}/gu, '');
    out += stripped !== '' && isGsm7(stripped) ? stripped : '?';
  }
  return out;
}

/** `text` cut so that it takes at most `septets` (GSM-7 text only), marked `...` when cut. */
export function truncateGsm7(text: string, septets: number): string {
  if (gsm7Length(text) <= septets) return text;
  if (septets <= 3) return '';
  const chars = [...text];
  while (chars.length > 0 && gsm7Length(chars.join('')) > septets - 3) chars.pop();
  return `${chars.join('').trimEnd()}...`;
}
