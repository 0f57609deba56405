import { PrismaPg } from '@prisma/adapter-pg';
import { prismaDatabase } from '@referral-hub/platform';
import type { ServiceDatabase } from '@referral-hub/platform';
import type pg from 'pg';
import { PrismaClient } from './generated/prisma/client.js';
import type { Prisma } from './generated/prisma/client.js';

export type Tx = Prisma.TransactionClient;
export type ConsentDatabase = ServiceDatabase<PrismaClient, Tx>;

/** The consent service's Prisma client on the service's shared pool. */
export function createConsentDatabase(pool: pg.Pool): ConsentDatabase {
  return prismaDatabase<Tx, PrismaClient>(new PrismaClient({ adapter: new PrismaPg(pool) }));
}
