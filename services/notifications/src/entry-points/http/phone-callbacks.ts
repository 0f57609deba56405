import { createHash, timingSafeEqual } from 'node:crypto';
import { notFound, serviceUnavailable, t, UpstreamUnavailableError, validationError } from '@referral-hub/platform';
import type { FieldError, Logger } from '@referral-hub/platform';
import express from 'express';
import type { NextFunction, Request, Response, Router } from 'express';
import { receiveSms } from '../../domain/receive-sms.js';
import type { ReceiveSmsDeps } from '../../domain/receive-sms.js';
import { answerUssd } from '../../domain/ussd-menu.js';
import type { UssdDeps } from '../../domain/ussd-menu.js';

/** A delivery report as the delivery log takes it (`recordDeliveryReport`). */
export type DeliveryReport = { provider: 'africastalking' | 'http'; providerMessageId: string; status: 'delivered' | 'failed'; reason?: string };

export type PhoneCallbackDeps = {
  /** `PHONE_CALLBACK_KEY`: without it, every callback answers 404. */
  key: string | undefined;
  /** Without the referrals service, SMS commands and the menu cannot be taken: their callbacks answer 404. */
  sms: ReceiveSmsDeps | undefined;
  ussd: UssdDeps | undefined;
  recordDeliveryReport(report: DeliveryReport): Promise<'updated' | 'unknown'>;
  logger: Logger;
};

/** Africa's Talking posts its callbacks form-encoded; small bodies only (a callback is a few fields). */
const formParser = express.urlencoded({ extended: false, limit: '8kb', parameterLimit: 30, type: 'application/x-www-form-urlencoded' });

const digest = (value: string) => createHash('sha256').update(value, 'utf8').digest();

/** The same 404 as an unknown path: a wrong key (or none configured) says nothing about the callbacks. */
function keyGuard(deps: PhoneCallbackDeps, needs?: 'sms' | 'ussd') {
  const expected = deps.key === undefined ? undefined : digest(deps.key);
  return (req: Request, _res: Response, next: NextFunction) => {
    const given = digest(String(req.params.key ?? ''));
    // Both sides hashed to the same length, compared in constant time.
    const matches = expected !== undefined && timingSafeEqual(given, expected);
    if (!matches || (needs !== undefined && deps[needs] === undefined)) throw notFound('No resource matches this path.');
    next();
  };
}

type Field = { name: string; max: number; required: boolean };

/** The named fields of a form body, as strings, or a 400 naming each missing or too long one. */
function readForm<const F extends readonly Field[]>(req: Request, fields: F): Record<F[number]['name'], string> {
  const body: unknown = req.body;
  const source = typeof body === 'object' && body !== null ? (body as Record<string, unknown>) : {};
  const errors: FieldError[] = [];
  const values: Record<string, string> = {};
  for (const field of fields) {
    const raw = source[field.name];
    if (raw === undefined) {
      if (field.required) errors.push({ field: `body.${field.name}`, message: 'is required', code: 'required' });
      values[field.name] = '';
    } else if (typeof raw !== 'string') {
      errors.push({ field: `body.${field.name}`, message: t('must be {type}', { type: 'string' }), code: 'type' });
    } else if (raw.length > field.max) {
      errors.push({ field: `body.${field.name}`, message: t('must NOT have more than {limit} characters', { limit: field.max }), code: 'maxLength' });
    } else if (raw.includes('\u0000')) {
      errors.push({ field: `body.${field.name}`, message: 'must not contain the NUL character (U+0000)', code: 'nul_character' });
    } else {
      values[field.name] = raw;
    }
  }
  if (errors.length > 0) throw validationError(errors);
  return values as Record<F[number]['name'], string>;
}

/** A phone number as providers send it: `+` and digits, spaces and dashes tolerated. */
function checkPhone(value: string, field: string): void {
  if (!/^\+?[0-9][0-9 ().-]{3,30}$/.test(value)) throw validationError([{ field, message: t('must match format "{format}"', { format: 'phone' }), code: 'format' }]);
}

/** Africa's Talking's `date` (`2026-12-06 10:40:32`, UTC) or an ISO time; now when absent or unreadable. */
function receivedAt(date: string): Date {
  const parsed = Date.parse(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}/.test(date) ? `${date.replace(' ', 'T')}Z` : date);
  return Number.isFinite(parsed) ? new Date(parsed) : new Date();
}

/** The referrals service cannot answer now: 503, so that the provider delivers the callback again. */
function unavailableIfReferrals(error: unknown): never {
  if (error instanceof UpstreamUnavailableError) throw serviceUnavailable();
  throw error;
}

const AT_DELIVERED = new Set(['Success']);
const AT_FAILED = new Set(['Failed', 'Rejected']);
const AT_STATUSES = new Set(['Success', 'Failed', 'Rejected', 'Sent', 'Buffered', 'Submitted']);

/**
 * The phone providers' callbacks (public: the secret key in the path is their credential): incoming SMS
 * and USSD steps from Africa's Talking and the generic gateway, and their delivery reports. Their paths
 * and bodies are declared in the OpenAPI document; the form-encoded bodies are read here.
 */
export function registerPhoneCallbacks(router: Router, deps: PhoneCallbackDeps): void {
  router.post('/callbacks/:key/sms/africastalking', keyGuard(deps, 'sms'), formParser, async (req, res) => {
    const form = readForm(req, [
      { name: 'from', max: 40, required: true },
      { name: 'to', max: 40, required: false },
      { name: 'text', max: 2000, required: true },
      { name: 'date', max: 40, required: false },
      { name: 'id', max: 200, required: true },
      { name: 'linkId', max: 200, required: false },
      { name: 'networkCode', max: 20, required: false },
    ] as const);
    checkPhone(form.from, 'body.from');
    if (form.id.trim() === '') throw validationError([{ field: 'body.id', message: t('must NOT have fewer than {limit} characters', { limit: 1 }), code: 'minLength' }]);
    const sms = deps.sms;
    if (sms === undefined) throw notFound('No resource matches this path.');
    await receiveSms(sms, { provider: 'africastalking', messageId: form.id, from: form.from, to: form.to === '' ? null : form.to, text: form.text, receivedAt: receivedAt(form.date) }).catch(unavailableIfReferrals);
    res.status(200).type('text/plain').send('OK');
  });

  router.post('/callbacks/:key/sms/http', keyGuard(deps, 'sms'), async (req, res) => {
    const body = req.body as { id: string; from: string; to?: string; text: string };
    checkPhone(body.from, 'body.from');
    const sms = deps.sms;
    if (sms === undefined) throw notFound('No resource matches this path.');
    const result = await receiveSms(sms, { provider: 'http', messageId: body.id, from: body.from, to: body.to ?? null, text: body.text, receivedAt: new Date() }).catch(unavailableIfReferrals);
    res.status(200).json({ outcome: result.outcome });
  });

  router.post('/callbacks/:key/ussd/africastalking', keyGuard(deps, 'ussd'), formParser, async (req, res) => {
    const form = readForm(req, [
      { name: 'sessionId', max: 100, required: true },
      { name: 'serviceCode', max: 40, required: true },
      { name: 'phoneNumber', max: 40, required: true },
      { name: 'text', max: 100, required: false },
      { name: 'networkCode', max: 20, required: false },
    ] as const);
    checkPhone(form.phoneNumber, 'body.phoneNumber');
    if (form.sessionId.trim() === '') throw validationError([{ field: 'body.sessionId', message: t('must NOT have fewer than {limit} characters', { limit: 1 }), code: 'minLength' }]);
    const ussd = deps.ussd;
    if (ussd === undefined) throw notFound('No resource matches this path.');
    const screen = await answerUssd(ussd, { sessionId: form.sessionId, serviceCode: form.serviceCode, phoneNumber: form.phoneNumber, text: form.text });
    res.status(200).type('text/plain').send(screen);
  });

  router.post('/callbacks/:key/delivery-reports/africastalking', keyGuard(deps), formParser, async (req, res) => {
    const form = readForm(req, [
      { name: 'id', max: 256, required: true },
      { name: 'status', max: 40, required: true },
      { name: 'phoneNumber', max: 40, required: false },
      { name: 'failureReason', max: 100, required: false },
      { name: 'retryCount', max: 10, required: false },
      { name: 'networkCode', max: 20, required: false },
    ] as const);
    if (!AT_STATUSES.has(form.status)) throw validationError([{ field: 'body.status', message: t('must be one of: {values}', { values: [...AT_STATUSES].join(', ') }), code: 'enum' }]);
    // Sent, Buffered, Submitted: on its way, nothing to record yet.
    if (AT_DELIVERED.has(form.status) || AT_FAILED.has(form.status)) {
      const reason = /^[A-Za-z]{1,60}$/.test(form.failureReason) ? form.failureReason : undefined;
      await deps.recordDeliveryReport({
        provider: 'africastalking',
        providerMessageId: form.id,
        status: AT_DELIVERED.has(form.status) ? 'delivered' : 'failed',
        ...(reason === undefined ? {} : { reason }),
      });
    }
    res.status(200).type('text/plain').send('OK');
  });

  router.post('/callbacks/:key/delivery-reports/http', keyGuard(deps), async (req, res) => {
    const body = req.body as { id: string; status: 'delivered' | 'failed'; reason?: string };
    const result = await deps.recordDeliveryReport({ provider: 'http', providerMessageId: body.id, status: body.status, ...(body.reason === undefined ? {} : { reason: body.reason }) });
    res.status(200).json({ outcome: result });
  });
}
