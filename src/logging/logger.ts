import { type Logger, pino } from 'pino';
import type { Config } from '../config/config.js';
import { maskQuerySecrets } from '../config/redact.js';

export type { Logger };

/** What the request log keeps of a request (Fastify's fields), with secret query values masked. */
interface LoggedRequest {
  method?: string;
  url?: string;
  host?: string;
  ip?: string;
  socket?: { remotePort?: number };
}

function requestForLog(request: LoggedRequest) {
  return {
    method: request.method,
    url: typeof request.url === 'string' ? maskQuerySecrets(request.url) : request.url,
    host: request.host,
    remoteAddress: request.ip,
    remotePort: request.socket?.remotePort,
  };
}

/**
 * lagwatch's own logs: JSON lines on stdout, secrets redacted by path, and a request's URL
 * logged without the values of `token`, `api_key` and similar query parameters.
 */
export function createLogger(config: Pick<Config, 'logLevel'>, destination?: pino.DestinationStream): Logger {
  return pino(
    {
      level: config.logLevel,
      base: { service: 'lagwatch' },
      // Replaces Fastify's own `req` serializer (the logger instance's serializers win).
      serializers: { req: requestForLog },
      redact: {
        paths: [
          'req.headers.authorization',
          'headers.authorization',
          '*.password',
          '*.botToken',
          '*.apiKey',
          '*.apiToken',
          '*.token',
        ],
        censor: '***',
      },
    },
    destination,
  );
}
