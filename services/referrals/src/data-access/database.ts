import { PrismaPg } from '@prisma/adapter-pg';
import { prismaDatabase } from '@referral-hub/platform';
import type { ServiceDatabase } from '@referral-hub/platform';
import type pg from 'pg';
import { PrismaClient } from './generated/prisma/client.js';
import type { Prisma } from './generated/prisma/client.js';

export type Tx = Prisma.TransactionClient;
export type ReferralsDatabase = ServiceDatabase<PrismaClient, Tx>;

/** The referrals service's Prisma client on the service's shared pool. */
export function createReferralsDatabase(pool: pg.Pool): ReferralsDatabase {
  return prismaDatabase<Tx, PrismaClient>(new PrismaClient({ adapter: new PrismaPg(pool) }));
}
