import { describe, expect, it } from 'vitest';
import { bulkResponse, filterPath } from '../../../../src/logs/protocols/es-bulk/bulk-response.js';

describe('bulk answers and filter_path', () => {
  const answer = bulkResponse(
    [
      { action: 'index', index: 'a', id: 'one', documentLine: 2 },
      { action: 'delete', index: 'a', id: 'two', error: { type: 'illegal_argument_exception', reason: 'no' } },
      { action: 'create', index: 'b', id: 'three', documentLine: 5 },
    ],
    3.4,
  );

  it('answers every item in order, sequence numbers counting the stored ones', () => {
    expect(answer.took).toBe(3);
    expect(answer.errors).toBe(true);
    expect(answer.items[0].index).toMatchObject({ _id: 'one', status: 201, result: 'created', _seq_no: 0 });
    expect(answer.items[1].delete).toEqual({
      _index: 'a',
      _id: 'two',
      status: 400,
      error: { type: 'illegal_argument_exception', reason: 'no' },
    });
    expect(answer.items[2].create).toMatchObject({ _index: 'b', _seq_no: 1, status: 201 });
  });

  it('keeps the paths asked for, through arrays, dropping what is left empty', () => {
    expect(filterPath(answer, 'errors,items.*.error')).toEqual({
      errors: true,
      items: [{ delete: { error: { type: 'illegal_argument_exception', reason: 'no' } } }],
    });
    expect(filterPath(answer, 'items.*.status')).toEqual({
      items: [{ index: { status: 201 } }, { delete: { status: 400 } }, { create: { status: 201 } }],
    });
    expect(filterPath(answer, 'items.create._id,took')).toEqual({ took: 3, items: [{ create: { _id: 'three' } }] });
    expect(filterPath(answer, 'nothing.here')).toEqual({});
    expect(filterPath(answer, undefined)).toBe(answer);
    // Exclusions and ** are not supported: ignored, the answer whole.
    expect(filterPath(answer, '-took')).toBe(answer);
  });
});
