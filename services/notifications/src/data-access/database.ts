import { PrismaPg } from '@prisma/adapter-pg';
import { prismaDatabase } from '@referral-hub/platform';
import type { ServiceDatabase } from '@referral-hub/platform';
import type pg from 'pg';
import { PrismaClient } from './generated/prisma/client.js';
import type { Prisma } from './generated/prisma/client.js';

export type Tx = Prisma.TransactionClient;
/**
 * The service's pool (`pg`), for the few statements that run once per message on the hot path (a worker's
 * claim and outcome), written as prepared SQL rather than through the ORM.
 */
export type SqlPool = Pick<pg.Pool, 'query'>;
export type NotificationsDatabase = ServiceDatabase<PrismaClient, Tx>;

/** The notifications service's Prisma client on the service's shared pool. */
export function createNotificationsDatabase(pool: pg.Pool): NotificationsDatabase {
  return prismaDatabase<Tx, PrismaClient>(new PrismaClient({ adapter: new PrismaPg(pool) }));
}
