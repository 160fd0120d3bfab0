import Type from 'typebox';
import { Compile } from 'typebox/compile';
import { describe, expect, it } from 'vitest';
import { AppRuleCreate, Name } from '../../src/rules/schemas.js';
import { SilenceCreate } from '../../src/silences/schemas.js';
import { hasForbiddenNameCharacter, normalizeNames } from '../../src/validation/names.js';
import { validated } from '../../src/validation/problems.js';

/** Every code point of a Unicode general category, as the engine knows it. */
function codePointsOf(category: RegExp): string[] {
  const out: string[] = [];
  for (let cp = 0; cp <= 0x10ffff; cp++) {
    if (cp >= 0xd800 && cp <= 0xdfff) continue;
    const char = String.fromCodePoint(cp);
    if (category.test(char)) out.push(char);
  }
  return out;
}

const hex = (char: string) => `U+${char.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}`;

describe('the characters a name may not hold', () => {
  const name = Compile(Name('a name'));

  it('refuses every format character (Cf), both separators and every control, anywhere in a name', () => {
    const format = codePointsOf(/\p{Cf}/u);
    expect(format.length).toBeGreaterThan(150);
    const named = ['\u200e', '\u200f', '\u061c', '\u200b', '\u200c', '\u200d', '\u2060', '\ufeff', '\u00ad'];
    for (const char of named) expect(format).toContain(char);
    const refused = [...format, '\u2028', '\u2029', ...codePointsOf(/\p{Cc}/u)];
    const accepted = refused.filter((char) => name.Check(`a${char}b`) || !hasForbiddenNameCharacter(`a${char}b`));
    expect(accepted.map(hex)).toEqual([]);
  });

  it('still takes letters, marks, emoji and spaces inside a name', () => {
    for (const text of ['café', 'cafe\u0301', 'Zürich API', '東京', 'مرحبا', 'deploy 🚀', 'a b', "o'brien-1.2"]) {
      expect(name.Check(text), text).toBe(true);
      expect(hasForbiddenNameCharacter(text), text).toBe(false);
    }
  });
});

describe('NFC on the way in', () => {
  it('normalises the names a schema marks, in objects, unions and arrays, and nothing else', () => {
    const schema = Type.Object({
      app_name: Name('app'),
      message_key: Type.Optional(Type.Union([Name('key'), Type.Null()])),
      comment: Type.Optional(Type.String()),
      names: Type.Optional(Type.Array(Name('n'))),
    });
    const input = { app_name: 'cafe\u0301', message_key: 'pre\u0301', comment: 'cafe\u0301', names: ['e\u0301', 'x'] };
    const out = normalizeNames(schema, input) as typeof input;
    expect(out).toEqual({ app_name: 'café', message_key: 'pré', comment: 'cafe\u0301', names: ['é', 'x'] });
    expect(input.app_name).toBe('cafe\u0301');
    const already = { app_name: 'café', message_key: null };
    expect(normalizeNames(schema, already)).toBe(already);
  });

  it('validated() answers the NFC form (the CLI path)', () => {
    const rule = validated<{ app_name: string }>(AppRuleCreate, {
      app_name: 'cafe\u0301',
      max_duration: 5,
      alert_channels: ['email'],
    });
    expect(rule.app_name).toBe('café');
    const silence = validated<{ app_name: string; message_key: string }>(SilenceCreate, {
      app_name: 'A\u030a',
      message_key: 'n\u0303',
      duration_minutes: 5,
    });
    expect([silence.app_name, silence.message_key]).toEqual(['Å', 'ñ']);
  });
});
