import Type from 'typebox';
import { describe, expect, it } from 'vitest';
import { CHANNELS } from '../../src/alerts/channels/registry.js';
import { withChannelTypes } from '../../src/http/channel-schemas.js';
import { typeboxValidatorCompiler } from '../../src/http/validation.js';
import { AppRuleCreate } from '../../src/rules/schemas.js';
import { ValidationError } from '../../src/validation/problems.js';

const compile = (schema: Parameters<typeof typeboxValidatorCompiler>[0]['schema'], httpPart: string) =>
  typeboxValidatorCompiler({ schema, httpPart, method: 'GET', url: '/' }) as (value: unknown) => {
    value?: unknown;
    error?: unknown;
  };

describe('typeboxValidatorCompiler', () => {
  it('lists every problem of a body by field', () => {
    // The server gives every route's schemas the registry's channel types (installChannelTypes).
    const validate = compile(withChannelTypes(AppRuleCreate), 'body');
    const { error } = validate({ max_duration: '5', alert_channels: ['sms'], extra: true, is_active: 1 });
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).problems).toEqual(
      expect.arrayContaining([
        { field: 'app_name', message: 'is required' },
        { field: 'extra', message: 'is not a known field' },
        { field: 'max_duration', message: expect.stringContaining('number') },
        { field: 'is_active', message: expect.stringContaining('boolean') },
        { field: 'alert_channels.0', message: `must be one of: ${CHANNELS.types.join(', ')}` },
      ]),
    );
  });

  it('takes bodies as sent and converts query strings strictly', () => {
    const schema = Type.Object(
      { n: Type.Optional(Type.Integer()), f: Type.Optional(Type.Number()), b: Type.Optional(Type.Boolean()) },
      { additionalProperties: false },
    );
    expect(compile(schema, 'body')({ n: '5' }).error).toBeInstanceOf(ValidationError);
    expect(compile(schema, 'querystring')({ n: '5', f: '2.5', b: 'false' }).value).toEqual({ n: 5, f: 2.5, b: false });
    for (const text of ['1.5', '0x10', '1e3', ' 5', '', 'abc']) {
      expect(compile(schema, 'querystring')({ n: text }).error, text).toBeInstanceOf(ValidationError);
    }
    for (const text of ['1', 'yes', 'TRUE']) {
      expect(compile(schema, 'querystring')({ b: text }).error, text).toBeInstanceOf(ValidationError);
    }
  });
});
