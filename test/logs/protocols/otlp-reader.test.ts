import { describe, expect, it } from 'vitest';
import { otlpMessages } from '../../../src/logs/protocols/otlp/otlp-messages.js';
import { otlpReader } from '../../../src/logs/protocols/otlp/otlp-reader.js';

const NAMES = [
  '',
  'GET /orders',
  'x'.repeat(63),
  'y'.repeat(64),
  'z'.repeat(500),
  'ünïcödé',
  '\uFEFFwith a byte order mark',
  'emoji 🚀 beyond the basic plane',
  `${'a'.repeat(70)}✓`,
  '\u0000\u007f control',
];

function encoded(names: readonly string[]): Buffer {
  const { traceRequest } = otlpMessages();
  const request = {
    resourceSpans: [
      {
        resource: { attributes: names.map((name, i) => ({ key: `k${i}-${name}`, value: { stringValue: name } })) },
        scopeSpans: [
          { scope: { name: 'scope ✓' }, spans: names.map((name) => ({ name, traceId: Buffer.alloc(16, 1) })) },
        ],
      },
    ],
  };
  return Buffer.from(traceRequest.encode(traceRequest.fromObject(request)).finish());
}

const failure = (decode: () => unknown) => {
  try {
    decode();
  } catch (error) {
    return `${(error as Error).name}: ${(error as Error).message}`;
  }
  return 'decoded';
};

describe('the OTLP protobuf reader', () => {
  const { traceRequest } = otlpMessages();

  it('reads the same message as protobufjs, every kind of string included', () => {
    const body = encoded(NAMES);
    const ours = traceRequest.toObject(traceRequest.decode(otlpReader(body)));
    expect(ours).toEqual(traceRequest.toObject(traceRequest.decode(body)));
    expect((ours.resourceSpans[0].scopeSpans[0].spans as { name: string }[]).map((span) => span.name)).toEqual(
      // An empty string is proto3's default: not sent.
      NAMES.map((name) => (name === '' ? undefined : name)),
    );
  });

  it('fails as protobufjs does on bytes that are not UTF-8 and on a cut message', () => {
    for (const bad of [Buffer.from([0xff]), Buffer.from([0xc3]), Buffer.from([0xed, 0xa0, 0x80])]) {
      for (const name of ['short', 'long'.repeat(20)]) {
        const body = encoded([name]);
        const at = body.indexOf(Buffer.from(name));
        const broken = Buffer.concat([body.subarray(0, at), bad, body.subarray(at + bad.length)]);
        const theirs = failure(() => traceRequest.decode(broken));
        expect(theirs).not.toBe('decoded');
        expect(failure(() => traceRequest.decode(otlpReader(broken)))).toBe(theirs);
      }
    }
    const body = encoded(NAMES);
    for (const length of [body.length - 1, body.length - 40, 7]) {
      const cut = body.subarray(0, length);
      expect(failure(() => traceRequest.decode(otlpReader(cut)))).toBe(failure(() => traceRequest.decode(cut)));
    }
  });
});
