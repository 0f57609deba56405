import { expandFieldSelectors, isShareable } from '@referral-hub/contracts';
import { t } from '@referral-hub/platform';
import type { FieldError } from '@referral-hub/platform';

const DAY_MS = 86_400_000;

/**
 * One error per bad selector of a consent or override scope, naming its position: unknown to the
 * catalogue, or covering a strictly confidential field. The HTTP contract already limits
 * selectors to shareable ones; this rule holds for every other caller too.
 */
export function checkFieldSelectors(selectors: readonly string[], path = 'body.scope.fields'): FieldError[] {
  const errors: FieldError[] = [];
  selectors.forEach((selector, index) => {
    const field = `${path}[${index}]`;
    const expansion = expandFieldSelectors([selector]);
    if (!expansion.ok) {
      errors.push({ field, message: 'is neither a field key nor a group of the field catalogue', code: 'unknown_field' });
    } else if (expansion.keys.some((key) => !isShareable(key))) {
      errors.push({ field, message: 'is strictly confidential and can never be shared', code: 'not_shareable' });
    }
  });
  return errors;
}

/**
 * Checks a validity period: it ends after it starts, has not ended yet, and lasts at most
 * `maxDays` (the network's maximum). Errors name `body.expiresAt`.
 */
export function checkValidity(options: {
  validFrom: Date;
  expiresAt: Date;
  validFromGiven: boolean;
  now: Date;
  maxDays: number;
  what: 'a consent' | 'an override';
}): FieldError[] {
  const { validFrom, expiresAt, now, maxDays } = options;
  if (expiresAt.getTime() <= validFrom.getTime()) {
    return [{ field: 'body.expiresAt', message: options.validFromGiven ? 'must be later than validFrom' : 'must be later than now', code: 'range' }];
  }
  if (expiresAt.getTime() <= now.getTime()) {
    const message =
      options.what === 'a consent'
        ? 'must be in the future: a consent that has ended cannot be recorded'
        : 'must be in the future: an override that has ended cannot be recorded';
    return [{ field: 'body.expiresAt', message, code: 'range' }];
  }
  if (expiresAt.getTime() - validFrom.getTime() > maxDays * DAY_MS) {
    return [{ field: 'body.expiresAt', message: t("must be at most {maxDays} days after the start (the network's maximum)", { maxDays }), code: 'max_validity' }];
  }
  return [];
}
