import { z } from 'zod';

/**
 * Building blocks for environment variables. Every helper parses a *string*
 * (environment values are always strings) and reports failures as
 * "must …" sentences that never repeat the offending value, because the value
 * may be a secret (a connection string with a password, a token).
 *
 * Defaults are given as typed values but stored as the raw string the variable
 * would hold (`prefault`), so `describeConfig` can print them the way an
 * operator writes them in a compose file.
 */

type Bounds = { min?: number; max?: number };

function describeIntBounds({ min, max }: Bounds): string {
  if (min !== undefined && max !== undefined) return `must be an integer between ${min} and ${max}`;
  if (min !== undefined) return `must be an integer of at least ${min}`;
  if (max !== undefined) return `must be an integer of at most ${max}`;
  return 'must be an integer';
}

/** A non-empty string (surrounding whitespace trimmed). */
export function envString(options: { default?: string } = {}) {
  const schema = z.string().transform((raw, ctx) => {
    const value = raw.trim();
    if (value === '') {
      ctx.addIssue({ code: 'custom', message: 'must not be empty' });
      return z.NEVER;
    }
    return value;
  });
  return options.default === undefined ? schema : schema.prefault(options.default);
}

/** A base-10 integer within optional bounds. */
export function envInt(options: Bounds & { default?: number } = {}) {
  const message = describeIntBounds(options);
  const schema = z.string().transform((raw, ctx) => {
    const text = raw.trim();
    const value = /^-?\d+$/.test(text) ? Number(text) : Number.NaN;
    if (
      !Number.isSafeInteger(value) ||
      (options.min !== undefined && value < options.min) ||
      (options.max !== undefined && value > options.max)
    ) {
      ctx.addIssue({ code: 'custom', message });
      return z.NEVER;
    }
    return value;
  });
  return options.default === undefined ? schema : schema.prefault(String(options.default));
}

const TRUE_WORDS = new Set(['true', '1', 'yes', 'on']);
const FALSE_WORDS = new Set(['false', '0', 'no', 'off']);

/** A boolean written as true/false, 1/0, yes/no or on/off (any case). */
export function envBool(options: { default?: boolean } = {}) {
  const schema = z.string().transform((raw, ctx) => {
    const word = raw.trim().toLowerCase();
    if (TRUE_WORDS.has(word)) return true;
    if (FALSE_WORDS.has(word)) return false;
    ctx.addIssue({ code: 'custom', message: 'must be true or false' });
    return z.NEVER;
  });
  return options.default === undefined ? schema : schema.prefault(String(options.default));
}

/**
 * An absolute URL, optionally restricted to some schemes (given without the
 * colon: `['postgres', 'postgresql']`). The parsed value stays a string so it
 * can be handed to drivers unchanged.
 */
export function envUrl(options: { protocols?: readonly string[]; default?: string } = {}) {
  const protocols = options.protocols?.map((p) => `${p.replace(/:$/, '')}:`);
  const message =
    protocols === undefined
      ? 'must be an absolute URL'
      : `must be a URL starting with ${protocols.map((p) => `${p}//`).join(' or ')}`;
  const schema = z.string().transform((raw, ctx) => {
    const text = raw.trim();
    let url: URL;
    try {
      url = new URL(text);
    } catch {
      ctx.addIssue({ code: 'custom', message });
      return z.NEVER;
    }
    if (protocols !== undefined && !protocols.includes(url.protocol)) {
      ctx.addIssue({ code: 'custom', message });
      return z.NEVER;
    }
    return text;
  });
  return options.default === undefined ? schema : schema.prefault(options.default);
}

/** One value out of a fixed set. */
export function envEnum<const T extends string>(values: readonly [T, ...T[]], options: { default?: NoInfer<T> } = {}) {
  const allowed: readonly string[] = values;
  const message = `must be one of ${values.join(', ')}`;
  const schema = z.string().transform((raw, ctx): T => {
    const value = raw.trim();
    if (!allowed.includes(value)) {
      ctx.addIssue({ code: 'custom', message });
      return z.NEVER;
    }
    return value as T;
  });
  return options.default === undefined ? schema : schema.prefault(options.default);
}

/**
 * A comma-separated list (blank items ignored), optionally restricted to a set
 * of allowed items; duplicates are removed, order kept.
 */
export function envList<const T extends string = string>(
  options: { allowed?: readonly T[]; default?: readonly NoInfer<T>[]; minItems?: number } = {},
) {
  const allowed: readonly string[] | undefined = options.allowed;
  const minItems = options.minItems ?? 1;
  const message =
    allowed === undefined
      ? `must be a comma-separated list of at least ${minItems} item(s)`
      : `must be a comma-separated list of at least ${minItems} of: ${allowed.join(', ')}`;
  const schema = z.string().transform((raw, ctx): T[] => {
    const items = [...new Set(raw.split(',').map((item) => item.trim()).filter((item) => item !== ''))];
    if (items.length < minItems || (allowed !== undefined && items.some((item) => !allowed.includes(item)))) {
      ctx.addIssue({ code: 'custom', message });
      return z.NEVER;
    }
    return items as T[];
  });
  return options.default === undefined ? schema : schema.prefault(options.default.join(','));
}

/** A size the body parser understands: `512b`, `256kb`, `1mb`. */
export function envByteSize(options: { default?: string } = {}) {
  const schema = z.string().transform((raw, ctx) => {
    const value = raw.trim().toLowerCase();
    if (!/^\d+(\.\d+)?(b|kb|mb)$/.test(value)) {
      ctx.addIssue({ code: 'custom', message: 'must be a size such as 512b, 256kb or 1mb' });
      return z.NEVER;
    }
    return value;
  });
  return options.default === undefined ? schema : schema.prefault(options.default);
}
