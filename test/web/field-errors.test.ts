import type { TSchema } from 'typebox';
import Value from 'typebox/value';
import { describe, expect, it } from 'vitest';
import { CHANNELS } from '../../src/alerts/channels/registry.js';
import { withChannelTypes } from '../../src/http/channel-schemas.js';
import { absenceKind } from '../../src/rules/kinds/absence/index.js';
import { LatencyCreate } from '../../src/rules/kinds/latency/schema.js';
import { DEFAULT_BURN_ALERTS, SloCreate } from '../../src/rules/kinds/slo/schema.js';
import { AppRuleCreate, MessageRuleCreate, TargetCreate } from '../../src/rules/schemas.js';
import { SilenceCreate } from '../../src/silences/schemas.js';
import { schemaProblems } from '../../src/validation/problems.js';
import { DEFAULT_BURN_ALERTS as FORM_DEFAULT_BURN_ALERTS } from '../../web/src/api/slo-types.js';
import {
  ABSENCE_FIELDS,
  BURN_ALERT_FIELDS,
  checkField,
  type FieldSpecs,
  LATENCY_FIELDS,
  RULE_FIELDS,
  SILENCE_FIELDS,
  SLO_FIELDS,
  targetFields,
  translateDetails,
} from '../../web/src/field-errors.js';

/** Schema text that must never reach a person. */
const RAW = /must|fewer than|more than|pattern|[<>]=?|\bnumber$|\binteger$|is required|items/;

const properties = (schema: TSchema) => (schema as unknown as { properties: Record<string, TSchema> }).properties;

/** A form value sent as the dashboard sends it: numbers as numbers when they parse, text as text. */
function asSent(spec: FieldSpecs[string], text: string): unknown {
  if (spec.kind !== 'number') return text.trim();
  return /^-?\d+(\.\d+)?$/.test(text.trim()) ? Number(text) : null;
}

const TEXTS = ['', ' ', 'x', '0', '1', '-1', '-5', '0.5', '1.5', '15', '999999999', '1e3', 'abc', '10080', '10081'];
const LONG = ['a'.repeat(191), 'a'.repeat(192), 'a\u0007b', 'a\u202eb', 'a'.repeat(1000), 'a'.repeat(1001)];
// Invisible format characters (bidi marks, zero-width, soft hyphen, BOM, separators) and an NFD name.
const INVISIBLE = ['a\u200eb', 'a\u061cb', 'a\u200bb', 'a\u2060b', 'a\ufeffb', 'a\u00adb', 'a\u2028b', 'cafe\u0301'];

describe('field messages for people', () => {
  it("agrees with the server's schemas on every value: a value the form lets through is one the API accepts", () => {
    const forms: [string, FieldSpecs, TSchema][] = [
      ['rule', RULE_FIELDS, AppRuleCreate],
      ['message rule', RULE_FIELDS, MessageRuleCreate],
      ['silence', SILENCE_FIELDS, SilenceCreate],
    ];
    let compared = 0;
    for (const [, specs, schema] of forms) {
      for (const [field, property] of Object.entries(properties(schema))) {
        const spec = specs[field];
        if (!spec || spec.kind === 'channels') continue;
        for (const text of [...TEXTS, ...LONG, ...INVISIBLE]) {
          const sent = asSent(spec, text);
          const formSays = checkField(spec, text);
          const optionalEmpty = spec.kind === 'name' && spec.optional && text.trim() === '';
          const apiAccepts = optionalEmpty || Value.Check(property, sent);
          expect({ field, text: text.slice(0, 20), accepted: formSays === undefined }).toEqual({
            field,
            text: text.slice(0, 20),
            accepted: apiAccepts,
          });
          compared++;
        }
      }
    }
    expect(compared).toBeGreaterThan(150);
    expect(checkField(RULE_FIELDS.alert_channels!, [])).toBe('Choose at least one channel');
    expect(checkField(RULE_FIELDS.alert_channels!, ['email'])).toBeUndefined();
  });

  it("agrees with the window kinds' schemas (latency, absence, slo) on every value of every field it checks", () => {
    const latency = properties(LatencyCreate);
    const baseline = properties(latency.baseline!);
    const slo = properties(SloCreate);
    const burnAlert = properties((slo.burn_alerts as unknown as { items: TSchema }).items);
    const forms: [FieldSpecs, Record<string, TSchema>][] = [
      [LATENCY_FIELDS, { ...latency, ...baseline }],
      [ABSENCE_FIELDS, properties(absenceKind.createSchema)],
      [SLO_FIELDS, slo],
      [BURN_ALERT_FIELDS, burnAlert],
    ];
    let compared = 0;
    for (const [specs, props] of forms) {
      for (const [field, spec] of Object.entries(specs)) {
        // Channels are checked above; a choice is a <select> of the schema's own values; `text`
        // stands for a list the form edits item by item (an SLO's burn alerts).
        if (spec.kind === 'channels' || spec.kind === 'choice' || spec.kind === 'text') continue;
        const property = props[field];
        expect(property, `${field} is a field of the API`).toBeDefined();
        for (const text of [
          ...TEXTS,
          ...LONG,
          '1000',
          '1000.5',
          '1440',
          '1441',
          '1e12',
          '100',
          '49.9',
          '50',
          '99.99',
          '90',
          '91',
        ]) {
          const sent = asSent(spec, text);
          const formSays = checkField(spec, text);
          // An empty optional name is sent as null (message_key: every log of the app).
          const optionalEmpty = spec.kind === 'name' && spec.optional && text.trim() === '';
          const apiAccepts = optionalEmpty ? Value.Check(property!, null) : Value.Check(property!, sent);
          expect({ field, text: text.slice(0, 20), accepted: formSays === undefined }).toEqual({
            field,
            text: text.slice(0, 20),
            accepted: apiAccepts,
          });
          compared++;
        }
      }
    }
    expect(compared).toBeGreaterThan(300);
    expect(checkField(LATENCY_FIELDS.ratio!, '1')).toBe('Enter a ratio above 1');
    expect(checkField(LATENCY_FIELDS.min_samples!, '')).toBe('Enter a number of logs');
    expect(checkField(ABSENCE_FIELDS.silent_minutes!, '10081')).toBe('Enter at most 10,080 minutes (a week)');
    expect(checkField(SLO_FIELDS.objective!, '100')).toBe('Enter an objective below 100%');
    expect(checkField(SLO_FIELDS.objective!, '49')).toBe('Enter an objective of at least 50%');
    expect(checkField(SLO_FIELDS.period_days!, '91')).toBe('Enter at most 90 days');
    expect(checkField(BURN_ALERT_FIELDS.factor!, '0')).toBe('Enter a factor above 0');
    // The form's default burn alerts are the server's.
    expect(FORM_DEFAULT_BURN_ALERTS).toEqual(DEFAULT_BURN_ALERTS);
  });

  it('checks a target address by its channel, with the server rule and the hint GET /channels gives', () => {
    const fields = (type: string) => targetFields(type, CHANNELS.providerOf(type)!.addressHint).external_id!;
    expect(checkField(fields('email'), 'oncall@example.com')).toBeUndefined();
    expect(checkField(fields('email'), 'oncall')).toBe('Enter an email address such as ops@example.com');
    expect(checkField(fields('webhook'), '')).toBe('Enter an http:// or https:// URL');
    expect(checkField(fields('webhook'), 'https://u:p@example.com/x')).toMatch(/^Remove user/);
    expect(checkField(fields('telegram_group'), '12345')).toMatch(/^Enter a Telegram group id/);
    // A channel the form knows nothing of: only the server checks its format.
    expect(checkField(targetFields('carrier_pigeon', 'a loft name').external_id!, '')).toBe('Enter a loft name');
    expect(checkField(targetFields('carrier_pigeon', 'a loft name').external_id!, '?')).toBeUndefined();
  });

  it("translates every problem the API reports for bad rule, target and silence bodies, at the form's fields", () => {
    const bad = [
      {
        app_name: '',
        max_duration: null,
        alert_channels: [],
        cooldown_minutes: 1.5,
        min_count: 0,
        window_minutes: -1,
        resolve_after_minutes: 99_999,
      },
      { app_name: ' a', max_duration: 0, alert_channels: ['pager', 'email', 'email'], cooldown_minutes: 'a' },
      { app_name: 'a'.repeat(200), max_duration: 2e12, alert_channels: ['email'], cooldown_minutes: 999_999 },
      { app_name: 'a', max_duration: 5, alert_channels: ['email', 'email'] },
      {},
    ];
    const cases: [FieldSpecs, TSchema, unknown][] = [
      ...bad.map((body): [FieldSpecs, TSchema, unknown] => [RULE_FIELDS, withChannelTypes(AppRuleCreate), body]),
      [RULE_FIELDS, MessageRuleCreate, { app_name: 'a', message_key: '', max_duration: 1, alert_channels: ['email'] }],
      [
        targetFields('email', CHANNELS.providerOf('email')!.addressHint),
        withChannelTypes(TargetCreate),
        { name: '', type: 'pager', external_id: '' },
      ],
      [SILENCE_FIELDS, SilenceCreate, { app_name: '', duration_minutes: 0, comment: 'x'.repeat(1001) }],
    ];
    const seen = new Set<string>();
    for (const [specs, schema, body] of cases) {
      const details = schemaProblems(schema, body);
      expect(details.length).toBeGreaterThan(0);
      const shown = translateDetails(specs, details);
      for (const detail of details) expect(Object.keys(shown)).toContain(detail.field.split('.')[0]);
      for (const [field, message] of Object.entries(shown)) {
        expect({ field, message, raw: RAW.test(message) }).toEqual({ field, message, raw: false });
        seen.add(message);
      }
    }
    expect([...seen]).toEqual(
      expect.arrayContaining([
        'Enter an app name',
        'Enter a threshold in milliseconds',
        'Choose at least one channel',
        'Enter a whole number of minutes',
        'Enter at least 1 violation',
        'Enter a threshold above 0 ms',
        'Choose each channel once',
        'Use at most 191 characters',
        'Enter at most 525,600 minutes (a year)',
        'Enter a message key',
        'Choose a channel',
        'Enter an email address such as ops@example.com',
        'Use at most 1,000 characters',
        'Enter a count window of 0 minutes or more',
        'App names cannot start or end with a space, or hold control or invisible characters',
      ]),
    );
  });

  it('keeps problems of fields the form does not show as the form message, in their own words', () => {
    const shown = translateDetails(RULE_FIELDS, [
      { field: '', message: 'a JSON body is required' },
      { field: 'surprise', message: 'is not a known field' },
    ]);
    expect(shown).toEqual({ '': 'A JSON body is required; surprise: is not a known field' });
  });
});
