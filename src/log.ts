import { pino, type Logger } from 'pino';

export type { Logger };

/**
 * The one logger factory. Redaction covers headers and every field name that may carry a credential,
 * wherever it appears; code must still never put a token in a message string.
 */
export const REDACT_PATHS = [
  'authorization',
  'cookie',
  'headers.authorization',
  'headers.cookie',
  'req.headers.authorization',
  'req.headers.cookie',
  '*.access_token',
  '*.refresh_token',
  '*.id_token',
  '*.subject_token',
  '*.client_secret',
  '*.password',
  '*.token',
  'access_token',
  'refresh_token',
  'id_token',
  'client_secret',
  'password',
  'token',
];

export function createLogger(level: string, destination?: NodeJS.WritableStream): Logger {
  return pino(
    { level, base: undefined, redact: { paths: REDACT_PATHS, censor: '[redacted]' } },
    destination ?? pino.destination(2),
  );
}

export const silentLogger: Logger = pino({ level: 'silent' });
