/**
 * The bare baseline of the decision benchmark, in its own process as the consent service is: an
 * Express + pg endpoint doing the database work of a sharing decision inline and nothing else —
 * the same six reads (the case's consents, overrides, the agreements between the two
 * organisations with their acceptances, the policy in force, the case context, the recipient's
 * type) and the decision row's `INSERT` (through the same audit-chain trigger); for a consuming
 * decision, in one transaction after locking the case's consents (`FOR UPDATE`, id order). No
 * token, no validation, no decision rules.
 *
 * Started by `decisions.ts` with DATABASE_URL, PORT and DATABASE_POOL_MAX; prints `listening` when ready.
 */
import { randomUUID } from 'node:crypto';
import express from 'express';
import pg from 'pg';

const db = new pg.Pool({ connectionString: process.env.DATABASE_URL, max: Number(process.env.DATABASE_POOL_MAX ?? 20) });

const app = express();
app.use(express.json());
app.post('/decide', async (req, res) => {
  const body = req.body as Body;
  if (body.consume !== true) {
    res.status(201).json(await decide(db, body));
    return;
  }
  // A consuming decision: the case's consents locked first, then the same reads and insert, in one transaction.
  const client = await db.connect();
  try {
    await client.query('BEGIN');
    await client.query('SELECT id FROM consent WHERE organization_id = $1 AND case_code = $2 ORDER BY id FOR UPDATE', [body.ownerOrganizationId, body.caseCode]);
    const answer = await decide(client, body);
    await client.query('COMMIT');
    res.status(201).json(answer);
  } catch (error) {
    await client.query('ROLLBACK');
    throw error;
  } finally {
    client.release();
  }
});

type Body = { caseCode: string; ownerOrganizationId: string; recipientOrganizationId: string; purpose: string; fields: string[]; consume?: boolean; referralId?: string };

async function decide(db: pg.Pool | pg.PoolClient, body: Body): Promise<object> {
  const { caseCode, ownerOrganizationId: owner, recipientOrganizationId: recipient } = body;
  const [consents, overrides, agreements, policy, context, type] = await Promise.all([
    db.query('SELECT * FROM consent WHERE organization_id = $1 AND case_code = $2 ORDER BY created_at, id', [owner, caseCode]),
    db.query('SELECT * FROM override WHERE organization_id = $1 AND case_code = $2 ORDER BY created_at, id', [owner, caseCode]),
    db.query(
      `SELECT a.*, coalesce(array_agg(x.organization_id) FILTER (WHERE x.organization_id IS NOT NULL), '{}') AS accepted
         FROM sharing_agreement a LEFT JOIN agreement_acceptance x ON x.agreement_id = a.id
        WHERE a.party_organization_ids @> ARRAY[$1, $2]::uuid[] GROUP BY a.id`,
      [owner, recipient],
    ),
    db.query('SELECT * FROM network_policy ORDER BY version DESC LIMIT 1'),
    db.query('SELECT * FROM case_context WHERE organization_id = $1 AND case_code = $2', [owner, caseCode]),
    db.query('SELECT * FROM organization_type WHERE organization_id = ANY($1::uuid[])', [[recipient]]),
  ]);
  const basis = consents.rows.map((row: { id: string }) => row.id);
  const inserted = await db.query(
    `INSERT INTO decision (id, organization_id, case_code, recipient_organization_id, purpose, requested_fields, allowed, denied,
                           consent_ids, override_ids, consumed_consent_ids, valid_until, referral_id, requested_by, requested_by_organization_id)
     VALUES ($1, $2, $3, $4, $5, $6, $6, '[]'::jsonb, $7, '{}', '{}', now() + interval '30 days', $8, 'bench', $2)
     RETURNING *`,
    [randomUUID(), owner, caseCode, recipient, body.purpose, body.fields, basis, body.referralId ?? null],
  );
  return {
    decision: inserted.rows[0],
    read: { consents: consents.rowCount, overrides: overrides.rowCount, agreements: agreements.rowCount, policy: policy.rowCount, context: context.rowCount, type: type.rowCount },
  };
}

const server = app.listen(Number(process.env.PORT ?? 0), '127.0.0.1', () => console.log('listening'));
process.on('SIGTERM', () => {
  server.close(() => void db.end().then(() => process.exit(0)));
  server.closeAllConnections();
});
