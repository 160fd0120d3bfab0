import { describe, expect, it } from 'vitest';
import { keyBreakPieces } from '../../web/src/key-breaks.js';

describe('break opportunities in a message key', () => {
  it('cuts before / and ., after :, _, - and spaces, never inside a word', () => {
    expect(keyBreakPieces('POST /api/v2/order_items')).toEqual(['POST ', '/api', '/v2', '/order_', 'items']);
    expect(keyBreakPieces('com.example.billing-service:invoice')).toEqual([
      'com',
      '.example',
      '.billing-',
      'service:',
      'invoice',
    ]);
  });

  it('splits a run of separators once, and keeps the key whole', () => {
    const keys = [
      'https://hooks.example.com/a',
      '/leading/slash',
      'trailing-',
      'GET  /two  spaces',
      'nosep',
      '',
      '...',
    ];
    for (const key of keys) expect(keyBreakPieces(key).join('')).toBe(key);
    expect(keyBreakPieces('https://hooks.example.com/a')).toEqual(['https:', '//hooks', '.example', '.com', '/a']);
    expect(keyBreakPieces('GET  /two  spaces')).toEqual(['GET  ', '/two  ', 'spaces']);
    expect(keyBreakPieces('/leading/slash')).toEqual(['/leading', '/slash']);
    expect(keyBreakPieces('trailing-')).toEqual(['trailing-']);
    expect(keyBreakPieces('nosep')).toEqual(['nosep']);
    expect(keyBreakPieces('')).toEqual([]);
  });
});
