import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { readNdjsonLines } from '../../../src/logs/ndjson/line-reader.js';
import { LineSplitter } from '../../../src/logs/ndjson/line-splitter.js';
import type { NdjsonLine } from '../../../src/logs/ndjson/ndjson-line.js';

function split(pieces: string[], maxLineLength?: number): NdjsonLine[] {
  const splitter = new LineSplitter(maxLineLength);
  const out: NdjsonLine[] = [];
  for (const piece of pieces) splitter.push(piece, out);
  return splitter.end(out);
}

/** Cuts a buffer into pieces of the given sizes, cycling through them. */
function chunks(buffer: Buffer, sizes: number[]): Buffer[] {
  const out: Buffer[] = [];
  for (let at = 0, i = 0; at < buffer.length; i++) {
    const size = sizes[i % sizes.length]!;
    out.push(buffer.subarray(at, at + size));
    at += size;
  }
  return out;
}

async function readAll(source: Readable, maxLineLength?: number): Promise<NdjsonLine[]> {
  const lines: NdjsonLine[] = [];
  for await (const batch of readNdjsonLines(source, { maxLineLength })) lines.push(...batch);
  return lines;
}

describe('LineSplitter', () => {
  it('numbers lines, accepts LF and CRLF, skips blank lines but counts them', () => {
    expect(split(['{"a":1}\r\n\n  \r\n{"b":2}\n\t\n{"c":3}'])).toEqual([
      { lineNumber: 1, text: '{"a":1}' },
      { lineNumber: 4, text: '{"b":2}' },
      { lineNumber: 6, text: '{"c":3}' },
    ]);
  });

  it('gives the same lines however the text is cut', () => {
    const text = '{"a":"é"}\r\n{"b":2}\n\n{"c":"x y"}\n{"d":4}';
    const whole = split([text]);
    for (let cut = 0; cut <= text.length; cut++) {
      expect(split([text.slice(0, cut), text.slice(cut)])).toEqual(whole);
    }
    expect(split([...text])).toEqual(whole);
  });

  it('drops a leading byte order mark', () => {
    expect(split(['\uFEFF{"a":1}\n'])).toEqual([{ lineNumber: 1, text: '{"a":1}' }]);
  });

  it('turns over-long lines into errors with their number and goes on with the next line', () => {
    const long = 'x'.repeat(25);
    const expected = [
      { lineNumber: 1, text: 'short' },
      { lineNumber: 2, error: 'line longer than 10 characters' },
      { lineNumber: 3, text: 'tiny' },
      { lineNumber: 4, error: 'line longer than 10 characters' },
    ];
    expect(split([`short\n${long}\ntiny\n${long}`], 10)).toEqual(expected);
    // Cut into pieces smaller than the limit: the long line is never held whole.
    expect(split([`short\n${long}\ntiny\n${long}`].join('').match(/.{1,4}/gs)!, 10)).toEqual(expected);
    expect(split(['0123456789\n'], 10)).toEqual([{ lineNumber: 1, text: '0123456789' }]);
    expect(split(['0123456789\r\n'], 10)).toEqual([{ lineNumber: 1, text: '0123456789' }]);
  });

  it('yields nothing for empty input', () => {
    expect(split([])).toEqual([]);
    expect(split(['', '\n', '\r\n'])).toEqual([]);
  });
});

describe('readNdjsonLines', () => {
  const text = ['{"n":1,"s":"größe €"}', '', '{"n":2}\r', '{"n":3}'].join('\n');
  const expected = [
    { lineNumber: 1, text: '{"n":1,"s":"größe €"}' },
    { lineNumber: 3, text: '{"n":2}' },
    { lineNumber: 4, text: '{"n":3}' },
  ];

  it('reads a stream cut inside multi-byte characters', async () => {
    const source = Readable.from(chunks(Buffer.from(text), [1, 2, 3, 5]));
    expect(await readAll(source)).toEqual(expected);
  });

  it('detects gzip by its magic bytes, whatever the chunking', async () => {
    const gz = gzipSync(Buffer.from(text));
    expect(await readAll(Readable.from([gz]))).toEqual(expected);
    expect(await readAll(Readable.from(chunks(gz, [1, 7])))).toEqual(expected);
  });

  it('reads concatenated gzip members', async () => {
    const gz = Buffer.concat([gzipSync(Buffer.from('{"a":1}\n')), gzipSync(Buffer.from('{"b":2}\n'))]);
    expect(await readAll(Readable.from([gz]))).toEqual([
      { lineNumber: 1, text: '{"a":1}' },
      { lineNumber: 2, text: '{"b":2}' },
    ]);
  });

  it('passes a single byte and empty input through', async () => {
    expect(await readAll(Readable.from([Buffer.from('x')]))).toEqual([{ lineNumber: 1, text: 'x' }]);
    expect(await readAll(Readable.from([]))).toEqual([]);
  });

  it('fails on corrupt gzip', async () => {
    const gz = gzipSync(Buffer.from(text));
    const corrupt = Buffer.concat([gz.subarray(0, 12), Buffer.alloc(40, 7)]);
    await expect(readAll(Readable.from([corrupt]))).rejects.toThrow();
  });

  it('bounds line length on a stream', async () => {
    const source = Readable.from(chunks(Buffer.from(`${'y'.repeat(100)}\n{"ok":1}\n`), [8]));
    expect(await readAll(source, 50)).toEqual([
      { lineNumber: 1, error: 'line longer than 50 characters' },
      { lineNumber: 2, text: '{"ok":1}' },
    ]);
  });
});
