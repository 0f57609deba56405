import { describeServiceConfig } from '@referral-hub/testkit';
import { configSchema, loadDirectoryConfig } from '../src/config.js';

describeServiceConfig({
  service: 'directory',
  serviceRoot: new URL('..', import.meta.url),
  schema: configSchema,
  load: loadDirectoryConfig,
  defaultPort: 4010,
});
