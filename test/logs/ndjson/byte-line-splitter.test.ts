import { describe, expect, it } from 'vitest';
import { ByteLineSplitter } from '../../../src/logs/ndjson/byte-line-splitter.js';
import type { NdjsonLine } from '../../../src/logs/ndjson/ndjson-line.js';

/** Splits `bytes` fed in pieces of `size` bytes. */
function split(bytes: Buffer, size: number, maxLineBytes?: number): NdjsonLine[] {
  const splitter = new ByteLineSplitter(maxLineBytes);
  const out: NdjsonLine[] = [];
  for (let at = 0; at < bytes.length; at += size) splitter.push(bytes.subarray(at, at + size), out);
  return splitter.end(out);
}

describe('ByteLineSplitter', () => {
  it('gives the same numbered lines however the bytes are cut, even inside a multi-byte character', () => {
    const text = '\ufeff{"a":"café"}\r\n\n  \n{"b":"日本語 🎉"}\n{"c":"\ufffd is a character"}';
    const expected = [
      { lineNumber: 1, text: '{"a":"café"}' },
      { lineNumber: 4, text: '{"b":"日本語 🎉"}' },
      { lineNumber: 5, text: '{"c":"\ufffd is a character"}' },
    ];
    for (const size of [1, 2, 3, 5, 7, 1000])
      expect(split(Buffer.from(text), size), `pieces of ${size}`).toEqual(expected);
  });

  it('rejects each line that is not UTF-8 by its number, keeping the lines around it', () => {
    const bad = [[0xff], [0xc0, 0xaf], [0xed, 0xa0, 0x80], [0xe2, 0x82], [0x80]];
    const bytes = Buffer.concat([
      Buffer.from('{"ok":1}\n'),
      ...bad.flatMap((b) => [Buffer.from('{"x":"'), Buffer.from(b), Buffer.from('"}\n')]),
      Buffer.from('{"ok":2}'),
    ]);
    for (const size of [1, 4, 4096]) {
      expect(split(bytes, size)).toEqual([
        { lineNumber: 1, text: '{"ok":1}' },
        ...bad.map((_, i) => ({ lineNumber: i + 2, error: 'line is not valid UTF-8' })),
        { lineNumber: 7, text: '{"ok":2}' },
      ]);
    }
  });

  it('turns a line longer than the limit (in bytes) into an error line, at the end too', () => {
    const bytes = Buffer.from(`short\n${'x'.repeat(30)}\nok\n${'é'.repeat(6)}\n${'y'.repeat(25)}`);
    for (const size of [4, 1000]) {
      expect(split(bytes, size, 10), `pieces of ${size}`).toEqual([
        { lineNumber: 1, text: 'short' },
        { lineNumber: 2, error: 'line longer than 10 bytes' },
        { lineNumber: 3, text: 'ok' },
        { lineNumber: 4, error: 'line longer than 10 bytes' },
        { lineNumber: 5, error: 'line longer than 10 bytes' },
      ]);
    }
  });

  it('counts every line, blank ones too', () => {
    const splitter = new ByteLineSplitter();
    splitter.push(Buffer.from('\n\n1\n\r\n'));
    splitter.end();
    expect(splitter.lineCount).toBe(4);
  });
});
