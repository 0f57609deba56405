import type { Tx } from './database.js';
import type { NetworkDeadlines } from './generated/prisma/client.js';

export type NetworkDeadlinesRow = NetworkDeadlines;

/** The version in force: the newest. */
export function findCurrentDeadlines(tx: Pick<Tx, 'networkDeadlines'>): Promise<NetworkDeadlinesRow | null> {
  return tx.networkDeadlines.findFirst({ orderBy: { version: 'desc' } });
}

/** Adds a version; two changes at once cannot take the same number (primary key): the loser fails. */
export function insertDeadlines(tx: Pick<Tx, 'networkDeadlines'>, row: NetworkDeadlinesRow): Promise<NetworkDeadlinesRow> {
  return tx.networkDeadlines.create({ data: { ...row, acknowledge: row.acknowledge ?? {}, decide: row.decide ?? {}, escalate: row.escalate ?? {} } });
}
