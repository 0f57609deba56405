import { fileURLToPath } from 'node:url';
import { checkSchemaDrift } from '@referral-hub/platform';
import { createTestDatabase } from '@referral-hub/testkit';
import { expect, it } from 'vitest';

it('the migrations create every table and column schema.prisma expects, with compatible types', async () => {
  const database = await createTestDatabase({
    migrationsDir: fileURLToPath(new URL('../prisma/migrations', import.meta.url)),
  });
  try {
    const problems = await checkSchemaDrift({
      schemaPath: fileURLToPath(new URL('../prisma/schema.prisma', import.meta.url)),
      connectionString: database.url,
    });
    expect(problems.map((p) => p.message)).toEqual([]);
  } finally {
    await database.drop();
  }
});
