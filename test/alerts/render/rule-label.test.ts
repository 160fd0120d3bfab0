import { describe, expect, it } from 'vitest';
import { discordProvider } from '../../../src/alerts/channels/discord/provider.js';
import { renderEmail } from '../../../src/alerts/render/email.js';
import { ruleLabel } from '../../../src/alerts/render/format.js';
import { selfAlert, windowFiring } from '../channels/kinds.js';

describe('the rule a notification names', () => {
  it('is "<kind> rule #<id>" for rules and "lagwatch self-monitoring" for self-alerts', () => {
    expect(ruleLabel(windowFiring())).toBe('latency rule #3');
    expect(ruleLabel(selfAlert())).toBe('lagwatch self-monitoring');
  });

  it('reads so in the email and the Discord footer of a self-alert', () => {
    const self = selfAlert();
    const email = renderEmail(self);
    expect(email.text).toContain('lagwatch self-monitoring');
    expect(email.text).not.toMatch(/self rule #/);
    const discord = discordProvider.preview(self).text;
    expect(discord).not.toMatch(/self rule #/);
  });
});
