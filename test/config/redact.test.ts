import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.js';
import {
  maskQuerySecrets,
  maskUrl,
  maskUrlsIn,
  redactConfig,
  scrubSecrets,
  secretsOf,
} from '../../src/config/redact.js';

describe('maskUrl', () => {
  it('masks credentials and secret query values, and keeps the rest as written', () => {
    expect(maskUrl('https://user:p%40ss@api.example.com:8443/base?x=1')).toBe(
      'https://***@api.example.com:8443/base?x=1',
    );
    expect(maskUrl('https://ghp_0123456789abcdef@git.example.com/')).toBe('https://***@git.example.com/');
    expect(maskUrl('http://h/p?token=abc&app_name=x&api_key=k1&access_token=t&apikey=z&sig=s&X-Amz-Signature=q')).toBe(
      'http://h/p?token=***&app_name=x&api_key=***&access_token=***&apikey=***&sig=***&X-Amz-Signature=***',
    );
    expect(maskUrl('http://h/p?key=1&message_key=job.run&author=me&password=pw&auth=a#frag')).toBe(
      'http://h/p?key=***&message_key=job.run&author=me&password=***&auth=***#frag',
    );
    expect(maskUrl('https://api.telegram.org')).toBe('https://api.telegram.org');
  });

  it('masks path-and-query forms (the request log) and every URL in free text', () => {
    expect(maskQuerySecrets('/events?token=s3cret&since=5')).toBe('/events?token=***&since=5');
    expect(maskQuerySecrets('/health')).toBe('/health');
    expect(
      maskUrlsIn('Request cannot be constructed from a URL that includes credentials: http://u:pw1234@h:9/bot1/getMe'),
    ).toBe('Request cannot be constructed from a URL that includes credentials: http://***@h:9/bot1/getMe');
    expect(maskUrlsIn('see "https://a.example/?session=abcd" and (http://b.example/?q=1)')).toBe(
      'see "https://a.example/?session=***" and (http://b.example/?q=1)',
    );
  });
});

describe('secrets of configured URLs', () => {
  const config = loadConfig(
    {
      TELEGRAM_BOT_TOKEN: '123456:TEST-token_abcdefghijklmnopqrstuvwxyz',
      TELEGRAM_API_BASE: 'https://tguser:tg-pass-1234@tg-proxy.example.com/api?api_key=tg-query-key',
      PUBLIC_URL: 'https://lagwatch.example.com/?token=public-url-token',
      LOG_SOURCE: 'elasticsearch',
      ELASTICSEARCH_HOST: 'https://elastic:es-pass-5678@es.example.com:9200',
      ELASTICSEARCH_INDEX_PREFIX: 'logs-',
    },
    undefined,
  );

  it('are scrubbed from free text, alone or inside a URL', () => {
    const secrets = secretsOf(config);
    for (const secret of ['tg-pass-1234', 'tg-query-key', 'public-url-token', 'es-pass-5678']) {
      expect(secrets).toContain(secret);
      expect(scrubSecrets(`failed: ${secret}.`, secrets)).toBe('failed: ***.');
    }
    // A user name alone is no secret: "elastic" stays readable.
    expect(scrubSecrets('elasticsearch is down', secrets)).toBe('elasticsearch is down');
  });

  it('are masked in the configuration as printed', () => {
    const printed = JSON.stringify(redactConfig(config));
    for (const secret of ['tg-pass-1234', 'tg-query-key', 'public-url-token', 'es-pass-5678', 'TEST-token']) {
      expect(printed).not.toContain(secret);
    }
    expect(redactConfig(config).telegram.apiBase).toBe('https://***@tg-proxy.example.com/api?api_key=***');
  });
});
