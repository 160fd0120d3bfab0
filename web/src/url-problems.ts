import { PRESETS } from './time-range.js';
import { presetToken } from './url-scheme.js';

/**
 * What a URL names that the dashboard cannot show as named: a range that is not offered
 * (`range=2h`), bad or reversed `from`/`to`, a page that is not a number, an unknown key match.
 * The dashboard then shows something else (the remembered range, page 1) and must say so.
 * Page-specific values (a sort or status a list does not know, a page past the end) are checked
 * by their page with `unknownValue` and `pastTheEnd`.
 */
export function urlProblems(hash: string, rangeShown = 'another range'): string[] {
  const split = hash.indexOf('?');
  const query = new URLSearchParams(split < 0 ? '' : hash.slice(split + 1));
  const problems: string[] = [];
  const from = query.get('from');
  const to = query.get('to');
  const range = query.get('range');
  const time = (text: string) => !Number.isNaN(new Date(text).getTime());
  if (from !== null || to !== null) {
    if (from === null || to === null)
      problems.push(`${from === null ? 'to' : 'from'}= needs ${from === null ? 'from' : 'to'}= too`);
    else if (!time(from)) problems.push(`from=${from} is not a time`);
    else if (!time(to)) problems.push(`to=${to} is not a time`);
    else if (new Date(from) >= new Date(to)) problems.push(`from=${from} is not before to=${to}`);
  }
  const customValid = problems.length === 0 && from !== null && to !== null;
  if (range !== null && !customValid && !PRESETS.some((p) => presetToken(p.minutes) === range)) {
    problems.push(
      `range=${range} is not one of the ranges offered (${PRESETS.map((p) => presetToken(p.minutes)).join(', ')})`,
    );
  }
  if (problems.length > 0) problems[problems.length - 1] += ` — showing ${rangeShown} instead`;
  const page = query.get('page');
  if (page !== null && !/^[1-9]\d{0,8}$/.test(page))
    problems.push(`page=${page} is not a page number — showing page 1 instead`);
  const match = query.get('match');
  if (match !== null && !['prefix', 'contains', 'exact'].includes(match)) {
    problems.push(`match=${match} is not a key match (prefix, contains) — showing the exact key instead`);
  }
  return problems;
}

/** `sort=bogus`: the value a list does not know, or undefined. */
export function unknownValue(
  name: string,
  value: string | undefined,
  known: readonly string[],
  instead: string,
): string | undefined {
  if (value === undefined || known.includes(value)) return undefined;
  return `${name}=${value} is not one this list knows (${known.join(', ')}) — showing ${instead} instead`;
}

/** `page=99` of a list with fewer pages: says how many there are. */
export function pastTheEnd(page: number, perPage: number, total: number): string | undefined {
  const pages = Math.max(1, Math.ceil(total / perPage));
  if (page <= pages) return undefined;
  return `page=${page} is past the end: this list has ${pages} page${pages === 1 ? '' : 's'}`;
}

/** Whether the URL names a range at all (valid or not): a view that fills in its range leaves a bad one for the notice. */
export function namesARange(hash: string): boolean {
  const split = hash.indexOf('?');
  const query = new URLSearchParams(split < 0 ? '' : hash.slice(split + 1));
  return query.has('range') || query.has('from') || query.has('to');
}

/** The URL's own text of `name` (the route drops a value it cannot read), or undefined. */
export function queryParam(hash: string, name: string): string | undefined {
  const split = hash.indexOf('?');
  return new URLSearchParams(split < 0 ? '' : hash.slice(split + 1)).get(name) ?? undefined;
}

/** `rule=bogus`, `id=abc`, `for=2x`: a value that cannot be read as `what`, or undefined. */
export function unreadable(
  name: string,
  raw: string | undefined,
  readable: boolean,
  what: string,
  instead: string,
): string | undefined {
  if (raw === undefined || readable) return undefined;
  return `${name}=${raw} is not ${what} — showing ${instead} instead`;
}
