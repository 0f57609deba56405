/**
 * The console's words: one ICU message file per language in `messages/`
 * (adding a language is adding a file). The person's choice (kept in their
 * session) wins, then the browser's Accept-Language, then French.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { IntlMessageFormat } from 'intl-messageformat';

const MESSAGES_DIR = fileURLToPath(new URL('../messages/', import.meta.url));
export const DEFAULT_LANGUAGE = 'fr';

type Catalogue = ReadonlyMap<string, IntlMessageFormat>;

function loadCatalogues(): ReadonlyMap<string, Catalogue> {
  const catalogues = new Map<string, Catalogue>();
  for (const file of readdirSync(MESSAGES_DIR).filter((name) => name.endsWith('.json')).sort()) {
    const language = file.slice(0, -'.json'.length);
    const raw: unknown = JSON.parse(readFileSync(`${MESSAGES_DIR}${file}`, 'utf8'));
    if (typeof raw !== 'object' || raw === null) throw new Error(`messages/${file} is not an object`);
    const messages = new Map<string, IntlMessageFormat>();
    for (const [key, text] of Object.entries(raw)) {
      if (typeof text !== 'string') throw new Error(`messages/${file}: ${key} is not a string`);
      messages.set(key, new IntlMessageFormat(text, language));
    }
    catalogues.set(language, messages);
  }
  if (!catalogues.has(DEFAULT_LANGUAGE)) throw new Error(`messages/${DEFAULT_LANGUAGE}.json is missing`);
  return catalogues;
}

const CATALOGUES = loadCatalogues();

/** The languages there is a message file for, default first. */
export const LANGUAGES: readonly string[] = [DEFAULT_LANGUAGE, ...[...CATALOGUES.keys()].filter((l) => l !== DEFAULT_LANGUAGE)];

export function isLanguage(value: unknown): value is string {
  return typeof value === 'string' && CATALOGUES.has(value);
}

/** The first language of an Accept-Language header the console speaks. */
export function languageFromHeader(header: string | undefined): string | undefined {
  if (header === undefined) return undefined;
  const ranked = header
    .split(',')
    .map((part) => {
      const [tag = '', ...params] = part.trim().split(';');
      const q = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
      return { language: tag.trim().toLowerCase().split('-')[0] ?? '', q: q === undefined ? 1 : Number(q.slice(2)) };
    })
    .filter((entry) => entry.q > 0)
    .sort((a, b) => b.q - a.q);
  return ranked.map((entry) => entry.language).find(isLanguage);
}

export type Translate = (key: string, values?: Record<string, string | number>) => string;

/** A translator for one language; an unknown key shows as itself (a test finds it). */
export function translator(language: string): Translate {
  const catalogue = CATALOGUES.get(language) ?? CATALOGUES.get(DEFAULT_LANGUAGE);
  const fallback = CATALOGUES.get(DEFAULT_LANGUAGE);
  return (key, values) => {
    const message = catalogue?.get(key) ?? fallback?.get(key);
    if (message === undefined) return key;
    const text = message.format(values);
    return typeof text === 'string' ? text : String(text);
  };
}

/** Every key of every message file, for the test that keeps them in step. */
export function messageKeys(): ReadonlyMap<string, readonly string[]> {
  return new Map([...CATALOGUES].map(([language, catalogue]) => [language, [...catalogue.keys()].sort()]));
}
