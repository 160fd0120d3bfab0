import { type Logger, pino } from 'pino';
import type { Config } from '../config/config.js';

export type { Logger };

/** lagwatch's own logs: JSON lines on stdout, secrets redacted by path. */
export function createLogger(config: Pick<Config, 'logLevel'>, destination?: pino.DestinationStream): Logger {
  return pino(
    {
      level: config.logLevel,
      base: { service: 'lagwatch' },
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
