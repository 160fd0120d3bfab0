import { describe, expect, it } from 'vitest';
import { RuleMatcher } from '../../src/rules/matcher.js';
import type { AppRule, MessageRule } from '../../src/rules/types.js';

let nextId = 1;
const appRule = (app_name: string, max_duration: number, is_active = true): AppRule => ({
  id: nextId++,
  app_name,
  max_duration,
  is_active,
  alert_channels: ['email'],
  cooldown_minutes: 0,
  min_count: 1,
  window_minutes: 0,
  notify_resolved: false,
  resolve_after_minutes: 10,
  managed_by: null,
  managed_file: null,
  created_at: '',
  updated_at: '',
});
const messageRule = (app_name: string, message_key: string, max_duration: number, is_active = true): MessageRule => ({
  ...appRule(app_name, max_duration, is_active),
  message_key,
});

describe('RuleMatcher', () => {
  const core = appRule('core', 1000);
  const coreLogin = messageRule('core', 'login', 200);
  const coreExport = messageRule('core', 'export', 5000);
  const paused = messageRule('core', 'paused', 10, false);
  const billing = appRule('billing', 300, false);
  const billingPay = messageRule('billing', 'pay', 700);
  const matcher = new RuleMatcher([core, billing], [coreLogin, coreExport, paused, billingPay]);

  it('prefers the active message rule of the (app, message key)', () => {
    expect(matcher.decidingRule('core', 'login')).toBe(coreLogin);
    expect(matcher.decidingRule('core', 'export')).toBe(coreExport);
  });

  it('falls back to the app rule for other keys and for logs without a key', () => {
    expect(matcher.decidingRule('core', 'other')).toBe(core);
    expect(matcher.decidingRule('core', null)).toBe(core);
    expect(matcher.decidingRule('core', undefined)).toBe(core);
  });

  it('ignores inactive rules', () => {
    expect(matcher.decidingRule('core', 'paused')).toBe(core);
    expect(matcher.decidingRule('billing', 'other')).toBeUndefined();
    expect(matcher.decidingRule('billing', 'pay')).toBe(billingPay);
  });

  it('decides nothing for unknown apps, even when a key matches another app', () => {
    expect(matcher.decidingRule('unknown', 'login')).toBeUndefined();
    expect(matcher.decidingRule('unknown', null)).toBeUndefined();
  });

  it('reports a violation only when strictly over the deciding threshold', () => {
    expect(matcher.violatedRule('core', 'login', 200)).toBeUndefined();
    expect(matcher.violatedRule('core', 'login', 200.001)).toBe(coreLogin);
    // 3000 ms is over the app rule but the message rule (5000) decides alone.
    expect(matcher.violatedRule('core', 'export', 3000)).toBeUndefined();
    expect(matcher.violatedRule('core', 'other', 3000)).toBe(core);
  });

  it('gives the lowest active threshold per app for pushdown', () => {
    expect(Object.fromEntries(matcher.lowestThresholds())).toEqual({ core: 200, billing: 700 });
    expect(new RuleMatcher([], []).isEmpty).toBe(true);
  });
});
