import { deflateSync, gzipSync } from 'node:zlib';
import type { InjectOptions } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EmbeddedLogStore } from '../../src/logs/embedded/embedded-log-store.js';
import { type TestApi, testApi, validAppRule, validMessageRule, validTarget } from '../http/support.js';
import { announceSkips, driversUnderTest } from '../support/databases.js';

/** One hostile request: the status it must get, and the field or header its error must name. */
interface Case {
  category: string;
  name: string;
  request: InjectOptions;
  status: number;
  field?: string;
  /** For 200 answers of POST /ingest: every line must be rejected with a reason matching this. */
  rejectedWith?: RegExp;
  /** The error message must match this (instead of the general 415 wording). */
  message?: RegExp;
}

const json = { 'content-type': 'application/json' };
const ndjsonType = { 'content-type': 'application/x-ndjson' };
const post = (url: string, payload: unknown, headers: Record<string, string> = json): InjectOptions => ({
  method: 'POST',
  url,
  payload: typeof payload === 'string' ? payload : JSON.stringify(payload),
  headers,
});
const put = (url: string, payload: unknown): InjectOptions => ({ ...post(url, payload), method: 'PUT' });
const get = (url: string, headers: Record<string, string> = {}): InjectOptions => ({ method: 'GET', url, headers });
const T = new Date(Date.now() - 60_000).toISOString();

const CASES: Case[] = [];
const add = (category: string, cases: Omit<Case, 'category'>[]) => {
  for (const c of cases) CASES.push({ category, ...c });
};

// 1. Stored values: lines ingest must refuse (200, every line rejected with its reason, nothing stored).
const badTimes: unknown[] = [
  '9999999999999999',
  1e20,
  253402300800000,
  -1,
  '10000-01-01T00:00:00Z',
  '1969-12-31T23:59:59Z',
  '+275760-09-13T00:00:00Z',
  1e308,
  '2026-02-30T00:00:00Z',
  '2026-13-01',
  'now',
  '',
  true,
  [],
  {},
  null,
];
add(
  'invalid time at ingest',
  badTimes.map((time) => ({
    name: `@timestamp ${JSON.stringify(time)}`,
    request: post('/ingest', `${JSON.stringify({ '@timestamp': time, app_name: 'x', duration: 1 })}\n`, ndjsonType),
    status: 200,
    rejectedWith: /@timestamp|missing/,
  })),
);
const badDurations: string[] = ['1e308', '-1', '-0.001', '1000000000001', '"1e400"', '"-5"', '1e400', '"-1e3"'];
add(
  'invalid duration at ingest',
  badDurations.map((duration) => ({
    name: `duration ${duration}`,
    request: post('/ingest', `{"@timestamp":"${T}","app_name":"x","duration":${duration}}\n`, ndjsonType),
    status: 200,
    rejectedWith: /^duration (is negative|is above|is not a finite number)/,
  })),
);

// 2. Request parameters: 4xx naming the parameter, never 5xx.
const ranges = [
  'from=9999-12-31T23:00:00Z&to=+275760-01-01T00:00:00Z',
  'from=10000-01-01T00:00:00Z',
  'to=99999999999999999',
  'from=1969-01-01T00:00:00Z',
  'from=2026-01-02T00:00:00Z&to=2026-01-01T00:00:00Z',
  'from=garbage',
  'to=%00',
  'from=2026-01-01T00:00:00Z&to=2026-12-31T00:00:00Z',
];
for (const path of [
  '/dashboard/overview',
  '/dashboard/apps',
  '/dashboard/timeseries',
  '/monitor/violation/by-app?app_name=a&',
]) {
  add(
    'range parameters',
    ranges.map((range) => ({
      name: `${path.split('?')[0]} ?${range}`,
      request: get(`${path}${path.includes('?') ? '' : '?'}${range}`),
      status: 422,
      field: /(^|&)to=/.test(range) && !/from=garbage|from=1969|from=10000/.test(range) ? 'to' : 'from',
    })),
  );
}
add('query parameters', [
  { name: 'interval 0s', request: get('/dashboard/timeseries?interval=0s'), status: 422, field: 'interval' },
  { name: 'interval 1s over a day', request: get('/dashboard/timeseries?interval=1s'), status: 422, field: 'interval' },
  { name: 'interval words', request: get('/dashboard/timeseries?interval=fast'), status: 422, field: 'interval' },
  { name: 'interval 999999d', request: get('/dashboard/timeseries?interval=999999d'), status: 200 },
  { name: 'page 0', request: get('/alerts?page=0'), status: 400, field: 'page' },
  { name: 'page 2^53+1', request: get('/alerts?page=9007199254740993'), status: 400, field: 'page' },
  { name: 'page negative', request: get('/alerts?page=-1'), status: 400, field: 'page' },
  { name: 'page fraction', request: get('/alerts?page=1.5'), status: 400, field: 'page' },
  { name: 'per_page 501', request: get('/alerts?per_page=501'), status: 400, field: 'per_page' },
  { name: 'per_page hex', request: get('/alerts?per_page=0x10'), status: 400, field: 'per_page' },
  { name: 'trace without id', request: get('/monitor/trace'), status: 400, field: 'correlation_id' },
  {
    name: 'trace id huge',
    request: get(`/monitor/trace?correlation_id=${'x'.repeat(5000)}`),
    status: 400,
    field: 'correlation_id',
  },
  { name: 'unknown trace id', request: get('/monitor/trace?correlation_id=none'), status: 404 },
  { name: 'slowest traces limit 0', request: get('/monitor/traces/slowest?limit=0'), status: 400, field: 'limit' },
  {
    name: 'slowest traces limit huge',
    request: get('/monitor/traces/slowest?limit=99999999999999999999'),
    status: 400,
    field: 'limit',
  },
  { name: 'slowest traces bad from', request: get('/monitor/traces/slowest?from=soon'), status: 422, field: 'from' },
  { name: 'by-message without key', request: get('/monitor/violation/by-message'), status: 400, field: 'message_key' },
  { name: 'id not a number', request: get('/rules/app/abc'), status: 400, field: 'id' },
  { name: 'id huge', request: get('/rules/app/99999999999999999999999'), status: 400, field: 'id' },
]);

// 3. Bodies nested deep, prototype keys, bodiless requests.
const nested = (depth: number, open: string, close: string) => `${open.repeat(depth)}${close.repeat(depth)}`;
add('deep and poisoned bodies', [
  ...[65, 1000, 20_000, 100_000].map((depth) => ({
    name: `arrays nested ${depth} deep in a field`,
    request: post('/rules/app', `{"app_name":"d","max_duration":1,"alert_channels":${nested(depth, '[', ']')}}`),
    status: 400,
  })),
  ...[65, 1000, 20_000].map((depth) => ({
    name: `objects nested ${depth} deep`,
    request: post('/rules/app', `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`),
    status: 400,
  })),
  ...[65, 5000].map((depth) => ({
    name: `target body nested ${depth} deep`,
    request: post('/targets', `{"name":"n","type":"email","external_id":${nested(depth, '[', ']')}}`),
    status: 400,
  })),
  {
    name: 'nesting deep inside a string is text',
    request: post('/rules/app', { ...validAppRule({ app_name: `${'['.repeat(100)}` }) }),
    status: 201,
  },
  {
    name: '__proto__ key',
    request: post('/rules/app', '{"__proto__":{"x":1},"app_name":"p","max_duration":1,"alert_channels":["email"]}'),
    status: 400,
  },
  {
    name: 'constructor.prototype key',
    request: post('/rules/app', '{"constructor":{"prototype":{"x":1}}}'),
    status: 400,
  },
  { name: 'POST with an empty JSON body', request: post('/rules/app', ''), status: 422 },
  { name: 'PUT with an empty JSON body', request: put('/rules/app/1', ''), status: 422 },
  {
    name: 'bodiless DELETE with a JSON type, unknown id',
    request: { method: 'DELETE', url: '/rules/app/999', headers: json },
    status: 404,
  },
  {
    name: 'bodiless DELETE of a target with a JSON type, unknown id',
    request: { method: 'DELETE', url: '/targets/999', headers: json },
    status: 404,
  },
  { name: 'white space only JSON body', request: post('/rules/app', '   \n'), status: 422 },
]);

// 4. Names and addresses.
const badNames: [string, string][] = [
  ['C1 NEL', 'app\u0085x'],
  ['C1 CSI', 'app\u009b31m'],
  ['C1 at the end', 'app\u0090'],
  ['lone high surrogate', 'app\ud800'],
  ['lone low surrogate', '\udc00app'],
  ['reversed surrogates', 'a\udc00\ud800b'],
  ['right-to-left override', 'app\u202egpj.exe'],
  ['bidi isolate', 'a\u2066b'],
  ['escape sequence', 'app\u001b[2J'],
  ['DEL', 'app\u007f'],
  ['NUL', 'app\u0000'],
];
for (const [what, value] of badNames) {
  add('names', [
    {
      name: `app rule app_name with ${what}`,
      request: post('/rules/app', validAppRule({ app_name: value })),
      status: 422,
      field: 'app_name',
    },
    {
      name: `message rule message_key with ${what}`,
      request: post('/rules/message', validMessageRule({ message_key: value })),
      status: 422,
      field: 'message_key',
    },
    {
      name: `target name with ${what}`,
      request: post('/targets', validTarget({ name: value })),
      status: 422,
      field: 'name',
    },
    {
      name: `rule update with ${what}`,
      request: put('/rules/app/1', { app_name: value }),
      status: 422,
      field: 'app_name',
    },
  ]);
}
const badEmails = [
  'ops\u0000@example.com',
  'o\bps@example.com',
  'ops\u007f@example.com',
  'ops\u0085@example.com',
  'op\ud800s@example.com',
  'ops@exa\u0000mple.com',
  '\u001b[31mops@example.com',
  'ops@example.com\u0000',
  'ops @example.com',
  'ops@example.com\r\nBcc: x@y.z',
];
add(
  'email addresses',
  badEmails.map((address) => ({
    name: `email ${JSON.stringify(address)}`,
    request: post('/targets', validTarget({ name: `mail ${address.length}`, external_id: address })),
    status: 422,
    field: 'external_id',
  })),
);
const badUrls = [
  'https://user:pass@hooks.example.com/x',
  'https://user@hooks.example.com/x',
  'https://:secret@hooks.example.com/',
  'https://hooks.exa\tmple.com/x',
  'https://hooks.example.com/x\n',
  ' https://hooks.example.com/x',
  'https://hooks.example.com/\u0000',
  'https://hooks.example.com/\u0085',
  'ftp://hooks.example.com/',
  'javascript:alert(1)',
];
add(
  'webhook URLs',
  badUrls.map((url) => ({
    name: `webhook ${JSON.stringify(url)}`,
    request: post('/targets', { name: 'hook', type: 'webhook', external_id: url }),
    status: 422,
    field: 'external_id',
  })),
);
// WEBHOOK_DENY_PRIVATE=true (set for the corpus): private addresses in every form a URL can spell them.
const privateWebhooks = [
  'http://[::ffff:127.0.0.1]/x',
  'http://[::ffff:a9fe:a9fe]/latest',
  'http://[::127.0.0.1]/x',
  'http://[::ffff:0:10.0.0.1]/x',
  'http://[64:ff9b::10.0.0.1]/x',
  'http://[64:ff9b::7f00:1]/x',
  'http://[2002:a9fe:a9fe::1]/latest',
  'http://[2002:c0a8:101::]/x',
  'http://[2001:0:4136:e378:8000:63bf:80ff:fffe]/x',
  'http://[fec0::1]/x',
  'http://198.18.0.1/x',
  'http://198.19.255.254/x',
  'http://2130706433/x',
  'http://0x7f.1/x',
  'http://localhost./x',
];
add(
  'private webhook destinations',
  privateWebhooks.map((url) => ({
    name: `webhook ${url}`,
    request: post('/targets', { name: 'private hook', type: 'webhook', external_id: url }),
    status: 422,
    field: 'external_id',
  })),
);

// 5. HTTP as clients speak it.
add('content types', [
  { name: 'CSV to a JSON route', request: post('/rules/app', 'a,b', { 'content-type': 'text/csv' }), status: 415 },
  {
    name: 'text/plain to a JSON route',
    request: post('/rules/app', '{}', { 'content-type': 'text/plain' }),
    status: 415,
  },
  { name: 'JSON to /ingest', request: post('/ingest', '{}', json), status: 415 },
  {
    name: 'form to /ingest',
    request: post('/ingest', 'a=b', { 'content-type': 'application/x-www-form-urlencoded' }),
    status: 415,
  },
  {
    name: 'UTF-16 JSON',
    request: post('/rules/app', '{}', { 'content-type': 'application/json; charset=utf-16' }),
    status: 415,
  },
]);
add('Idempotency-Key', [
  {
    name: 'empty key',
    request: post('/ingest', `{"@timestamp":"${T}"}\n`, { ...ndjsonType, 'idempotency-key': '' }),
    status: 400,
    field: 'Idempotency-Key',
  },
  {
    name: 'key with a space',
    request: post('/ingest', `{"@timestamp":"${T}"}\n`, { ...ndjsonType, 'idempotency-key': 'a b' }),
    status: 400,
    field: 'Idempotency-Key',
  },
  {
    name: 'key of 256 characters',
    request: post('/ingest', `{"@timestamp":"${T}"}\n`, { ...ndjsonType, 'idempotency-key': 'k'.repeat(256) }),
    status: 400,
    field: 'Idempotency-Key',
  },
  {
    name: 'key with non-ASCII',
    request: post('/ingest', `{"@timestamp":"${T}"}\n`, { ...ndjsonType, 'idempotency-key': 'clé' }),
    status: 400,
    field: 'Idempotency-Key',
  },
]);

// 6. No token: foreign hosts and cross-site writes.
const foreignHosts = [
  'evil.example',
  'attacker.test:9501',
  '127.0.0.1.nip.io',
  'localhost.evil.example',
  '0x7f000001.example',
  '[::ffff:7f00:1].evil',
  'lagwatch.test.evil',
];
for (const host of foreignHosts) {
  add('foreign Host', [
    { name: `GET /rules/app with Host ${host}`, request: get('/rules/app', { host }), status: 403 },
    {
      name: `POST /ingest with Host ${host}`,
      request: post('/ingest', `{"@timestamp":"${T}"}\n`, { ...ndjsonType, host }),
      status: 403,
    },
  ]);
}
const foreignOrigins = [
  'https://evil.example',
  'null',
  'http://127.0.0.1:1',
  'http://localhost.evil.example',
  'http://lagwatch.test:9502',
];
for (const origin of foreignOrigins) {
  add('cross-site writes', [
    {
      name: `text/plain POST /ingest from ${origin}`,
      request: post('/ingest', `{"@timestamp":"${T}"}\n`, { 'content-type': 'text/plain', origin }),
      status: 403,
    },
    {
      name: `POST /rules/app from ${origin}`,
      request: post('/rules/app', validAppRule({ app_name: 'xs' }), { ...json, origin }),
      status: 403,
    },
    {
      name: `DELETE /rules/app/1 from ${origin}`,
      request: { method: 'DELETE', url: '/rules/app/1', headers: { origin } },
      status: 403,
    },
  ]);
}

// ---- Request bodies, round 2: encodings, charsets, bytes that are not UTF-8, prototype keys,
// bodies of millions of lines. Each answered before anything is read as text or stored.
const ndjsonLine = `{"@timestamp":"${T}","app_name":"enc","duration":1}\n`;
const bodyOf = (url: string, payload: Buffer | string, headers: Record<string, string>): InjectOptions => ({
  method: 'POST',
  url,
  payload,
  headers,
});
const ruleJson = JSON.stringify(validAppRule({ app_name: 'enc' }));
add('body encodings', [
  ...(
    [
      ['deflate', deflateSync(ndjsonLine)],
      ['br', Buffer.from(ndjsonLine)],
      ['gzip, gzip', gzipSync(gzipSync(ndjsonLine))],
      ['identity, gzip', gzipSync(ndjsonLine)],
      ['compress', Buffer.from(ndjsonLine)],
      ['zstd', Buffer.from(ndjsonLine)],
    ] as const
  ).map(([encoding, payload]) => ({
    name: `Content-Encoding ${encoding} to /ingest`,
    request: bodyOf('/ingest', payload, { ...ndjsonType, 'content-encoding': encoding }),
    status: 415,
    message: /^unsupported Content-Encoding .+: POST \/ingest takes gzip or none$/,
  })),
  ...(
    [
      ['gzip', gzipSync(ruleJson)],
      ['deflate', deflateSync(ruleJson)],
      ['br', Buffer.from(ruleJson)],
    ] as const
  ).map(([encoding, payload]) => ({
    name: `Content-Encoding ${encoding} to a JSON route`,
    request: bodyOf('/rules/app', payload, { ...json, 'content-encoding': encoding }),
    status: 415,
    message: /^unsupported Content-Encoding .+: POST \/rules\/app takes none$/,
  })),
  ...['latin1', 'iso-8859-1', 'utf-16', 'windows-1252', '"utf-16le"'].map((charset) => ({
    name: `NDJSON in charset ${charset}`,
    request: bodyOf('/ingest', ndjsonLine, { 'content-type': `application/x-ndjson; charset=${charset}` }),
    status: 415,
    message: /^request bodies must be UTF-8, not charset /,
  })),
  {
    name: 'text/plain in latin1 to /ingest',
    request: bodyOf('/ingest', ndjsonLine, { 'content-type': 'text/plain; charset=latin1' }),
    status: 415,
    message: /UTF-8/,
  },
  {
    name: 'JSON in latin1',
    request: bodyOf('/rules/app', ruleJson, { 'content-type': 'application/json; charset=latin1' }),
    status: 415,
    message: /UTF-8/,
  },
]);
const notUtf8: [string, number[]][] = [
  ['a 0xFF byte', [0xff]],
  ['an overlong slash', [0xc0, 0xaf]],
  ['an encoded surrogate', [0xed, 0xa0, 0x80]],
  ['a cut-off sequence', [0xe2, 0x82]],
  ['a lone continuation byte', [0x80]],
];
add(
  'JSON bodies that are not UTF-8',
  notUtf8.flatMap(([what, bytes]) => [
    {
      name: `app_name with ${what}`,
      request: bodyOf(
        '/rules/app',
        Buffer.concat([
          Buffer.from('{"app_name":"bad'),
          Buffer.from(bytes),
          Buffer.from('","max_duration":1,"alert_channels":["email"]}'),
        ]),
        json,
      ),
      status: 400,
      message: /^the request body is not valid UTF-8$/,
    },
    {
      name: `target name with ${what}`,
      request: bodyOf(
        '/targets',
        Buffer.concat([
          Buffer.from('{"name":"t'),
          Buffer.from(bytes),
          Buffer.from('","type":"email","external_id":"a@b.c"}'),
        ]),
        json,
      ),
      status: 400,
      message: /^the request body is not valid UTF-8$/,
    },
  ]),
);
add(
  'NDJSON lines that are not UTF-8',
  notUtf8.map(([what, bytes]) => ({
    name: `/ingest line with ${what}`,
    request: bodyOf(
      '/ingest',
      Buffer.concat([
        Buffer.from(`{"@timestamp":"${T}","app_name":"u`),
        Buffer.from(bytes),
        Buffer.from('","duration":1}\n'),
      ]),
      ndjsonType,
    ),
    status: 200,
    rejectedWith: /^line is not valid UTF-8$/,
  })),
);
add('prototype keys named', [
  {
    name: 'valid JSON with a top-level __proto__ key',
    request: post(
      '/rules/app',
      '{"app_name":"p","max_duration":1,"alert_channels":["email"],"__proto__":{"admin":true}}',
    ),
    status: 400,
    field: '__proto__',
    message: /holds a __proto__ key/,
  },
  {
    name: 'valid JSON with a nested __proto__ key',
    request: post('/targets', '{"name":"n","type":"email","external_id":"a@b.c","x":{"__proto__":null}}'),
    status: 400,
    field: '__proto__',
    message: /holds a __proto__ key/,
  },
  {
    name: 'valid JSON with constructor.prototype',
    request: post('/silences', '{"app_name":"a","minutes":5,"constructor":{"prototype":{"x":1}}}'),
    status: 400,
    field: 'constructor.prototype',
    message: /holds a constructor\.prototype key/,
  },
]);
add('bodies of millions of lines', [
  {
    name: 'gzip of 1.5 million one-byte lines to /ingest',
    request: bodyOf('/ingest', gzipSync('1\n'.repeat(1_500_000)), { ...ndjsonType, 'content-encoding': 'gzip' }),
    status: 413,
    message: /more than 1000000 lines \(INGEST_MAX_LINES\)/,
  },
  {
    name: 'a length past INGEST_MAX_BYTES to /ingest, named before the body is read',
    request: bodyOf('/ingest', Buffer.alloc(32 * 1024 * 1024 + 1, 0x0a), ndjsonType),
    status: 413,
    message: /^the request body is larger than 33554432 bytes \(INGEST_MAX_BYTES\)$/,
  },
  {
    name: 'plain 1.5 million blank lines to /ingest',
    request: bodyOf('/ingest', '\n'.repeat(1_500_000), ndjsonType),
    status: 413,
    message: /INGEST_MAX_LINES/,
  },
]);
// ---- end of request bodies, round 2.

// ---- 7. Hardening round 2: invisible names, one form per name, every unknown field, reserved
// creators, chat ids. (Telegram presses are held to their own message in
// test/telegram-updates/press-binding.test.ts.)
const invisibleNames: [string, string][] = [
  ['left-to-right mark U+200E', 'app\u200ex'],
  ['right-to-left mark U+200F', 'app\u200fx'],
  ['Arabic letter mark U+061C', 'app\u061cx'],
  ['zero-width space U+200B', 'app\u200bx'],
  ['zero-width non-joiner U+200C', 'app\u200cx'],
  ['zero-width joiner U+200D', 'app\u200dx'],
  ['word joiner U+2060', 'app\u2060x'],
  ['invisible times U+2062', 'app\u2062x'],
  ['byte order mark U+FEFF', 'ap\ufeffp'],
  ['line separator U+2028', 'app\u2028x'],
  ['paragraph separator U+2029', 'app\u2029x'],
  ['soft hyphen U+00AD', 'ap\u00adp'],
  ['Mongolian vowel separator U+180E', 'app\u180ex'],
  ['interlinear annotation U+FFF9', 'app\ufff9x'],
  ['tag character U+E0041', 'app\u{e0041}'],
  ['zero-width space alone', '\u200b'],
];
for (const [what, value] of invisibleNames) {
  add('invisible names', [
    {
      name: `app rule app_name with ${what}`,
      request: post('/rules/app', validAppRule({ app_name: value })),
      status: 422,
      field: 'app_name',
    },
    {
      name: `message rule message_key with ${what}`,
      request: post('/rules/message', validMessageRule({ message_key: value })),
      status: 422,
      field: 'message_key',
    },
    {
      name: `target name with ${what}`,
      request: post('/targets', validTarget({ name: value })),
      status: 422,
      field: 'name',
    },
    {
      name: `silence app_name with ${what}`,
      request: post('/silences', { app_name: value, duration_minutes: 60 }),
      status: 422,
      field: 'app_name',
    },
    {
      name: `silence message_key with ${what}`,
      request: post('/silences', { app_name: 'seeded', message_key: value, duration_minutes: 60 }),
      status: 422,
      field: 'message_key',
    },
    {
      name: `silence created_by with ${what}`,
      request: post('/silences', { app_name: 'seeded', duration_minutes: 60, created_by: value }),
      status: 422,
      field: 'created_by',
    },
    {
      name: `rule list filter with ${what}`,
      request: get(`/rules/app?app_name=${encodeURIComponent(value)}`),
      status: 400,
      field: 'app_name',
    },
    {
      name: `silence list filter with ${what}`,
      request: get(`/silences?app_name=${encodeURIComponent(value)}`),
      status: 400,
      field: 'app_name',
    },
  ]);
}
// "café" is seeded precomposed (NFC); the same name decomposed (NFD) is the same rule or target.
add('one form per name', [
  {
    name: 'app rule "cafe" + U+0301 beside the seeded "café"',
    request: post('/rules/app', validAppRule({ app_name: 'cafe\u0301' })),
    status: 409,
  },
  {
    name: 'message rule key "cafe" + U+0301 beside the seeded "café"',
    request: post('/rules/message', validMessageRule({ app_name: 'seeded', message_key: 'cafe\u0301' })),
    status: 409,
  },
  {
    name: 'target "cafe" + U+0301 beside the seeded "café"',
    request: post('/targets', validTarget({ name: 'cafe\u0301' })),
    status: 409,
  },
  {
    name: 'rule renamed to "cafe" + U+0301',
    request: put('/rules/app/1', { app_name: 'cafe\u0301' }),
    status: 409,
  },
]);
const unknownFields = (count: number) =>
  Object.fromEntries(Array.from({ length: count }, (_, i) => [`unknown_${i}`, i]));
add('every unknown field', [
  ...[201, 250, 1000].map((count) => ({
    name: `app rule with ${count} unknown fields names the last one`,
    request: post('/rules/app', { ...validAppRule({ app_name: 'many' }), ...unknownFields(count) }),
    status: 422,
    field: `unknown_${count - 1}`,
  })),
  {
    name: 'silence with 300 unknown fields names the last one',
    request: post('/silences', { app_name: 'seeded', duration_minutes: 5, ...unknownFields(300) }),
    status: 422,
    field: 'unknown_299',
  },
  {
    name: 'target update with 220 unknown fields names the last one',
    request: put('/targets/1', { name: 'renamed', ...unknownFields(220) }),
    status: 422,
    field: 'unknown_219',
  },
]);
add(
  'reserved creators',
  ['telegram:@ann', 'Telegram:@ann', 'TELEGRAM:mallory', '\uff54elegram:@ann', 'telegram:'].map((creator) => ({
    name: `silence created_by ${JSON.stringify(creator)}`,
    request: post('/silences', { app_name: 'seeded', duration_minutes: 60, created_by: creator }),
    status: 422,
    field: 'created_by',
  })),
);
add('Telegram chat ids', [
  ...['0', '-0', '00', '007', '-007', '-0100123'].map((chatId) => ({
    name: `telegram_chat ${chatId}`,
    request: post('/targets', { name: `chat ${chatId}`, type: 'telegram_chat', external_id: chatId }),
    status: 422,
    field: 'external_id',
  })),
  ...['-0', '-00', '-0100123'].map((groupId) => ({
    name: `telegram_group ${groupId}`,
    request: post('/targets', { name: `group ${groupId}`, type: 'telegram_group', external_id: groupId }),
    status: 422,
    field: 'external_id',
  })),
  {
    name: 'target updated to chat id 0',
    request: put('/targets/1', { type: 'telegram_chat', external_id: '0' }),
    status: 422,
    field: 'external_id',
  },
]);
// ---- end of round 2.

// 7. Cardinality: pages and caps past their bounds are refused, naming the parameter.
add('figure pages and caps', [
  { name: 'per_page above 500', request: get('/dashboard/apps?per_page=501'), status: 400, field: 'per_page' },
  { name: 'per_page 0', request: get('/dashboard/apps?per_page=0'), status: 400, field: 'per_page' },
  { name: 'page 0', request: get('/dashboard/apps?page=0'), status: 400, field: 'page' },
  { name: 'page not a number', request: get('/dashboard/apps?page=last'), status: 400, field: 'page' },
  {
    name: 'apps_limit above 1000',
    request: get('/dashboard/overview?apps_limit=1001'),
    status: 400,
    field: 'apps_limit',
  },
  { name: 'apps_limit 0', request: get('/dashboard/overview?apps_limit=0'), status: 400, field: 'apps_limit' },
  { name: 'slowest traces above 100', request: get('/monitor/traces/slowest?limit=101'), status: 400, field: 'limit' },
]);

const drivers = driversUnderTest();
announceSkips(drivers, 'hardening/hostile-corpus');

describe.each(drivers)('hostile corpus over $driver', (driver) => {
  let api: TestApi;
  let store: EmbeddedLogStore;
  const snapshot = async () => {
    const out: Record<string, unknown> = {};
    for (const table of ['app_rules', 'message_rules', 'alert_targets', 'alert_log', 'silences'] as const) {
      out[table] = await api.ctx.state.db.selectFrom(table).selectAll().orderBy('id').execute();
    }
    out.logs = (await store.summary({ from: 0, to: 253402300800000 })).totalLogs;
    return out;
  };

  beforeAll(async () => {
    if (driver.skipReason) return;
    api = await testApi(driver, {
      env: { PUBLIC_URL: 'http://lagwatch.test:9501', WEBHOOK_DENY_PRIVATE: 'true' },
    });
    store = (await api.ctx.logSource()) as EmbeddedLogStore;
    const seed = async (url: string, payload: object) => {
      const response = await api.app.inject({ method: 'POST', url, payload });
      expect(response.statusCode, response.body).toBe(201);
    };
    await seed('/rules/app', validAppRule({ app_name: 'seeded' }));
    await seed('/rules/message', validMessageRule({ app_name: 'seeded', message_key: 'seeded.key' }));
    await seed('/targets', validTarget({ name: 'seeded target' }));
    await seed('/rules/app', validAppRule({ app_name: 'caf\u00e9' }));
    await seed('/rules/message', validMessageRule({ app_name: 'seeded', message_key: 'caf\u00e9' }));
    await seed('/targets', validTarget({ name: 'caf\u00e9' }));
    const ingested = await api.app.inject(
      post('/ingest', `{"@timestamp":"${T}","app_name":"seeded","duration":5}\n`, ndjsonType),
    );
    expect(ingested.json().data.accepted).toBe(1);
  });
  afterAll(async () => api?.close());

  it('has at least 150 cases', () => {
    expect(CASES.length).toBeGreaterThanOrEqual(150);
  });

  it.skipIf(driver.skipReason).each(CASES)(
    '[$category] $name → $status, envelope, nothing changed',
    async (testCase) => {
      const before = await snapshot();
      const response = await api.app.inject(testCase.request);
      expect(response.statusCode, response.body.slice(0, 300)).toBe(testCase.status);
      expect(response.headers['content-type']).toMatch(/^application\/json/);
      const body = response.json();
      if (testCase.status === 201) {
        // The one valid body of the corpus: created, then removed again so that nothing changed.
        expect(body.status).toBe('success');
        await api.app.inject({ method: 'DELETE', url: `/rules/app/${body.data.id}` });
      } else if (testCase.status === 200) {
        expect(body.status).toBe('success');
        if (testCase.rejectedWith) {
          expect(body.data).toMatchObject({ accepted: 0, rejected: 1 });
          expect(body.data.errors[0].reason).toMatch(testCase.rejectedWith);
        }
      } else {
        expect(body).toEqual({
          status: 'error',
          error: { code: expect.any(String), message: expect.any(String), details: expect.any(Array) },
        });
        if (testCase.field) expect(body.error.details.map((d: { field: string }) => d.field)).toContain(testCase.field);
        if (testCase.message) expect(body.error.message).toMatch(testCase.message);
        else if (testCase.status === 415 && !testCase.name.includes('UTF-16'))
          expect(body.error.message).toMatch(/takes (application\/json|application\/x-ndjson)/);
      }
      expect(await snapshot()).toEqual(before);
    },
  );
});
