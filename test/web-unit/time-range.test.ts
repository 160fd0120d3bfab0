// The range picker's logic (web/src/time-range.ts, url-problems.ts): pure, no DOM.
import { describe, expect, it } from 'vitest';
import {
  customFields,
  fromLocalInput,
  type RangeChoice,
  rangeKey,
  readCustomRange,
  resolveRange,
  sameRange,
  toLocalInput,
} from '../../web/src/time-range.js';
import {
  namesARange,
  pastTheEnd,
  queryParam,
  unknownValue,
  unreadable,
  urlProblems,
} from '../../web/src/url-problems.js';

/** A link's range: bounds with seconds and milliseconds, as a notification's window has them. */
const linkRange: RangeChoice = {
  kind: 'custom',
  from: new Date('2026-12-06T10:00:07.123Z'),
  to: new Date('2026-12-06T10:47:31.987Z'),
};

describe('custom range fields', () => {
  it('show seconds and read back to the second', () => {
    const date = new Date('2026-12-06T10:47:31.987Z');
    const text = toLocalInput(date);
    expect(text).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}$/);
    expect(text.endsWith(':31')).toBe(true);
    expect(fromLocalInput(text).getTime()).toBe(Date.parse('2026-12-06T10:47:31.000Z'));
    // A browser may leave the seconds out when they are zero.
    expect(fromLocalInput(text.slice(0, 16)).getTime()).toBe(Date.parse('2026-12-06T10:47:00.000Z'));
    expect(Number.isNaN(fromLocalInput('').getTime())).toBe(true);
    expect(Number.isNaN(fromLocalInput('yesterday').getTime())).toBe(true);
  });

  it('apply without a change keeps the range to the millisecond', () => {
    const fields = customFields(linkRange);
    const read = readCustomRange(fields, resolveRange(linkRange), undefined);
    expect(read).toEqual({ range: linkRange });
    expect('range' in read && sameRange(read.range, linkRange)).toBe(true);
  });

  it('a changed bound is read to the second; the other keeps its milliseconds', () => {
    const fields = { ...customFields(linkRange), to: toLocalInput(new Date('2026-12-06T11:00:05Z')) };
    const read = readCustomRange(fields, resolveRange(linkRange), undefined);
    expect(read).toEqual({
      range: {
        kind: 'custom',
        from: linkRange.kind === 'custom' && linkRange.from,
        to: new Date('2026-12-06T11:00:05Z'),
      },
    });
  });

  it('without a range in use (a preset), fields are read as typed', () => {
    const read = readCustomRange(customFields(linkRange), undefined, undefined);
    expect(read).toEqual({
      range: { kind: 'custom', from: new Date('2026-12-06T10:00:07Z'), to: new Date('2026-12-06T10:47:31Z') },
    });
  });

  it('refuses missing, reversed and too long ranges', () => {
    const fields = customFields(linkRange);
    expect(readCustomRange({ ...fields, from: '' }, undefined, undefined)).toEqual({ problem: 'Enter both times.' });
    expect(readCustomRange({ from: fields.to, to: fields.from }, undefined, undefined)).toEqual({
      problem: 'The end must come after the start.',
    });
    const week = {
      from: toLocalInput(new Date('2026-12-01T00:00:00Z')),
      to: toLocalInput(new Date('2026-12-06T00:00:00Z')),
    };
    expect(readCustomRange(week, undefined, 3)).toEqual({ problem: expect.stringContaining('spans 5 days') });
    expect(readCustomRange(week, undefined, 7)).toHaveProperty('range');
  });

  it('a preset fills the fields with its range as it stands', () => {
    const now = Date.parse('2026-12-06T12:34:56.789Z');
    expect(customFields({ kind: 'preset', minutes: 60 }, now)).toEqual({
      from: toLocalInput(new Date(now - 3_600_000)),
      to: toLocalInput(new Date(now)),
    });
  });

  it('range keys tell ranges apart to the millisecond', () => {
    const shifted: RangeChoice = {
      kind: 'custom',
      from: new Date('2026-12-06T10:00:07.124Z'),
      to: new Date('2026-12-06T10:47:31.987Z'),
    };
    expect(sameRange(linkRange, shifted)).toBe(false);
    expect(rangeKey({ kind: 'preset', minutes: 60 })).not.toBe(rangeKey({ kind: 'preset', minutes: 15 }));
    expect(sameRange({ kind: 'preset', minutes: 60 }, { kind: 'preset', minutes: 60 })).toBe(true);
  });
});

describe('URL values the dashboard cannot show', () => {
  it('names a range that is not offered, and what shows instead', () => {
    expect(urlProblems('#/violations?range=2h', 'Last hour')).toEqual([
      'range=2h is not one of the ranges offered (15m, 1h, 6h, 24h, 7d) — showing Last hour instead',
    ]);
    expect(urlProblems('#/violations?range=1h')).toEqual([]);
    expect(urlProblems('#/')).toEqual([]);
  });

  it('names bad, lone and reversed from/to', () => {
    expect(urlProblems('#/?from=yesterday&to=2026-12-06T10:00:00Z')).toEqual([
      'from=yesterday is not a time — showing another range instead',
    ]);
    expect(urlProblems('#/?from=2026-12-06T10:00:00Z')).toEqual([
      'from= needs to= too — showing another range instead',
    ]);
    expect(urlProblems('#/?from=2026-12-06T11:00:00Z&to=2026-12-06T10:00:00Z')).toHaveLength(1);
    expect(urlProblems('#/?from=2026-12-06T10:00:00Z&to=2026-12-06T11:00:00Z')).toEqual([]);
    // A valid custom range wins over a range token (as the parser does).
    expect(urlProblems('#/?from=2026-12-06T10:00:00Z&to=2026-12-06T11:00:00Z&range=2h')).toEqual([]);
  });

  it('names a page that is not a number and an unknown key match', () => {
    expect(urlProblems('#/violations?page=abc')).toEqual(['page=abc is not a page number — showing page 1 instead']);
    expect(urlProblems('#/violations?page=0')).toHaveLength(1);
    expect(urlProblems('#/violations?page=2')).toEqual([]);
    expect(urlProblems('#/violations?key=x&match=fuzzy')).toHaveLength(1);
  });

  it('lists check their own values: unknown sorts and pages past the end', () => {
    expect(unknownValue('sort', 'bogus', ['-time', 'time'], 'newest first')).toBe(
      'sort=bogus is not one this list knows (-time, time) — showing newest first instead',
    );
    expect(unknownValue('sort', 'time', ['-time', 'time'], 'newest first')).toBeUndefined();
    expect(unknownValue('sort', undefined, ['-time'], 'newest first')).toBeUndefined();
    expect(pastTheEnd(99, 50, 120)).toBe('page=99 is past the end: this list has 3 pages');
    expect(pastTheEnd(3, 50, 120)).toBeUndefined();
    expect(pastTheEnd(2, 50, 0)).toBe('page=2 is past the end: this list has 1 page');
  });

  it('reads a value as the URL has it, even one the route drops, and names one it cannot read', () => {
    expect(queryParam('#/audit?entity=Rule&page=2', 'entity')).toBe('Rule');
    expect(queryParam('#/audit', 'entity')).toBeUndefined();
    expect(queryParam('#/silences?for=2x', 'for')).toBe('2x');
    expect(unreadable('rule', 'bogus', false, 'a rule (<kind>:<id>)', "every rule's violations")).toBe(
      "rule=bogus is not a rule (<kind>:<id>) — showing every rule's violations instead",
    );
    expect(unreadable('rule', 'app:3', true, 'a rule', 'every rule')).toBeUndefined();
    expect(unreadable('rule', undefined, false, 'a rule', 'every rule')).toBeUndefined();
  });

  it('knows whether a URL names a range at all', () => {
    expect(namesARange('#/violations?range=2h')).toBe(true);
    expect(namesARange('#/violations?from=x')).toBe(true);
    expect(namesARange('#/violations?app=a')).toBe(false);
  });
});
