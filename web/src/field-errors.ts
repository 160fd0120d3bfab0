/**
 * Field messages written for people: the checks a form runs before it sends, and the translation
 * of the API's schema texts ("must not have fewer than 1 characters", "must be number") into the
 * same sentences. The limits mirror the server's TypeBox schemas (src/rules/schemas.ts,
 * src/rules/kinds/, src/silences/schemas.ts); test/web/field-errors.test.ts holds them against
 * each other.
 */
import {
  emailAddressProblem,
  telegramChatIdProblem,
  telegramGroupIdProblem,
  webhookUrlProblem,
} from '../../src/validation/addresses.js';
import { hasForbiddenNameCharacter } from '../../src/validation/names.js';
import type { ChannelType, Problem } from './api/types.js';

type Unit = 'milliseconds' | 'minutes' | 'days' | 'violations' | 'logs' | 'percent' | 'times';
const SINGULAR: Record<Unit, string> = {
  milliseconds: 'millisecond',
  minutes: 'minute',
  days: 'day',
  violations: 'violation',
  logs: 'log',
  percent: 'percent',
  times: 'time',
};
/** The unit after a figure: "500 ms", "1 minute", "2 times". */
const UNIT_SHORT: Partial<Record<Unit, string>> = { milliseconds: 'ms', percent: '%' };

export type FieldSpec =
  /** A name as logged: "Enter an app name". */
  | { kind: 'name'; what: string; maxLength: number; optional?: boolean }
  /** A figure: "Enter a threshold in milliseconds". */
  | {
      kind: 'number';
      what: string;
      unit: Unit;
      integer: boolean;
      min: number;
      /** The minimum itself is refused (max_duration > 0). */
      exclusiveMin?: boolean;
      max: number;
      /** The maximum itself is refused (an SLO's objective < 100). */
      exclusiveMax?: boolean;
      /** Said after the maximum, e.g. "(a year)". */
      maxNote?: string;
    }
  | { kind: 'channels' }
  /** `hint` is the channel's `address_hint` from GET /channels: "an email address such as …". */
  | { kind: 'address'; channel: ChannelType; hint: string }
  | { kind: 'choice'; what: string }
  | { kind: 'text'; what: string; maxLength: number };

export type FieldSpecs = Record<string, FieldSpec>;

const NAME_LENGTH = 191;
const name = (what: string, optional?: boolean): FieldSpec => ({
  kind: 'name',
  what,
  maxLength: NAME_LENGTH,
  optional,
});
const minutes = (what: string, min: number, max: number, maxNote?: string): FieldSpec => ({
  kind: 'number',
  what,
  unit: 'minutes',
  integer: true,
  min,
  max,
  maxNote,
});

export const RULE_FIELDS: FieldSpecs = {
  app_name: name('an app name'),
  message_key: name('a message key'),
  max_duration: {
    kind: 'number',
    what: 'a threshold',
    unit: 'milliseconds',
    integer: false,
    min: 0,
    exclusiveMin: true,
    max: 1e12,
  },
  cooldown_minutes: minutes('a cooldown', 0, 525_600, '(a year)'),
  window_minutes: minutes('a count window', 0, 10_080, '(a week)'),
  min_count: { kind: 'number', what: 'a number', unit: 'violations', integer: true, min: 1, max: 1_000_000 },
  resolve_after_minutes: minutes('a quiet time', 1, 10_080, '(a week)'),
  alert_channels: { kind: 'channels' },
};

const milliseconds = (what: string, min: number, exclusiveMin: boolean): FieldSpec => ({
  kind: 'number',
  what,
  unit: 'milliseconds',
  integer: false,
  min,
  exclusiveMin,
  max: 1e12,
});

/** Fields every window rule kind shares (latency, absence). */
const WINDOW_SHARED: FieldSpecs = {
  name: name('a rule name'),
  app_name: name('an app name'),
  message_key: name('a message key', true),
  cooldown_minutes: minutes('a reminder interval', 0, 525_600, '(a year)'),
  alert_channels: { kind: 'channels' },
};

/** The latency form; `threshold` is in ms, or in % for slow_ratio (LATENCY_PERCENT_THRESHOLD). */
export const LATENCY_FIELDS: FieldSpecs = {
  ...WINDOW_SHARED,
  statistic: { kind: 'choice', what: 'a statistic' },
  slow_ms: milliseconds('a slow duration', 0, true),
  window_minutes: minutes('a window', 1, 1440, '(a day)'),
  threshold: milliseconds('a threshold', 0, false),
  resolve_threshold: milliseconds('a resolve threshold', 0, false),
  ratio: { kind: 'number', what: 'a ratio', unit: 'times', integer: false, min: 1, exclusiveMin: true, max: 1000 },
  min_increase_ms: milliseconds('a minimum increase', 0, false),
  min_samples: { kind: 'number', what: 'a number', unit: 'logs', integer: true, min: 1, max: 1_000_000 },
  pending_minutes: minutes('a pending time', 0, 1440, '(a day)'),
};

/** `threshold` and `resolve_threshold` of a slow_ratio rule: a share of logs, in %. */
export const LATENCY_PERCENT_THRESHOLD: FieldSpec = {
  kind: 'number',
  what: 'a threshold',
  unit: 'percent',
  integer: false,
  min: 0,
  max: 100,
};

export const ABSENCE_FIELDS: FieldSpecs = {
  ...WINDOW_SHARED,
  silent_minutes: minutes('a silent time', 1, 10_080, '(a week)'),
};

export const SLO_FIELDS: FieldSpecs = {
  ...WINDOW_SHARED,
  threshold_ms: milliseconds('a threshold', 0, false),
  objective: {
    kind: 'number',
    what: 'an objective',
    unit: 'percent',
    integer: false,
    min: 50,
    max: 100,
    exclusiveMax: true,
  },
  period_days: { kind: 'number', what: 'a period', unit: 'days', integer: true, min: 1, max: 90 },
  /** A problem of the burn alerts as a whole (none given, one repeated). */
  burn_alerts: { kind: 'text', what: 'burn alerts', maxLength: 0 },
};

/** The fields of one burn alert of an SLO; the form shows them at `burn_alerts_<i>_<field>`. */
export const BURN_ALERT_FIELDS: FieldSpecs = {
  long_minutes: minutes('a long window', 2, 10_080, '(a week)'),
  short_minutes: minutes('a short window', 1, 10_079),
  factor: { kind: 'number', what: 'a factor', unit: 'times', integer: false, min: 0, exclusiveMin: true, max: 1000 },
};

export const targetFields = (channel: ChannelType, hint = 'an address'): FieldSpecs => ({
  name: name('a name'),
  type: { kind: 'choice', what: 'a channel' },
  external_id: { kind: 'address', channel, hint },
});

export const SILENCE_FIELDS: FieldSpecs = {
  app_name: name('an app name'),
  message_key: name('a message key', true),
  duration_minutes: minutes('a duration', 1, 525_600, '(a year)'),
  comment: { kind: 'text', what: 'comment', maxLength: 1000 },
};

export const TOKEN_FIELDS: FieldSpecs = {
  name: name('a token name'),
  scope: { kind: 'choice', what: 'a scope' },
  expires: { kind: 'choice', what: 'an expiry' },
};

/**
 * Address formats the form can check before sending, with the server's own checks
 * (src/validation/addresses.ts). Optional: the server checks every channel's addresses (its
 * 422 is shown at the field), so a channel missing here only waits for that answer.
 */
const ADDRESS_PRECHECKS: Partial<Record<ChannelType, (address: string) => string | undefined>> = {
  telegram_chat: telegramChatIdProblem,
  telegram_group: telegramGroupIdProblem,
  email: emailAddressProblem,
  webhook: webhookUrlProblem,
};

const figure = (n: number) => new Intl.NumberFormat('en-US').format(n);
const capitalized = (text: string) => text.charAt(0).toUpperCase() + text.slice(1);

/** What a spec says when the value is missing, the wrong kind, too small or too large. */
const say = {
  missing(spec: FieldSpec): string {
    switch (spec.kind) {
      case 'name':
        return `Enter ${spec.what}`;
      case 'number':
        if (spec.unit === 'violations' || spec.unit === 'logs') return `Enter a number of ${spec.unit}`;
        return spec.unit === 'times' ? `Enter ${spec.what}, such as 2` : `Enter ${spec.what} in ${spec.unit}`;
      case 'channels':
        return 'Choose at least one channel';
      case 'address':
        return `Enter ${spec.hint}`;
      case 'choice':
        return `Choose ${spec.what}`;
      case 'text':
        return `Enter a ${spec.what}`;
    }
  },
  tooLong: (spec: { maxLength: number }) => `Use at most ${figure(spec.maxLength)} characters`,
  notWhole: (spec: { unit: Unit }) => `Enter a whole number of ${spec.unit}`,
  tooSmall(spec: Extract<FieldSpec, { kind: 'number' }>): string {
    if (spec.exclusiveMin) {
      if (spec.unit === 'times') return `Enter ${spec.what} above ${figure(spec.min)}`;
      return `Enter ${spec.what} above ${figure(spec.min)} ${UNIT_SHORT[spec.unit] ?? spec.unit}`;
    }
    if (spec.min === 0) return `Enter ${spec.what} of 0 ${UNIT_SHORT[spec.unit] ?? spec.unit} or more`;
    if (spec.unit === 'percent') return `Enter ${spec.what} of at least ${figure(spec.min)}%`;
    return `Enter at least ${figure(spec.min)} ${spec.min === 1 ? SINGULAR[spec.unit] : spec.unit}`;
  },
  tooLarge: (spec: Extract<FieldSpec, { kind: 'number' }>) =>
    spec.exclusiveMax
      ? `Enter ${spec.what} below ${figure(spec.max)}${UNIT_SHORT[spec.unit] === '%' ? '%' : ` ${spec.unit}`}`
      : spec.unit === 'percent'
        ? `Enter at most ${figure(spec.max)}%`
        : `Enter at most ${figure(spec.max)}${spec.unit === 'times' ? '' : ` ${spec.unit}`}${spec.maxNote ? ` ${spec.maxNote}` : ''}`,
  unprintable: (spec: { what: string }) =>
    `${capitalized(spec.what.replace(/^an? /, ''))}s cannot start or end with a space, or hold control or invisible characters`,
};

/** The problem of one field as typed, or undefined when it may be sent. */
export function checkField(spec: FieldSpec, value: string | readonly string[]): string | undefined {
  if (spec.kind === 'channels') return (value as readonly string[]).length === 0 ? say.missing(spec) : undefined;
  const text = (value as string).trim();
  switch (spec.kind) {
    case 'name':
      if (text === '') return spec.optional ? undefined : say.missing(spec);
      if (text.length > spec.maxLength) return say.tooLong(spec);
      return hasForbiddenNameCharacter(text) ? say.unprintable(spec) : undefined;
    case 'text':
      return text.length > spec.maxLength ? say.tooLong(spec) : undefined;
    case 'choice':
      return text === '' ? say.missing(spec) : undefined;
    case 'address': {
      if (text === '') return say.missing(spec);
      const problem = ADDRESS_PRECHECKS[spec.channel]?.(text);
      return problem ? translate(spec, problem) : undefined;
    }
    case 'number': {
      // Number('') is 0 and Number('1e3') is 1000: only plain decimal figures count.
      if (!/^-?\d+(\.\d+)?$/.test(text)) return say.missing(spec);
      const n = Number(text);
      if (spec.integer && !Number.isInteger(n)) return say.notWhole(spec);
      if (spec.exclusiveMin ? n <= spec.min : n < spec.min) return say.tooSmall(spec);
      if (spec.exclusiveMax ? n >= spec.max : n > spec.max) return say.tooLarge(spec);
      return undefined;
    }
  }
}

/** Checks every field of a form; answers field → message for those that may not be sent. */
export function checkFields(specs: FieldSpecs, values: Record<string, string | readonly string[]>): Problems {
  const problems: Problems = {};
  for (const [field, spec] of Object.entries(specs)) {
    if (!(field in values)) continue;
    const problem = checkField(spec, values[field]!);
    if (problem) problems[field] = problem;
  }
  return problems;
}

/** field → the one message shown at it; '' is the form's own message. */
export type Problems = Record<string, string>;

/** One API message (already for `spec`'s field) in words for people. */
export function translate(spec: FieldSpec | undefined, raw: string): string {
  const text = raw.trim();
  if (!spec) return capitalized(text);
  if (/^is required$|fewer than 1 (characters|items)|^must be (string|array)$/.test(text)) return say.missing(spec);
  const longer = /more than (\d+) characters/.exec(text);
  if (longer) return say.tooLong({ maxLength: Number(longer[1]) });
  if (spec.kind === 'name' && /^must match pattern/.test(text)) return say.unprintable(spec);
  if (spec.kind === 'number') {
    // The one cross-field rule: a count needs a window to count in.
    if (/min_count/.test(text)) return 'Set a count window of at least 1 minute to count several violations in';
    if (/^must be (number|integer)$/.test(text)) {
      return text === 'must be integer' ? say.notWhole(spec) : say.missing(spec);
    }
    if (/^must be >=? /.test(text)) return say.tooSmall(spec);
    if (/^must be <=? /.test(text)) return say.tooLarge(spec);
  }
  if (spec.kind === 'channels') {
    if (/duplicate/.test(text)) return 'Choose each channel once';
    if (/must be one of/.test(text)) return 'Choose channels from the list';
    if (/more than \d+ items/.test(text)) return 'Choose each channel once';
  }
  if (spec.kind === 'choice' && /must be one of/.test(text)) return say.missing(spec);
  if (spec.kind === 'address') {
    const refused = /^is refused: (.*)$/.exec(text);
    if (refused) return `This address is refused: ${refused[1]}`;
    if (/user:password@/.test(text)) return 'Remove user:password@ from the URL (put credentials in its path or query)';
    if (/white space or control characters/.test(text)) return 'Enter a URL without spaces or control characters';
    if (/^must be /.test(text)) return `Enter ${spec.hint}`;
  }
  return capitalized(text);
}

/**
 * The API's `error.details` as one message per field of the form (`alert_channels.0` belongs to
 * `alert_channels`); problems of fields the form does not show go to '' (the form's own message).
 */
export function translateDetails(specs: FieldSpecs, details: readonly Problem[]): Problems {
  const problems: Problems = {};
  for (const detail of details) {
    const top = detail.field.split('.')[0] ?? '';
    const spec = specs[top];
    const field = spec ? top : '';
    const message = spec ? translate(spec, detail.message) : detailText(detail);
    // The first problem of a field is the one that matters (an empty name also fails its pattern).
    if (!(field in problems)) problems[field] = message;
    else if (field === '' && !problems[''].includes(message)) problems[''] += `; ${message}`;
  }
  return problems;
}

const detailText = (detail: Problem) =>
  detail.field ? `${detail.field}: ${detail.message}` : capitalized(detail.message);
