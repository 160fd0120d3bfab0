import type SQLite from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { openSqliteFile } from '../../../src/db/connection.js';
import { prepareSchema } from '../../../src/logs/embedded/schema.js';
import { StatsReader } from '../../../src/logs/embedded/stats-reader.js';
import { EmbeddedWindowStats } from '../../../src/logs/embedded/window-stats-reader.js';

/**
 * The plan SQLite picks for every statement of the figure readers (captured as they are
 * prepared, so a statement added later is checked too): a rollup read of one app (or a list of
 * apps) goes through the table's app-led index, not the primary key that leads with the period
 * (which would step every app's rows of the range: bench/README.md, slo); reads of all apps keep
 * the primary key; raw rows go through the time index.
 */
const db = openSqliteFile(':memory:');
prepareSchema(db);
afterAll(() => db.close());

function preparedBy(build: (db: SQLite.Database) => unknown): string[] {
  const texts: string[] = [];
  const recording = new Proxy(db, {
    get(target, name) {
      if (name === 'prepare') {
        return (text: string) => {
          texts.push(text);
          return target.prepare(text);
        };
      }
      const value = Reflect.get(target, name, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
  build(recording);
  return texts;
}

/** The plan's lines, for the statement with every parameter bound to null. */
function planOf(text: string): string[] {
  const params = (text.match(/\?/g) ?? []).map(() => null);
  const rows = db.prepare(`EXPLAIN QUERY PLAN ${text}`).all(...params) as { detail: string }[];
  return rows.map((row) => row.detail);
}

const table = (text: string) => /\bFROM (\w+)/.exec(text)![1]!;
/** app = ? / app = '' / app IN (…): the statement reads chosen apps only. */
const oneApp = (text: string) => /\bapp (= \?|= ''|IN \()/.test(text);
const flat = (text: string) => text.replace(/\s+/g, ' ').trim();

const statements = [
  ...preparedBy((recording) => new EmbeddedWindowStats(recording)),
  ...preparedBy((recording) => new StatsReader(recording)),
];

describe('query plans of the figure readers', () => {
  it('captures the statements of both readers', () => {
    expect(statements.length).toBeGreaterThanOrEqual(20);
    // The SLO status's reads: an app's rollup rows over the period and its hours' minute rows.
    const windowRollups = statements.slice(0, 4).filter((text) => table(text) === 'rollup_stats');
    expect(windowRollups).toHaveLength(2);
    for (const text of windowRollups) {
      expect(planOf(text)).toEqual([
        'SEARCH rollup_stats USING INDEX rollup_stats_app (app=? AND span=? AND start>? AND start<?)',
      ]);
    }
  });

  it.each(statements.map((text) => [flat(text).slice(0, 90), text]))('%s', (_name, text) => {
    const from = table(text);
    const plan = planOf(text).join('\n');
    if (from === 'logs') {
      expect(plan).toMatch(/^SEARCH logs USING INDEX logs_time \(time>\? AND time<\?\)/);
    } else if (oneApp(text)) {
      expect(plan).toContain(`SEARCH ${from} USING INDEX ${from}_app (app=? AND span=? AND start>? AND start<?)`);
    } else {
      expect(plan).toMatch(new RegExp(`^SEARCH ${from} USING PRIMARY KEY \\(span=\\? AND start>\\? AND start<\\?\\)`));
    }
  });
});
