import type pg from 'pg';

/**
 * The hot path of a sharing decision, in plain SQL on the service's pool (no ORM): every fact
 * of a decision read in one statement, one round trip, and the decision row written in one more.
 * The rest of the service goes through Prisma; this path is asked at every referral read and
 * submit, so its cost is the service's throughput (docs/benchmarks/consent-decisions.md).
 */

/** The pool, or a client holding a transaction. */
export type Queryable = pg.Pool | pg.PoolClient;

export type ConsentFactRow = {
  id: string;
  givenBy: string;
  kind: string;
  recipientOrganizationIds: string[];
  serviceTypes: string[];
  fieldKeys: string[];
  purposes: string[];
  validFrom: Date;
  expiresAt: Date;
  singleUse: boolean;
  withdrawnAt: Date | null;
  consumedAt: Date | null;
  consumedForReferralId: string | null;
};

export type OverrideFactRow = {
  id: string;
  recipientOrganizationIds: string[];
  serviceTypes: string[];
  fieldKeys: string[];
  purposes: string[];
  validFrom: Date;
  expiresAt: Date;
  approvedAt: Date | null;
  revokedAt: Date | null;
};

export type AgreementFactRow = {
  id: string;
  partyOrganizationIds: string[];
  dataGroups: string[];
  purposes: string[];
  /** `YYYY-MM-DD`. */
  reviewDate: string;
  acceptedByOrganizationIds: string[];
};

/** A stored version of the network policy, as the decision reads it. */
export type PolicyVersionRow = { version: number; settings: unknown; updatedBy: string; updatedAt: Date };

export type DecisionFactRows = {
  /** The owner's consents of the case, oldest first; locked (`FOR UPDATE`, in id order) when asked. */
  consents: ConsentFactRow[];
  /** The owner's overrides of the case, oldest first. */
  overrides: OverrideFactRow[];
  /** Agreements naming both organisations, with the organisations that accepted each. */
  agreements: AgreementFactRow[];
  /**
   * The policy in force: `null` before any version was stored, `{ version }` alone when it is the
   * version the caller already holds (`knownPolicyVersion`), else the whole version.
   */
  policy: { version: number; row: PolicyVersionRow | null } | null;
  caseContext: { childAge: number | null; caregiverCanBeAsked: boolean } | null;
  /** From the directory's events; null while unknown. */
  recipientOrganizationType: string | null;
};

const CONSENTS = `
  SELECT id, given_by, kind, recipient_organization_ids, service_types, field_keys, purposes, valid_from, expires_at, single_use,
         withdrawn_at, consumed_at, consumed_for_referral_id, created_at
    FROM consent
   WHERE organization_id = $1 AND case_code = $2
   ORDER BY id`;

/**
 * One statement: each part is an index lookup (the case's consents and overrides by
 * `(organization_id, case_code)`, agreements by the GIN index of their parties, the latest policy
 * by its primary key). The policy's settings travel only when their version is not the one the
 * caller holds: versions are never changed once stored (audit chain, ADR 10), so a version
 * number names its settings exactly, on every replica.
 */
function factsSql(lock: boolean): string {
  return `
WITH c AS MATERIALIZED (${CONSENTS}${lock ? ' FOR UPDATE' : ''}),
     p AS (SELECT version, settings, updated_by, updated_at FROM network_policy ORDER BY version DESC LIMIT 1)
SELECT
  (SELECT coalesce(json_agg(json_build_object(
            'id', id, 'givenBy', given_by, 'kind', kind, 'recipientOrganizationIds', recipient_organization_ids,
            'serviceTypes', service_types, 'fieldKeys', field_keys, 'purposes', purposes, 'validFrom', valid_from,
            'expiresAt', expires_at, 'singleUse', single_use, 'withdrawnAt', withdrawn_at, 'consumedAt', consumed_at,
            'consumedForReferralId', consumed_for_referral_id) ORDER BY created_at, id), '[]'::json)
     FROM c) AS consents,
  (SELECT coalesce(json_agg(json_build_object(
            'id', id, 'recipientOrganizationIds', recipient_organization_ids, 'serviceTypes', service_types,
            'fieldKeys', field_keys, 'purposes', purposes, 'validFrom', valid_from, 'expiresAt', expires_at,
            'approvedAt', approved_at, 'revokedAt', revoked_at) ORDER BY created_at, id), '[]'::json)
     FROM override WHERE organization_id = $1 AND case_code = $2) AS overrides,
  (SELECT coalesce(json_agg(json_build_object(
            'id', a.id, 'partyOrganizationIds', a.party_organization_ids, 'dataGroups', a.data_groups,
            'purposes', a.purposes, 'reviewDate', a.review_date,
            'acceptedByOrganizationIds', ARRAY(SELECT x.organization_id FROM agreement_acceptance x WHERE x.agreement_id = a.id))), '[]'::json)
     FROM sharing_agreement a WHERE a.party_organization_ids @> ARRAY[$1, $3]::uuid[]) AS agreements,
  (SELECT version FROM p) AS policy_version,
  (SELECT json_build_object('settings', settings, 'updatedBy', updated_by, 'updatedAt', updated_at)
     FROM p WHERE version IS DISTINCT FROM $4::int) AS policy,
  (SELECT json_build_object('childAge', child_age, 'caregiverCanBeAsked', caregiver_can_be_asked)
     FROM case_context WHERE organization_id = $1 AND case_code = $2) AS case_context,
  (SELECT organization_type FROM organization_type WHERE organization_id = $3) AS recipient_type`;
}

const FACTS_SQL = factsSql(false);
const LOCKING_FACTS_SQL = factsSql(true);

type FactsResult = {
  consents: (Omit<ConsentFactRow, 'validFrom' | 'expiresAt' | 'withdrawnAt' | 'consumedAt'> & Stamps<'validFrom' | 'expiresAt', 'withdrawnAt' | 'consumedAt'>)[];
  overrides: (Omit<OverrideFactRow, 'validFrom' | 'expiresAt' | 'approvedAt' | 'revokedAt'> & Stamps<'validFrom' | 'expiresAt', 'approvedAt' | 'revokedAt'>)[];
  agreements: AgreementFactRow[];
  policy_version: number | null;
  policy: { settings: unknown; updatedBy: string; updatedAt: string } | null;
  case_context: { childAge: number | null; caregiverCanBeAsked: boolean } | null;
  recipient_type: string | null;
};
type Stamps<Required extends string, Optional extends string> = { [K in Required]: string } & { [K in Optional]: string | null };

const date = (value: string): Date => new Date(value);
const optionalDate = (value: string | null): Date | null => (value === null ? null : new Date(value));

/**
 * Everything a decision about `caseCode` of `organizationId` for `recipientOrganizationId`
 * depends on, in one round trip. With `lock`, the case's consents are locked (`FOR UPDATE`, in id
 * order, so two lockers never deadlock) before they are read, inside the caller's transaction:
 * what is read of them is then their latest committed state.
 */
export async function readDecisionFacts(
  db: Queryable,
  question: { organizationId: string; caseCode: string; recipientOrganizationId: string; lock: boolean; knownPolicyVersion: number | null },
): Promise<DecisionFactRows> {
  const result = await db.query<FactsResult>(question.lock ? LOCKING_FACTS_SQL : FACTS_SQL, [
    question.organizationId,
    question.caseCode,
    question.recipientOrganizationId,
    question.knownPolicyVersion,
  ]);
  const row = result.rows[0];
  if (row === undefined) throw new Error('the decision facts query returned no row');
  const version = row.policy_version;
  return {
    consents: row.consents.map((c) => ({
      ...c,
      validFrom: date(c.validFrom),
      expiresAt: date(c.expiresAt),
      withdrawnAt: optionalDate(c.withdrawnAt),
      consumedAt: optionalDate(c.consumedAt),
    })),
    overrides: row.overrides.map((o) => ({
      ...o,
      validFrom: date(o.validFrom),
      expiresAt: date(o.expiresAt),
      approvedAt: optionalDate(o.approvedAt),
      revokedAt: optionalDate(o.revokedAt),
    })),
    agreements: row.agreements,
    policy:
      version === null
        ? null
        : {
            version,
            row: row.policy === null ? null : { version, settings: row.policy.settings, updatedBy: row.policy.updatedBy, updatedAt: date(row.policy.updatedAt) },
          },
    caseContext: row.case_context,
    recipientOrganizationType: row.recipient_type,
  };
}

export type NewDecisionRow = {
  id: string;
  organizationId: string;
  caseCode: string;
  recipientOrganizationId: string;
  recipientServiceType: string | null;
  purpose: string;
  requestedFields: string[];
  allowed: string[];
  denied: { field: string; reason: string }[];
  consentIds: string[];
  overrideIds: string[];
  validUntil: Date | null;
  referralId: string | null;
  requestedBy: string;
  requestedByOrganizationId: string;
  createdAt: Date;
};

const DECISION_COLUMNS = `id, organization_id, case_code, recipient_organization_id, recipient_service_type, purpose, requested_fields,
  allowed, denied, consent_ids, override_ids, consumed_consent_ids, valid_until, referral_id, requested_by,
  requested_by_organization_id, created_at`;

function decisionValues(row: NewDecisionRow): unknown[] {
  return [
    row.id,
    row.organizationId,
    row.caseCode,
    row.recipientOrganizationId,
    row.recipientServiceType,
    row.purpose,
    row.requestedFields,
    row.allowed,
    JSON.stringify(row.denied),
    row.consentIds,
    row.overrideIds,
    row.validUntil,
    row.referralId,
    row.requestedBy,
    row.requestedByOrganizationId,
    row.createdAt,
  ];
}

/** Stores a decision that uses nothing up: one `INSERT`. */
export async function insertDecisionRow(db: Queryable, row: NewDecisionRow): Promise<void> {
  await db.query(
    `INSERT INTO decision (${DECISION_COLUMNS})
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9::jsonb, $10, $11, '{}', $12, $13, $14, $15, $16)`,
    decisionValues(row),
  );
}

/**
 * Uses up the single-use consents `toConsume` (those not used up or withdrawn yet) for this
 * decision and stores it with the ids this statement marked, in one statement, in the caller's
 * transaction (which holds the consents' locks). Returns the ids marked, sorted.
 */
export async function insertConsumingDecisionRow(db: Queryable, row: NewDecisionRow, toConsume: readonly string[]): Promise<string[]> {
  const result = await db.query<{ consumed_consent_ids: string[] }>(
    `WITH consumed AS (
       UPDATE consent
          SET consumed_at = $16::timestamptz, consumed_by_decision_id = $1::uuid, consumed_for_referral_id = $13::uuid
        WHERE id = ANY($17::uuid[]) AND consumed_at IS NULL AND withdrawn_at IS NULL
       RETURNING id)
     INSERT INTO decision (${DECISION_COLUMNS})
     SELECT $1::uuid, $2::uuid, $3::text, $4::uuid, $5::text, $6::text, $7::text[], $8::text[], $9::jsonb, $10::uuid[], $11::uuid[],
            ARRAY(SELECT id FROM consumed ORDER BY id), $12::timestamptz, $13::uuid, $14::text, $15::uuid, $16::timestamptz
     RETURNING consumed_consent_ids`,
    [...decisionValues(row), [...toConsume]],
  );
  return result.rows[0]?.consumed_consent_ids ?? [];
}
