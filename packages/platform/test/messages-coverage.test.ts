import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { renderText } from '../src/messages/index.js';

/**
 * The static half of "every error text exists in French and English": every
 * text the source code hands to an error (a detail, a title, a field message)
 * must be in the catalogue, or have the shape of one of its keys. The dynamic
 * half is the test-mode check in `sendProblem`, which fails any test whose
 * request provokes a problem the catalogue cannot render.
 */

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const SOURCE_ROOTS = ['packages/platform/src', 'services/consent/src', 'services/directory/src', 'services/notifications/src', 'services/referrals/src'];

function sourceFiles(dir: string): string[] {
  const found: string[] = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) {
      if (name !== 'generated' && name !== 'messages' && name !== 'node_modules') found.push(...sourceFiles(path));
    } else if (name.endsWith('.ts') && name !== 'config.ts') {
      found.push(path);
    }
  }
  return found;
}

const HELPERS = 'notFound|forbidden|conflict|unprocessable|serviceUnavailable|unauthenticated|unsupportedMediaType';
const LITERAL = String.raw`('(?:[^'\\\n]|\\.)*'|"(?:[^"\\\n]|\\.)*"|\x60(?:[^\x60\\]|\\.)*\x60)`;
const CONTEXTS = [
  new RegExp(String.raw`\b(?:${HELPERS})\(\s*${LITERAL}`, 'g'),
  new RegExp(String.raw`\bnew AppError\(\s*'[a-z_]+',\s*\d+,\s*${LITERAL}`, 'g'),
  new RegExp(String.raw`\b(?:message|detail):\s*${LITERAL}`, 'g'),
  // Either branch of a chosen text: `message: cond ? 'a' : 'b'`, `const message = cond ? 'a' : 'b'`.
  new RegExp(String.raw`\b(?:message|detail)\s*[:=]\s*[^\n;]*?\?\s*${LITERAL}\s*:\s*${LITERAL}`, 'g'),
  new RegExp(String.raw`\bvalidationError\((?:errors|\[[^\n]*?\]),\s*${LITERAL}`, 'g'),
  // The reason given to a four-argument requireAccess (principal, action, relationships, reason).
  new RegExp(String.raw`\brequireAccess\([^;,]*,[^;,]*,[^;]*?,\s*${LITERAL},?\s*\)`, 'g'),
  // An access policy's refusal, and each of its actions' own (`refusals: { 'action': 'text', … }`).
  new RegExp(String.raw`\brefusal:\s*${LITERAL}`, 'g'),
  new RegExp(String.raw`\brefusals:\s*\{((?:[^{}]|\n)*?)\}`, 'g'),
];

/** Files where `message:` is not an error text (logs, events, zod issues). */
const ERROR_FILE = /FieldError|validationError|unprocessable|AppError|forbidden\(|requireAccess|accessPolicy/;

/** The literal's text, with each `${…}` of a template literal standing for a value (`1`: numeric placeholders accept it). */
function textOf(literal: string): string {
  const body = literal.slice(1, -1);
  if (literal.startsWith('`')) return body.replace(/\$\{[^}]*(?:\{[^}]*\}[^}]*)*\}/g, '1');
  return body.replace(/\\(['"\\])/g, '$1');
}

function errorTexts(): { file: string; text: string }[] {
  const texts: { file: string; text: string }[] = [];
  for (const root of SOURCE_ROOTS) {
    for (const path of sourceFiles(join(ROOT, root))) {
      const source = readFileSync(path, 'utf8');
      if (!ERROR_FILE.test(source)) continue;
      for (const pattern of CONTEXTS) {
        for (const match of source.matchAll(pattern)) {
          for (const literal of match.slice(1)) {
            if (literal === undefined) continue;
            // A block of refusals holds `'action': 'text'` pairs: each text is the literal after a colon.
            const inBlock = /^[^'"\x60]/.test(literal) ? [...literal.matchAll(new RegExp(String.raw`:\s*${LITERAL}`, 'g'))].map((m) => m[1] ?? '') : [literal];
            for (const text of inBlock) texts.push({ file: relative(ROOT, path), text: textOf(text) });
          }
        }
      }
    }
  }
  return texts;
}

describe('the catalogue covers the source', () => {
  it('has a French wording for every text the services and the platform throw', () => {
    const texts = errorTexts();
    // The scan finds the error texts (a broken regex would find nothing and pass).
    expect(texts.length).toBeGreaterThan(150);
    expect(texts.map((t) => t.text)).toContain('No consent has this id.');
    // The reasons given to the access policies: at a call site, as a policy's refusal, as an action's own.
    expect(texts.map((t) => t.text)).toContain('Only a caseworker or a supervisor can read consents.');
    expect(texts.map((t) => t.text)).toContain('Your role does not allow this action on this resource.');
    expect(texts.map((t) => t.text)).toContain('Notification preferences are for people; your role has none.');
    const missing = texts.filter(({ text }) => !renderText(text, 'fr').translated).map(({ file, text }) => `${file}: ${text}`);
    expect(missing).toEqual([]);
  });
});
