export {
  ACCESS_TOKEN_TYPE,
  type AccessClaims,
  AccessTokenVerifier,
  type AccessTokenVerifierOptions,
  type VerifyFailure,
  type VerifyResult,
} from './auth/AccessTokenVerifier.js';
export { LruCache } from './auth/LruCache.js';
export { LocalRevocationChannel } from './auth/revocation/LocalRevocationChannel.js';
export {
  RedisRevocationChannel,
  type RedisRevocationChannelOptions,
} from './auth/revocation/RedisRevocationChannel.js';
export type { RevocationChannel, RevocationListener } from './auth/revocation/RevocationChannel.js';
export {
  MAX_SESSIONS_PER_BATCH,
  parseRevocationEvent,
  REVOCATION_CHANNEL,
  REVOCATION_PATH,
  REVOKED_SESSIONS_KEY,
  type RelayedRevocation,
  type RevocationEvent,
  type RevokedSession,
  type RevokedSessionBatch,
} from './auth/revocation/RevocationEvent.js';
export { RevocationRegistry, type RevocationRegistryOptions } from './auth/revocation/RevocationRegistry.js';
export {
  MAX_RELOADED_SESSIONS,
  REVOCATION_MARGIN_MS,
  type ReloadRevokedSessionsOptions,
  reloadRevokedSessions,
  sessionRevokedUntil,
} from './auth/revocation/reloadRevokedSessions.js';
export { type PublicJwk, toPublicJwk, VerificationKeys } from './auth/VerificationKeys.js';
export { loadOrCreateSecret } from './config/embeddedSecret.js';
export { ConfigError, loadConfig, splitList } from './config/loadConfig.js';
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
export { installGatewayIdentity } from './http/gatewayIdentity.js';
export {
  type CheckResult,
  type CheckStatus,
  type ReadinessCheck,
  registerHealthRoutes,
} from './http/healthRoutes.js';
export type { RouteAccess } from './http/routeAccess.js';
export {
  IDENTITY_HEADER,
  type Identity,
  InternalIdentitySigner,
  type SignedFor,
} from './identity/InternalIdentity.js';
export { BOT_SCOPES, type BotScope, hasScope, isBotScope } from './identity/scopes.js';
export {
  SERVICE_HEADER,
  SERVICE_PURPOSE,
  ServiceCallError,
  ServiceCalls,
} from './internal/ServiceCalls.js';
export { createLogger, type Logger, type LoggerConfig, REDACTED_PATHS } from './log/createLogger.js';
export { createMetricsRegistry } from './metrics/createMetricsRegistry.js';
export { createRedis, redisReady } from './redis/createRedis.js';
export {
  DRIFTWAY_EPOCH,
  isSnowflake,
  SNOWFLAKE_SERVICE,
  SnowflakeGenerator,
  snowflakeTimestamp,
} from './snowflake/Snowflake.js';
export { InvalidStateError } from './storage/InvalidStateError.js';
export { type MongoOpenOptions, openMongoDatabase } from './storage/mongo/openMongoDatabase.js';
export { pickPatch } from './storage/normalize.js';
export { openStorage, type StorageConfig } from './storage/openStorage.js';
export type * from './storage/ports.js';
export type * from './storage/records.js';
export { StorageState } from './storage/StorageState.js';
export { type Migration as SqliteMigration, migrate as migrateSqlite } from './storage/sqlite/migrations.js';
export { openSqliteDatabase, type SqliteOpenOptions } from './storage/sqlite/openSqliteDatabase.js';
export { sqliteCall, toStoreError as toSqliteStoreError } from './storage/sqlite/sqliteErrors.js';
export { RedisVoiceRegistry } from './voice/RedisVoiceRegistry.js';
export { StaticVoiceRegistry } from './voice/StaticVoiceRegistry.js';
export type { VoiceInstance, VoiceRegistry } from './voice/VoiceRegistry.js';
export {
  type VoiceGrant,
  type VoiceTokenFailure,
  VoiceTokenIssuer,
  VoiceTokenVerifier,
} from './voice/VoiceToken.js';
export {
  VOICE_DISCONNECT_PATH,
  VOICE_LEFT_PATH,
  VOICE_SELF_STATE_PATH,
  VOICE_STATE_PATH,
  type VoiceDisconnect,
  type VoiceLeft,
  type VoiceSelfState,
  type VoiceStateChange,
} from './voice/voiceInternalApi.js';
