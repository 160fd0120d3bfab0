import { describe, expect, it } from 'vitest';
import { CHANNELS, targetAddressProblem as externalIdProblem } from '../../src/alerts/channels/registry.js';
import { withChannelTypes } from '../../src/http/channel-schemas.js';
import * as rules from '../../src/rules/schemas.js';
import { schemaProblems } from '../../src/validation/problems.js';

// As the server validates them: with the channel registry's types (installChannelTypes).
const AppRuleCreate = withChannelTypes(rules.AppRuleCreate);
const AppRuleUpdate = withChannelTypes(rules.AppRuleUpdate);
const MessageRuleCreate = withChannelTypes(rules.MessageRuleCreate);
const TargetCreate = rules.TargetCreate;

const validApp = {
  app_name: 'core',
  max_duration: 1000,
  alert_channels: ['email'],
  cooldown_minutes: 5,
  is_active: true,
};

describe('rule validation', () => {
  it('accepts a valid app rule and message rule', () => {
    expect(schemaProblems(AppRuleCreate, validApp)).toEqual([]);
    expect(schemaProblems(MessageRuleCreate, { ...validApp, message_key: 'order.create' })).toEqual([]);
  });

  const cases: [string, Record<string, unknown>, string][] = [
    ['zero threshold', { max_duration: 0 }, 'max_duration'],
    ['negative threshold', { max_duration: -5 }, 'max_duration'],
    ['string threshold', { max_duration: '100' }, 'max_duration'],
    ['unknown channel', { alert_channels: ['sms'] }, 'alert_channels.0'],
    ['empty channel list', { alert_channels: [] }, 'alert_channels'],
    ['duplicate channels', { alert_channels: ['email', 'email'] }, 'alert_channels'],
    ['negative cooldown', { cooldown_minutes: -1 }, 'cooldown_minutes'],
    ['fractional cooldown', { cooldown_minutes: 1.5 }, 'cooldown_minutes'],
    ['empty app name', { app_name: '' }, 'app_name'],
    ['app name with newline', { app_name: 'a\nb' }, 'app_name'],
    ['too long app name', { app_name: 'x'.repeat(192) }, 'app_name'],
    ['non-boolean is_active', { is_active: 'yes' }, 'is_active'],
    ['unknown field', { owner: 'me' }, 'owner'],
  ];
  it.each(cases)('rejects %s and names the field', (_name, change, field) => {
    const problems = schemaProblems(AppRuleCreate, { ...validApp, ...change });
    expect(problems.map((p) => p.field)).toContain(field);
  });

  it('requires app_name, max_duration and alert_channels', () => {
    const problems = schemaProblems(AppRuleCreate, {});
    expect(problems.length).toBeGreaterThanOrEqual(3);
    expect(problems).toEqual([
      { field: 'app_name', message: 'is required' },
      { field: 'max_duration', message: 'is required' },
      { field: 'alert_channels', message: 'is required' },
    ]);
  });

  it('requires message_key on message rules', () => {
    expect(schemaProblems(MessageRuleCreate, validApp).length).toBeGreaterThan(0);
  });

  it('rejects an empty update', () => {
    expect(schemaProblems(AppRuleUpdate, {}).length).toBeGreaterThan(0);
    expect(schemaProblems(AppRuleUpdate, { is_active: false })).toEqual([]);
  });

  it("rejects an unknown target type (once the HTTP layer gives the schema the registry's types)", () => {
    const problems = schemaProblems(withChannelTypes(TargetCreate), { name: 'x', type: 'sms', external_id: '1' });
    expect(problems.map((p) => p.field)).toContain('type');
    expect(externalIdProblem('sms', '1')).toMatchObject({ field: 'type' });
  });
});

describe('target external_id by type', () => {
  const ok: [Parameters<typeof externalIdProblem>[0], string][] = [
    ['telegram_chat', '123456789'],
    ['telegram_chat', '-1001234567890'],
    ['telegram_chat', '@lagwatch_alerts'],
    ['telegram_group', '-1001234567890'],
    ['telegram_group', '-42'],
    ['email', 'ops@example.com'],
    ['email', 'first.last+tag@mail.example.co.uk'],
    ['webhook', 'https://hooks.example.com/x?token=1'],
    ['webhook', 'http://127.0.0.1:8080/hook'],
  ];
  it.each(ok)('accepts %s %s', (type, id) => expect(externalIdProblem(type, id)).toBeUndefined());

  const bad: [Parameters<typeof externalIdProblem>[0], string][] = [
    ['telegram_chat', 'abc'],
    ['telegram_chat', '12 34'],
    ['telegram_group', '12345'],
    ['telegram_group', '@channel'],
    // One chat, one spelling: no chat is 0, and 007 or -0100 would store a chat twice.
    ['telegram_chat', '0'],
    ['telegram_chat', '-0'],
    ['telegram_chat', '00'],
    ['telegram_chat', '0123'],
    ['telegram_chat', '-0100123'],
    ['telegram_group', '-0'],
    ['telegram_group', '-00'],
    ['telegram_group', '-0100123'],
    ['email', 'not-an-address'],
    ['email', 'ops@example'],
    ['email', 'ops@example.com\r\nBcc: x@y.z'],
    ['email', 'a b@example.com'],
    ['webhook', 'ftp://example.com/x'],
    ['webhook', 'javascript:alert(1)'],
    ['webhook', 'not a url'],
  ];
  it.each(bad)('rejects %s %j', (type, id) => {
    expect(externalIdProblem(type, id)).toMatchObject({ field: 'external_id' });
  });
});

describe('problem messages', () => {
  it('names every unknown field, however many (TypeBox stopped after 200 errors)', () => {
    const unknown = Object.fromEntries(Array.from({ length: 450 }, (_, i) => [`extra_${i}`, i]));
    const problems = schemaProblems(AppRuleCreate, { ...validApp, ...unknown });
    expect(problems).toHaveLength(450);
    expect(problems.every((p) => p.message === 'is not a known field')).toBe(true);
    expect(new Set(problems.map((p) => p.field))).toEqual(new Set(Object.keys(unknown)));
  });

  it('lists the allowed values of a union once', () => {
    expect(schemaProblems(AppRuleCreate, { ...validApp, alert_channels: ['sms'] })).toEqual([
      { field: 'alert_channels.0', message: `must be one of: ${CHANNELS.types.join(', ')}` },
    ]);
  });
});
