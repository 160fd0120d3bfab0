import { describe, expect, it } from 'vitest';
import { cutHtmlLine, splitHtmlLines } from '../../../src/alerts/render/html-split.js';
import { parseTelegramHtml } from '../../support/telegram-stand-in.js';

function visible(html: string): string {
  const parsed = parseTelegramHtml(html);
  if (!parsed.ok) throw new Error(`${parsed.description} in ${html.slice(0, 200)}`);
  return parsed.visibleText;
}

describe('cutHtmlLine', () => {
  it('cuts at every possible limit without breaking a tag or an entity, and closes open tags', () => {
    const line = '<b>bold &amp; &lt;x&gt;</b> <a href="http://h/?a=1&amp;b=2">link &quot;text&quot;</a> 😀 tail';
    for (let limit = 1; limit <= line.length + 2; limit++) {
      const cut = cutHtmlLine(line, limit);
      expect(cut.length, `limit ${limit}`).toBeLessThanOrEqual(limit);
      if (cut.length > 0) visible(cut); // throws when malformed
      if (limit >= line.length) expect(cut).toBe(line);
      else expect(cut.endsWith('…') || cut.match(/…(<\/[a-z]+>)+$/)).toBeTruthy();
    }
  });

  it('never leaves half a surrogate pair', () => {
    const cut = cutHtmlLine('😀'.repeat(100), 11);
    expect(cut).toBe(`${'😀'.repeat(5)}…`);
  });
});

describe('splitHtmlLines', () => {
  const line = (i: number) => `<b>line ${i}</b> ${'&lt;w&gt; '.repeat(i % 7)} <a href="http://h/${i}">trace ${i}</a>`;

  it('keeps a short message in one part', () => {
    expect(splitHtmlLines(['a', 'b'], 4096)).toEqual(['a\nb']);
  });

  it('splits only between lines, each part within the limit and valid, no line lost', () => {
    const lines = Array.from({ length: 400 }, (_, i) => line(i));
    for (const limit of [200, 1000, 4096]) {
      const parts = splitHtmlLines(lines, limit);
      expect(parts.length).toBeGreaterThan(1);
      for (const part of parts) {
        expect(part.length).toBeLessThanOrEqual(limit);
        visible(part);
      }
      const rejoined = parts.flatMap((part, i) => part.split('\n').slice(i === 0 ? 0 : 1));
      expect(rejoined).toEqual(lines);
      expect(parts[1]!.startsWith(`<i>(2/${parts.length})</i>\n`)).toBe(true);
    }
  });

  it('cuts a line longer than the limit with an ellipsis', () => {
    const parts = splitHtmlLines(['head', `<code>${'&amp;'.repeat(2000)}</code>`], 4096);
    expect(parts).toHaveLength(2);
    for (const part of parts) expect(part.length).toBeLessThanOrEqual(4096);
    expect(parts[0]).toBe('head');
    expect(visible(parts[1]!)).toMatch(/^\(2\/2\)\n&{800,}…$/);
  });

  it('never sends a part of blank lines only', () => {
    const parts = splitHtmlLines(['x'.repeat(50), '', '', 'y'.repeat(50), ''], 100);
    expect(parts.map((p) => visible(p).trim().length > 0)).toEqual(parts.map(() => true));
    expect(parts[0]).toBe('x'.repeat(50));
  });
});
