// The audit page's diff of a record's before and after (pure: no DOM).
import { describe, expect, it } from 'vitest';
import { changedFields, entityWords, valueWords } from '../../web/src/audit-diff.js';

describe('audit record diff', () => {
  it('lists only the fields an update changed, added or dropped, not updated_at', () => {
    const before = { id: 3, app_name: 'api', max_duration: 500, alert_channels: ['email'], note: 'x', updated_at: 'a' };
    const after = {
      id: 3,
      app_name: 'api',
      max_duration: 800,
      alert_channels: ['email', 'webhook'],
      cooldown: 5,
      updated_at: 'b',
    };
    expect(changedFields(before, after)).toEqual([
      { field: 'max_duration', before: 500, after: 800 },
      { field: 'alert_channels', before: ['email'], after: ['email', 'webhook'] },
      { field: 'cooldown', before: undefined, after: 5 },
      { field: 'note', before: 'x', after: undefined },
    ]);
  });

  it('lists a changed secret although its masked values read alike, marked hidden', () => {
    const shown = { name: 'ops', external_id: 'https://hooks.slack.com/***', updated_at: 'a' };
    expect(changedFields(shown, { ...shown, updated_at: 'b' }, ['external_id'])).toEqual([
      {
        field: 'external_id',
        before: 'https://hooks.slack.com/***',
        after: 'https://hooks.slack.com/***',
        hidden: true,
      },
    ]);
    expect(changedFields(shown, { ...shown, name: 'team' }, [])).toEqual([
      { field: 'name', before: 'ops', after: 'team' },
    ]);
  });

  it('shows every field of a create or a delete', () => {
    expect(changedFields(null, { name: 'ops', scope: 'read' }).map((c) => c.field)).toEqual(['name', 'scope']);
    expect(changedFields({ app_name: 'api', is_active: true }, null)).toEqual([
      { field: 'app_name', before: 'api', after: undefined },
      { field: 'is_active', before: true, after: undefined },
    ]);
  });

  it('says values in words and names what changed', () => {
    expect([null, undefined, '', 'text', 0, false, { a: [1] }].map(valueWords)).toEqual([
      '—',
      '—',
      '""',
      'text',
      '0',
      'false',
      '{"a":[1]}',
    ]);
    expect(
      entityWords({ entity: 'rule', entity_id: 'latency:12', before: null, after: { name: 'p95', app_name: 'api' } }),
    ).toEqual({ kind: 'latency rule', id: '#12', name: 'p95' });
    expect(
      entityWords({
        entity: 'silence',
        entity_id: '4',
        before: { app_name: 'api', message_key: 'GET /x' },
        after: null,
      }),
    ).toEqual({ kind: 'silence', id: '#4', name: 'api · GET /x' });
  });
});
