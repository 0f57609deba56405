import { describeServiceConfig } from '@referral-hub/testkit';
import { configSchema, loadReferralsConfig } from '../src/config.js';

describeServiceConfig({
  service: 'referrals',
  serviceRoot: new URL('..', import.meta.url),
  schema: configSchema,
  load: loadReferralsConfig,
  defaultPort: 4030,
});
