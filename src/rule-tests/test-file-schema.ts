import Type, { type Static } from 'typebox';
import { RELATIVE_TIME_EXPECTED } from './relative-time.js';

/**
 * The shape of a rule test file (`lagwatch rules:test`). Relative times (`at`, `from`, `to`)
 * and `evaluation_interval` are strings here and parsed afterwards (relative-time.ts), so
 * their problems say what is expected.
 */

/** What a value of a union must be, said in one problem instead of one per member (see test-file.ts). */
export const EXPECTED_MARK = 'x-lagwatch-expected';

const RelativeTime = (description: string) =>
  Type.Union([Type.String({ maxLength: 64 }), Type.Literal(0)], {
    description,
    [EXPECTED_MARK]: RELATIVE_TIME_EXPECTED,
  });

const Text = (description: string) => Type.String({ minLength: 1, maxLength: 10_000, description });

/** The log document fields a test log may give (the `default` field preset's names). */
const logFields = {
  app_name: Text('Application name'),
  message_key: Text('Message key'),
  duration: Type.Union([Type.Number(), Type.String({ maxLength: 64 })], {
    description: 'Duration in ms',
    [EXPECTED_MARK]: 'a number of milliseconds (or a number as text)',
  }),
  correlation_id: Text('Correlation id'),
  level: Text('Log level'),
  message: Text('Message text'),
};

/** At most this many logs (after `repeat`) in one test: the replay holds them in memory. */
export const MAX_LOGS_PER_TEST = 200_000;

const Repeat = Type.Integer({ minimum: 1, maximum: MAX_LOGS_PER_TEST, description: 'Copies of this log (default 1)' });
const optionalLogFields = Object.fromEntries(Object.entries(logFields).map(([k, v]) => [k, Type.Optional(v)]));

const TestLog = Type.Object(
  {
    at: RelativeTime('When the log was written: an offset from the evaluation time (-90s, -4m, -1h, 0)'),
    repeat: Type.Optional(Repeat),
    ...optionalLogFields,
  },
  { additionalProperties: false },
);

const LogDefaults = Type.Object(
  { repeat: Type.Optional(Repeat), ...optionalLogFields },
  { additionalProperties: false, description: 'What every log of the test has unless it gives its own' },
);

const TestSilence = Type.Object(
  {
    app_name: Text('The app it silences'),
    message_key: Type.Optional(Text('Only this message key (default: the whole app)')),
    from: Type.Optional(RelativeTime('When it starts, relative to the evaluation time (default: long before)')),
    to: RelativeTime('When it ends, relative to the evaluation time (+1h)'),
    comment: Type.Optional(Type.String({ maxLength: 2000 })),
  },
  { additionalProperties: false },
);

const Expectations = Type.Object(
  {
    violations: Type.Optional(Type.Integer({ minimum: 0, description: 'Per-log violations recorded' })),
    firing: Type.Optional(
      Type.Array(Text('A window rule name'), {
        uniqueItems: true,
        description: 'The window rules (by name) firing at the evaluation time, in any order',
      }),
    ),
    notifications: Type.Optional(
      Type.Integer({
        minimum: 0,
        description: 'Notifications queued to be sent (after count windows, silences and cooldowns)',
      }),
    ),
  },
  {
    additionalProperties: false,
    minProperties: 1,
    [EXPECTED_MARK]: 'a map of one or more of violations, firing and notifications',
  },
);

const RuleTest = Type.Object(
  {
    name: Text('What the test checks'),
    at: Type.Optional(RelativeTime('The evaluation time, relative to now (default 0: now)')),
    defaults: Type.Optional(LogDefaults),
    logs: Type.Optional(Type.Array(TestLog, { maxItems: MAX_LOGS_PER_TEST })),
    silences: Type.Optional(Type.Array(TestSilence, { maxItems: 1000 })),
    expect: Expectations,
  },
  { additionalProperties: false },
);

export const RuleTestFile = Type.Object(
  {
    rules_file: Text('The rules file, relative to this file'),
    evaluation_interval: Type.Optional(
      Type.String({ maxLength: 64, description: 'How often the replay scans and evaluates (default 1m)' }),
    ),
    tests: Type.Array(RuleTest, { minItems: 1, maxItems: 10_000, [EXPECTED_MARK]: 'a list of one or more tests' }),
  },
  { additionalProperties: false },
);

export type RuleTestFile = Static<typeof RuleTestFile>;
export type RuleTestInput = RuleTestFile['tests'][number];
export type TestLogInput = Static<typeof TestLog>;
export type TestSilenceInput = Static<typeof TestSilence>;
export type ExpectationsInput = Static<typeof Expectations>;
/** The names of the log document fields a test log may give. */
export const LOG_FIELD_NAMES = Object.keys(logFields);
