// Structured logging: JSON lines in production, pretty in development. Secrets are redacted by path and
// tokens are stripped from logged URLs (the SSE endpoint takes one in its query string).
import { pino, type Logger } from 'pino';
import type { Config } from './config.js';

export const REDACT_PATHS = [
  'req.headers.authorization',
  'req.headers["x-api-key"]',
  'req.headers.cookie',
  '*.password',
  '*.access_token',
  '*.refresh_token',
  '*.token',
  '*.key',
  '*.secret',
  '*.api_key',
];

const SECRET_QUERY = /([?&](?:access_token|token|api_key|key|password)=)[^&#]*/gi;

export function redactUrl(url: string): string {
  return url.replace(SECRET_QUERY, '$1[REDACTED]');
}

export function createLogger(config: Pick<Config, 'logging' | 'app'>, destination?: NodeJS.WritableStream): Logger {
  const base = { service: config.app.serviceName, version: config.app.version, env: config.app.environment };
  const options = {
    level: config.logging.level,
    base,
    redact: { paths: REDACT_PATHS, censor: '[REDACTED]' },
    timestamp: pino.stdTimeFunctions.isoTime,
    serializers: {
      // Tokens may travel in the SSE query string: never log them.
      req: (req: { method: string; url: string; ip?: string; id?: string }) => ({
        id: req.id,
        method: req.method,
        url: redactUrl(req.url),
        remoteAddress: req.ip,
      }),
      err: pino.stdSerializers.err,
    },
  };
  if (destination) return pino(options, destination as pino.DestinationStream);
  if (config.logging.format === 'pretty') {
    return pino({
      ...options,
      transport: { target: 'pino-pretty', options: { colorize: true, translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname,service,version,env' } },
    });
  }
  return pino(options);
}
