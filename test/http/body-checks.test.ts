import { describe, expect, it } from 'vitest';
import { bodyEncodingOf, nonUtf8Charset } from '../../src/http/body-checks.js';

describe('body checks', () => {
  it('reads Content-Encoding as one lower-case coding, x-gzip as gzip, none as identity', () => {
    expect(bodyEncodingOf(undefined)).toBe('identity');
    expect(bodyEncodingOf('  ')).toBe('identity');
    expect(bodyEncodingOf('GZip')).toBe('gzip');
    expect(bodyEncodingOf('x-gzip')).toBe('gzip');
    // A list stays a list: it is not gzip, so it is refused.
    expect(bodyEncodingOf('gzip, gzip')).toBe('gzip, gzip');
    expect(bodyEncodingOf(['gzip', 'br'])).toBe('gzip, br');
  });

  it('finds a charset that is not UTF-8 in any Content-Type', () => {
    for (const type of [
      'application/json',
      'application/json; charset=utf-8',
      'text/plain;charset=UTF8',
      'application/x-ndjson; charset="us-ascii"',
    ]) {
      expect(nonUtf8Charset(type), type).toBeUndefined();
    }
    expect(nonUtf8Charset('application/x-ndjson; charset=latin1')).toBe('latin1');
    expect(nonUtf8Charset('text/plain; CHARSET = "utf-16le"')).toBe('utf-16le');
    expect(nonUtf8Charset('application/json; charset=')).toBe('');
  });
});
