import { describeServiceConfig } from '@referral-hub/testkit';
import { configSchema, loadConsentConfig } from '../src/config.js';

describeServiceConfig({
  service: 'consent',
  serviceRoot: new URL('..', import.meta.url),
  schema: configSchema,
  load: loadConsentConfig,
  defaultPort: 4020,
});
