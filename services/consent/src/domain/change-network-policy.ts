import { conflict, validationError } from '@referral-hub/platform';
import type { FieldError, Principal } from '@referral-hub/platform';
import type { ConsentDatabase } from '../data-access/database.js';
import { insertPolicyVersion } from '../data-access/policy.js';
import { requireAccess } from './access.js';
import { toNetworkPolicy } from './current-policy.js';
import type { NetworkPolicy, NetworkPolicySettings } from './policy.js';

/**
 * The network coordinator replaces the sharing rules; each change is a new version, kept, so that
 * the rules any past decision applied can be found again.
 *
 * @throws AppError 403 for anyone else, 400 for ages out of order, 409 on a concurrent change.
 */
export async function changeNetworkPolicy(
  deps: { db: ConsentDatabase },
  principal: Principal,
  input: NetworkPolicySettings,
): Promise<NetworkPolicy> {
  requireAccess(principal, 'policy.write', [], 'Only the network coordinator can change the sharing rules.');
  const errors: FieldError[] = [];
  if (input.childConsentFromAge < input.assentFromAge) {
    errors.push({ field: 'body.childConsentFromAge', message: 'must not be below assentFromAge', code: 'range' });
  }
  if (errors.length > 0) throw validationError(errors);
  const settings: NetworkPolicySettings = {
    assentFromAge: input.assentFromAge,
    childConsentFromAge: input.childConsentFromAge,
    childConsentAloneFromAge: input.childConsentAloneFromAge,
    maxConsentValidityDays: input.maxConsentValidityDays,
    maxOverrideValidityDays: input.maxOverrideValidityDays,
    requireAgreement: input.requireAgreement,
    recipientExclusions: input.recipientExclusions,
  };
  try {
    const row = await deps.db.transaction((tx) => insertPolicyVersion(tx, { settings, updatedBy: principal.userId }));
    return toNetworkPolicy(row);
  } catch (error) {
    if (isUniqueViolation(error)) throw conflict('The sharing rules were changed at the same time; read them again.');
    throw error;
  }
}

function isUniqueViolation(error: unknown): boolean {
  const text = error instanceof Error ? `${error.message} ${String((error as { code?: unknown }).code)}` : '';
  return text.includes('23505') || text.includes('P2002') || text.includes('unique');
}
