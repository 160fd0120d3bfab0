import { describe, expect, it } from 'vitest';
import { type ConfigError, loadConfig } from '../../src/config/load.js';

describe('SELF_ALERT_AFTER_MINUTES and SELF_ALERT_CHANNELS', () => {
  it('default to 5 minutes and no further destination', () => {
    expect(loadConfig({}, undefined).selfAlerts).toEqual({ afterMinutes: 5, channels: [] });
  });

  it('take target ids and channel types, comma separated', () => {
    const config = loadConfig(
      { SELF_ALERT_AFTER_MINUTES: '0', SELF_ALERT_CHANNELS: '3, email,webhook ,12' },
      undefined,
    );
    expect(config.selfAlerts).toEqual({
      afterMinutes: 0,
      channels: [{ targetId: 3 }, { type: 'email' }, { type: 'webhook' }, { targetId: 12 }],
    });
  });

  it('name every entry that is neither (an address only as such: it may be a secret), and a negative delay', () => {
    let problems: string[] = [];
    try {
      loadConfig({ SELF_ALERT_AFTER_MINUTES: '-1', SELF_ALERT_CHANNELS: 'email,https://hooks.example/x,0' }, undefined);
    } catch (error) {
      problems = (error as ConfigError).problems;
    }
    expect(problems).toHaveLength(3);
    expect(problems[0]).toMatch(/^SELF_ALERT_AFTER_MINUTES: /);
    expect(problems.slice(1)).toEqual([
      'SELF_ALERT_CHANNELS: an entry (not shown: it may be an address) is neither an alert target id nor a channel type (e.g. 3, email, webhook)',
      'SELF_ALERT_CHANNELS: "0" is neither an alert target id nor a channel type (e.g. 3, email, webhook)',
    ]);
  });
});
