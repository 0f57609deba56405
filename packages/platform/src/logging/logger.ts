import { pino } from 'pino';
import type { DestinationStream, Logger as PinoLogger } from 'pino';
import { currentRequestId } from '../context.js';
import type { LogLevel } from '../config/fragments.js';

/** The hub's structured logger (pino). */
export type Logger = PinoLogger;

/** What replaces a redacted value in a log line. */
export const REDACTED = '[redacted]';

/** Keys that carry credentials wherever they appear. */
const SECRET_KEYS = [
  'authorization',
  'cookie',
  'cookies',
  '"set-cookie"',
  'password',
  'secret',
  'token',
  'accessToken',
  'refreshToken',
  'idToken',
  'clientSecret',
  'apiKey',
  'connectionString',
] as const;

/**
 * Keys that carry a child's or a caregiver's personal data. `payload` is the
 * referral payload (case fields keyed by the field catalogue), `child` and
 * `caregiver` whole records: none of them ever belongs in a log.
 */
const PERSONAL_KEYS = [
  'payload',
  'child',
  'caregiver',
  'firstName',
  'lastName',
  'dateOfBirth',
  'phone',
  'phoneNumber',
  'email',
  'address',
] as const;

/** How many object levels below the top a sensitive key is looked for. */
const REDACT_DEPTH = 3;

function atEveryDepth(key: string): string[] {
  const keyPath = key.startsWith('"') ? `[${key}]` : `.${key}`;
  const paths = [key.startsWith('"') ? `[${key}]` : key];
  for (let depth = 1; depth <= REDACT_DEPTH; depth += 1) paths.push(`${'*.'.repeat(depth).slice(0, -1)}${keyPath}`);
  return paths;
}

/**
 * Every path pino redacts, exported so services (and reviews) can see what is
 * covered. Keys are matched at the top level and up to three levels deep,
 * which covers `req.headers.authorization`, `err.config.password`,
 * `referral.payload` and `event.data.child`.
 */
export const REDACT_PATHS: readonly string[] = [
  ...new Set([
    'req.headers.authorization',
    'req.headers.cookie',
    'res.headers["set-cookie"]',
    ...[...SECRET_KEYS, ...PERSONAL_KEYS].flatMap(atEveryDepth),
    // Names are only personal under a child or caregiver record; a service or
    // organisation name is fine to log. The whole record is already redacted
    // above; these cover records logged under another parent key.
    '*.child.name',
    '*.caregiver.name',
  ]),
];

export type CreateLoggerOptions = {
  service: string;
  version: string;
  level?: LogLevel | string;
  /** Where lines go; stdout when omitted. Tests pass a stream to read them back. */
  destination?: DestinationStream;
};

/**
 * Creates the service's JSON logger: base fields `service` and `version`, ISO
 * time, the current request id on every line logged inside a request or
 * message handler, and secrets and personal data redacted.
 */
export function createLogger(options: CreateLoggerOptions): Logger {
  const config = {
    level: options.level ?? 'info',
    base: { service: options.service, version: options.version },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label: string) => ({ level: label }) },
    mixin: () => {
      const requestId = currentRequestId();
      return requestId === undefined ? {} : { requestId };
    },
    redact: { paths: [...REDACT_PATHS], censor: REDACTED },
    serializers: { err: pino.stdSerializers.err, error: pino.stdSerializers.err },
  };
  return options.destination === undefined ? pino(config) : pino(config, options.destination);
}
