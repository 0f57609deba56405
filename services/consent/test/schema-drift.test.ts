import { itKeepsMigrationsAndSchemaInStep } from '@referral-hub/testkit';

itKeepsMigrationsAndSchemaInStep(new URL('..', import.meta.url));
