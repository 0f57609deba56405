import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import express from 'express';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { AppError, conflict, forbidden, notFound, validationError } from '../../src/errors.js';
import { fr } from '../../src/messages/fr.js';
import { negotiateLanguage, placeholdersOf, renderText, t } from '../../src/messages/index.js';
import type { Phrase } from '../../src/messages/index.js';
import { checkProblem, clearProblemDefects, forceProblemChecks, problemDefects } from '../../src/http/problem-check.js';
import { PROBLEM_LIMITS, clamp, problemErrorHandler, toProblem } from '../../src/http/problem.js';
import { captureLogger } from '../logging/capture.js';

type Problem = {
  type: string;
  title: string;
  status: number;
  code: string;
  detail?: string;
  errors?: { field: string; message: string; code: string }[];
  [extension: string]: unknown;
};

const LONG_ENUM = `must be one of: ${Array.from({ length: 60 }, (_, i) => `"child.field-number-${i}"`).join(', ')}`;

/** Routes that throw one problem each, behind the platform's error handler. */
const THROWERS: Record<string, () => never> = {
  'not-found': () => {
    throw notFound('No consent has this id.');
  },
  forbidden: () => {
    throw forbidden();
  },
  conflict: () => {
    throw conflict(t('This override is {status}, not pending approval.', { status: 'approved' }), { currentStatus: 'approved' });
  },
  // A template literal written by a service: read back through the catalogue's pattern.
  'conflict-plain': () => {
    throw conflict(`A referral that is ${'accepted'} cannot be taken this step.`);
  },
  validation: () => {
    throw validationError([
      { field: 'body.caseCode', message: 'is required', code: 'required' },
      { field: 'query.limit', message: 'must be <= 100', code: 'maximum' },
      { field: 'body.scope.fields[0]', message: LONG_ENUM, code: 'enum' },
      { field: 'body.payload["child.age"]', message: 'must be integer (at /0)' },
    ]);
  },
  untranslated: () => {
    throw forbidden('A sentence nobody has put into the catalogue.');
  },
  plain: () => {
    throw new Error('secret internals');
  },
};

let server: Server;
let baseUrl: string;

beforeAll(async () => {
  const app = express();
  for (const [name, thrower] of Object.entries(THROWERS)) app.get(`/${name}`, () => thrower());
  app.use(problemErrorHandler(captureLogger().logger));
  server = app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
});

afterEach(() => {
  forceProblemChecks(undefined);
  clearProblemDefects();
});

async function problemOf(path: string, language?: string): Promise<{ response: Response; problem: Problem }> {
  const response = await fetch(`${baseUrl}${path}`, language === undefined ? {} : { headers: { 'accept-language': language } });
  expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  const problem = (await response.json()) as Problem;
  return { response, problem };
}

describe('the message catalogue', () => {
  it('gives every English text a French wording with the same placeholders', () => {
    const entries = Object.entries(fr);
    expect(entries.length).toBeGreaterThan(100);
    for (const [english, french] of entries) {
      expect(french.trim(), english).not.toBe('');
      expect(placeholdersOf(french).sort(), english).toEqual(placeholdersOf(english).sort());
    }
  });

  it('renders a message, a plain string and a string of a key’s shape in either language', () => {
    const phrase: Phrase = 'No consent has this id.';
    expect(renderText(t(phrase), 'fr')).toEqual({ text: 'Aucun consentement n’a cet identifiant.', translated: true });
    expect(renderText(phrase, 'en')).toEqual({ text: 'No consent has this id.', translated: true });
    expect(renderText('must NOT have more than 40 characters', 'fr').text).toBe('ne doit pas dépasser 40 caractères');
    expect(renderText('must be integer (at /0)', 'fr').text).toBe('doit être de type integer (à /0)');
    expect(renderText('must be today or later', 'fr').text).toBe('doit être aujourd’hui ou plus tard');
    expect(renderText('Not in the catalogue at all.', 'fr')).toEqual({ text: 'Not in the catalogue at all.', translated: false });
  });
});

describe('choosing the language of a problem', () => {
  it('follows Accept-Language, French when it names neither hub language', () => {
    expect(negotiateLanguage(undefined)).toBe('fr');
    expect(negotiateLanguage('')).toBe('fr');
    expect(negotiateLanguage('en')).toBe('en');
    expect(negotiateLanguage('en-GB,en;q=0.9')).toBe('en');
    expect(negotiateLanguage('fr-CA')).toBe('fr');
    expect(negotiateLanguage('de, en;q=0.5, fr;q=0.8')).toBe('fr');
    expect(negotiateLanguage('en;q=0, fr;q=0.1')).toBe('fr');
    expect(negotiateLanguage('sw, rn')).toBe('fr');
    expect(negotiateLanguage('*')).toBe('fr');
  });

  it('answers in French by default and in English when asked, naming the language', async () => {
    const french = await problemOf('/not-found');
    expect(french.response.status).toBe(404);
    expect(french.response.headers.get('content-language')).toBe('fr');
    expect(french.response.headers.get('vary')).toMatch(/Accept-Language/i);
    expect(french.problem).toMatchObject({ title: 'Introuvable', detail: 'Aucun consentement n’a cet identifiant.', code: 'not_found' });

    const english = await problemOf('/not-found', 'en-US,en;q=0.9');
    expect(english.response.headers.get('content-language')).toBe('en');
    expect(english.problem).toMatchObject({ title: 'Not found', detail: 'No consent has this id.', code: 'not_found' });
  });

  it('fills parameters into the wording of either language', async () => {
    expect((await problemOf('/conflict', 'fr')).problem).toMatchObject({
      title: 'Conflit',
      detail: 'Cette dérogation est au statut « approved », pas en attente d’approbation.',
      currentStatus: 'approved',
    });
    expect((await problemOf('/conflict-plain', 'fr')).problem.detail).toBe('Un référencement au statut « accepted » ne peut pas passer par cette étape.');
    expect((await problemOf('/conflict-plain', 'en')).problem.detail).toBe('A referral that is accepted cannot be taken this step.');
  });

  it('translates field messages, keeps field names, and gives every field error a code', async () => {
    const { response, problem } = await problemOf('/validation', 'fr');
    expect(response.status).toBe(400);
    expect(problem.errors?.slice(0, 2)).toEqual([
      { field: 'body.caseCode', message: 'est obligatoire', code: 'required' },
      { field: 'query.limit', message: 'doit être inférieur ou égal à 100', code: 'maximum' },
    ]);
    expect(problem.errors?.[3]).toEqual({ field: 'body.payload["child.age"]', message: 'doit être de type integer (à /0)', code: 'invalid' });
  });
});

describe('every problem matches the Problem schema', () => {
  it('has a code for generic problems and hides a plain error', async () => {
    const { response, problem } = await problemOf('/plain', 'en');
    expect(response.status).toBe(500);
    expect(problem).toMatchObject({ code: 'internal_error', title: 'Internal server error' });
    expect(JSON.stringify(problem)).not.toContain('secret');
    expect(checkProblem(problem)).toEqual([]);
  });

  it('cuts a message longer than the schema allows (an enum of 60 values: 1,741 characters)', async () => {
    expect(LONG_ENUM.length).toBeGreaterThan(PROBLEM_LIMITS.message);
    for (const language of ['fr', 'en']) {
      const { problem } = await problemOf('/validation', language);
      const message = problem.errors?.[2]?.message ?? '';
      expect(message.length).toBe(PROBLEM_LIMITS.message);
      expect(message.endsWith('…')).toBe(true);
      expect(checkProblem(problem)).toEqual([]);
    }
    expect(clamp('😀😀', 2)).toBe('…');
  });

  it('builds a valid document even from an error with a code the schema refuses', () => {
    const problem = toProblem(new AppError('Bad-Thing', 418, 'Conflict', { errors: [{ field: 'x'.repeat(400), message: 'is required', code: '9lives' }] }), 'r'.repeat(300), 'en');
    expect(problem.code).toBe('bad_thing');
    expect(problem.errors?.[0]?.code).toBe('lives');
    expect(checkProblem(problem)).toEqual([]);
  });

  it('the check refuses a problem without code, and one with an overlong message', () => {
    expect(checkProblem({ type: 'about:blank', title: 'Not found', status: 404 }).join()).toMatch(/code/);
    const long = { type: 'about:blank', title: 'Invalid', status: 400, code: 'validation_failed', errors: [{ field: 'a', message: 'x'.repeat(701) }] };
    expect(checkProblem(long).join()).toMatch(/errors\/0\/message/);
  });

  it('under test, turns a problem with an untranslated text into a 500 invalid_problem and records it', async () => {
    forceProblemChecks(true);
    const { response, problem } = await problemOf('/untranslated', 'en');
    expect(response.status).toBe(500);
    expect(problem.code).toBe('invalid_problem');
    expect(problem.invalidCode).toBe('forbidden');
    expect(problemDefects()).toEqual([
      { code: 'forbidden', status: 403, reasons: ['no French wording for "A sentence nobody has put into the catalogue."'] },
    ]);
    expect(checkProblem(problem)).toEqual([]);
  });

  it('outside tests, sends the text as written and records nothing', async () => {
    forceProblemChecks(false);
    const { response, problem } = await problemOf('/untranslated', 'fr');
    expect(response.status).toBe(403);
    expect(problem.detail).toBe('A sentence nobody has put into the catalogue.');
    expect(problemDefects()).toEqual([]);
  });
});
