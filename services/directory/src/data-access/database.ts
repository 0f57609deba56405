import { PrismaPg } from '@prisma/adapter-pg';
import { prismaDatabase } from '@referral-hub/platform';
import type { ServiceDatabase } from '@referral-hub/platform';
import type pg from 'pg';
import { PrismaClient } from './generated/prisma/client.js';
import type { Prisma } from './generated/prisma/client.js';

export type Tx = Prisma.TransactionClient;
export type DirectoryDatabase = ServiceDatabase<PrismaClient, Tx>;

/** The directory's Prisma client on the service's shared pool. */
export function createDirectoryDatabase(pool: pg.Pool): DirectoryDatabase {
  return prismaDatabase<Tx, PrismaClient>(new PrismaClient({ adapter: new PrismaPg(pool) }));
}
