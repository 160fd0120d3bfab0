import type { Config } from './config.js';

const MASK = '***';

/**
 * Query parameters whose values are secrets: tokens, keys, passwords, signatures, sessions
 * (`token`, `access_token`, `api_key`, `apikey`, `key`, `sig`, `X-Amz-Signature`, `auth`...).
 */
const SECRET_PARAMETER = /token|secret|passw|pwd|api[-_]?key|^key$|^sig$|signature|auth(?!or\b)|credential|session/i;
// name=value pairs of a query (after `?`, separated by `&` or `;`), up to a fragment or a space.
const QUERY_PAIR = /([?&;])([^=&;#\s]*)=([^&;#\s]*)/g;
// user:password@ (or token@) right after the scheme.
const USERINFO = /^([a-z][a-z0-9+.-]*:\/\/)[^/?#@\s]*@/i;
// A URL in free text: a scheme, `//`, and everything up to a space, a quote or a bracket.
const URL_IN_TEXT = /\b[a-z][a-z0-9+.-]*:\/\/[^\s"'<>()[\]{}]+/gi;

/** Whether a query parameter's value is a secret, by its name. */
export function isSecretParameter(name: string): boolean {
  return SECRET_PARAMETER.test(name);
}

function decoded(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/** A path and query (`/events?token=…`) with the values of secret-named parameters masked. */
export function maskQuerySecrets(text: string): string {
  const query = text.indexOf('?');
  if (query < 0) return text;
  return (
    text.slice(0, query) +
    text
      .slice(query)
      .replace(QUERY_PAIR, (pair, separator: string, name: string) =>
        SECRET_PARAMETER.test(decoded(name)) ? `${separator}${name}=${MASK}` : pair,
      )
  );
}

/**
 * A URL as it may be printed or stored: credentials (`user:password@`) and the values of
 * secret-named query parameters masked; the rest kept as written.
 */
export function maskUrl(url: string): string {
  return maskQuerySecrets(url.replace(USERINFO, `$1${MASK}@`));
}

/** Free text with every URL in it masked (maskUrl). */
export function maskUrlsIn(text: string): string {
  return text.replace(URL_IN_TEXT, (url) => maskUrl(url));
}

/** The secrets a configured URL carries: its credentials and secret-named query values, raw and decoded. */
export function secretsInUrl(url: string): string[] {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return [];
  }
  // A user name is a secret only in the token form (`https://<token>@host`): "elastic" is not.
  const found = [parsed.password, parsed.password === '' && parsed.username.length >= 16 ? parsed.username : ''];
  for (const [name, value] of parsed.searchParams) if (SECRET_PARAMETER.test(name)) found.push(value);
  for (const match of parsed.search.matchAll(QUERY_PAIR)) {
    if (SECRET_PARAMETER.test(decoded(match[2] ?? ''))) found.push(match[3] ?? '');
  }
  return found.flatMap((secret) => [secret, decoded(secret)]).filter((secret) => secret.length >= 4);
}

/** The configuration as it may be printed: every secret replaced by a mask. */
export function redactConfig(config: Config): Config {
  const mask = (value: string | undefined) => (value === undefined ? undefined : MASK);
  return {
    ...config,
    apiToken: mask(config.apiToken),
    db: { ...config.db, password: mask(config.db.password) },
    publicUrl: maskUrl(config.publicUrl),
    elasticsearch: {
      ...config.elasticsearch,
      hosts: config.elasticsearch.hosts.map(maskUrl),
      password: mask(config.elasticsearch.password),
      apiKey: mask(config.elasticsearch.apiKey),
    },
    redis: config.redis ? { ...config.redis, password: mask(config.redis.password) } : undefined,
    telegram: {
      ...config.telegram,
      botToken: mask(config.telegram.botToken),
      apiBase: maskUrl(config.telegram.apiBase),
    },
    mail: { ...config.mail, password: mask(config.mail.password) },
    webhookSecret: mask(config.webhookSecret),
    pagerdutyEventsUrl: maskUrl(config.pagerdutyEventsUrl),
  };
}

/**
 * Every secret value of the configuration, for scrubbing free text such as error messages: the
 * secret variables and what the configured URLs carry (credentials, secret query values).
 */
export function secretsOf(config: Config): string[] {
  const inUrls = [
    config.telegram.apiBase,
    config.publicUrl,
    config.pagerdutyEventsUrl,
    ...config.elasticsearch.hosts,
  ].flatMap(secretsInUrl);
  return [
    ...inUrls,
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

/**
 * Replaces every occurrence of the given secrets, Telegram's `bot<token>` path, and the
 * credentials and secret query values of any URL (maskUrlsIn) in text.
 */
export function scrubSecrets(text: string, secrets: readonly string[]): string {
  let out = maskUrlsIn(text).replace(/bot\d+:[A-Za-z0-9_-]+/g, `bot${MASK}`);
  for (const secret of secrets) out = out.split(secret).join(MASK);
  return out;
}
