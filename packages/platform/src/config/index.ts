export { ConfigError, describeConfig, envSchema, loadConfig } from './load.js';
export type { ConfigIssue, ConfigVariable, Env } from './load.js';
export { envBool, envByteSize, envEnum, envInt, envList, envString, envUrl } from './env.js';
export {
  EXACTLY_ONE_OF,
  LOG_LEVELS,
  NODE_ENVS,
  amqpEnv,
  authEnv,
  databaseEnv,
  httpEnv,
  httpProtectionEnv,
  logEnv,
  redisEnv,
} from './fragments.js';
export type { LogLevel, NodeEnv } from './fragments.js';
