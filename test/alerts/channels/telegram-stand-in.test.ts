import { describe, expect, it } from 'vitest';
import { parseTelegramHtml } from '../../support/telegram-stand-in.js';

// The stand-in must refuse what Telegram refuses, or the channel tests would prove nothing.
describe('the stand-in’s HTML check', () => {
  it.each([
    ['<script>x</script>', 'Unsupported start tag "script"'],
    ['a < b', 'Unclosed start tag'],
    ['a <3 b>', 'Empty tag name'],
    ['fish & chips', 'unescaped "&"'],
    ['&nbsp;', 'unescaped "&"'],
    ['<b>bold', 'Can\'t find end tag corresponding to start tag "b"'],
    ['<b><i>x</b></i>', 'Unmatched end tag'],
    ['x</b>', 'Unexpected end tag'],
    ['<a href="javascript:alert(1)">x</a>', 'Invalid URL'],
    ['<a href="http://h/?q="x"">x</a>', 'Invalid attributes'],
    ['2 > 1', 'unescaped ">"'],
  ])('refuses %s', (html, reason) => {
    const parsed = parseTelegramHtml(html);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) {
      expect(parsed.description).toMatch(/^Bad Request: can't parse entities: /);
      expect(parsed.description).toContain(reason);
    }
  });

  it('accepts the allowed tags and entities and returns the visible text', () => {
    const parsed = parseTelegramHtml(
      '<b>b</b> <i>i</i> <code>c</code> <a href="http://h/?a=1&amp;b=&quot;2&quot;">l</a> &lt;&gt;&amp;&quot;&#128512;&#x41;',
    );
    expect(parsed).toEqual({ ok: true, visibleText: 'b i c l <>&"😀A', links: ['http://h/?a=1&b="2"'] });
  });
});
