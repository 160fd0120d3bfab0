import type { Config } from './config.js';

const MASK = '***';

/** The configuration as it may be printed: every secret replaced by a mask. */
export function redactConfig(config: Config): Config {
  const mask = (value: string | undefined) => (value === undefined ? undefined : MASK);
  return {
    ...config,
    apiToken: mask(config.apiToken),
    db: { ...config.db, password: mask(config.db.password) },
    elasticsearch: {
      ...config.elasticsearch,
      password: mask(config.elasticsearch.password),
      apiKey: mask(config.elasticsearch.apiKey),
    },
    redis: config.redis ? { ...config.redis, password: mask(config.redis.password) } : undefined,
    telegram: { ...config.telegram, botToken: mask(config.telegram.botToken) },
    mail: { ...config.mail, password: mask(config.mail.password) },
    webhookSecret: mask(config.webhookSecret),
  };
}

/** Every secret value of the configuration, for scrubbing free text such as error messages. */
export function secretsOf(config: Config): string[] {
  return [
    config.apiToken,
    config.db.password,
    config.elasticsearch.password,
    config.elasticsearch.apiKey,
    config.redis?.password,
    config.telegram.botToken,
    config.mail.password,
    config.webhookSecret,
  ].filter((s): s is string => s !== undefined && s.length >= 4);
}

/** Replaces every occurrence of the given secrets (and Telegram's `bot<token>` path) in text. */
export function scrubSecrets(text: string, secrets: readonly string[]): string {
  let out = text.replace(/bot\d+:[A-Za-z0-9_-]+/g, `bot${MASK}`);
  for (const secret of secrets) out = out.split(secret).join(MASK);
  return out;
}
