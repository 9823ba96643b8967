import { type Logger, type LoggerOptions, pino } from 'pino';

export type { Logger } from 'pino';

/**
 * Paths that may hold secrets anywhere a logger sees a request, a body or an error. Censoring by
 * path means a careless `log.info({ req })` still cannot print a token.
 */
export const REDACTED_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-driftway-identity"]',
  'headers.authorization',
  'headers["x-driftway-identity"]',
  'password',
  'token',
  'refresh_token',
  'access_token',
  '*.password',
  '*.token',
  '*.refresh_token',
  '*.access_token',
  'body.password',
];

export interface LoggerConfig {
  name: string;
  level?: string;
  /** Tests pass a stream to read what was logged. */
  destination?: pino.DestinationStream;
}

export function createLogger(config: LoggerConfig): Logger {
  const options: LoggerOptions = {
    name: config.name,
    level: config.level ?? 'info',
    redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
  };
  return config.destination ? pino(options, config.destination) : pino(options);
}
