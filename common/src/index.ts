export { ConfigError, loadConfig, splitList } from './config/loadConfig.js';
export { loadOrCreateSecret } from './config/embeddedSecret.js';
export { commonErrors } from './errors/commonErrors.js';
export {
  DriftwayError,
  type DriftwayErrorOptions,
  defineErrors,
  type ErrorSpec,
  type FieldErrors,
} from './errors/DriftwayError.js';
export {
  installErrorHandling,
  sendError,
  toDriftwayError,
  validationToFieldErrors,
} from './http/errorHandler.js';
export {
  type CheckResult,
  type CheckStatus,
  type ReadinessCheck,
  registerHealthRoutes,
} from './http/healthRoutes.js';
export {
  IDENTITY_HEADER,
  type Identity,
  InternalIdentitySigner,
  type SignedFor,
} from './identity/InternalIdentity.js';
export { BOT_SCOPES, type BotScope, hasScope, isBotScope } from './identity/scopes.js';
export { createLogger, type Logger, type LoggerConfig, REDACTED_PATHS } from './log/createLogger.js';
export { createMetricsRegistry } from './metrics/createMetricsRegistry.js';
export { createRedis, redisReady } from './redis/createRedis.js';
export {
  DRIFTWAY_EPOCH,
  isSnowflake,
  SnowflakeGenerator,
  snowflakeTimestamp,
} from './snowflake/Snowflake.js';
export type * from './storage/ports.js';
export type * from './storage/records.js';
