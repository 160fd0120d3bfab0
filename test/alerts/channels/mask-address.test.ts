import { describe, expect, it } from 'vitest';
import { maskDestination } from '../../../src/alerts/channels/mask-address.js';

describe('maskDestination', () => {
  it.each([
    ['123456789', '123456789'],
    ['-1001234567890', '-1001234567890'],
    ['@ops_channel', '@ops_channel'],
    ['ops@example.com', 'ops@example.com'],
    ['https://hooks.example.com/alert', 'https://hooks.example.com/alert'],
    ['https://hooks.example.com/alert?token=abc123', 'https://hooks.example.com/alert?token=***'],
    ['https://hooks.example.com/a?x=1&sig=zz', 'https://hooks.example.com/a?x=***&sig=***'],
    ['https://user:pass@hooks.example.com/a', 'https://***@hooks.example.com/a'],
    [
      'https://hooks.slack.com/services/T00000000/B00000000/XXXXXXXXXXXXXXXXXXXXXXXX1',
      'https://hooks.slack.com/services/T00000000/B00000000/***',
    ],
    ['https://discord.com/api/webhooks/123/abcDEF123ghiJKL456mno', 'https://discord.com/api/webhooks/123/***'],
    ['http://127.0.0.1:9000/hook#secret', 'http://127.0.0.1:9000/hook#***'],
  ])('%s → %s', (input, expected) => {
    expect(maskDestination(input)).toBe(expected);
  });

  it('masks a URL it cannot parse entirely', () => {
    expect(maskDestination('https://[broken')).toBe('***');
  });
});
