import { describe, expect, it } from 'vitest';
import { findNul } from './text-guard.js';

describe('NUL guard', () => {
  it('names each string and key holding NUL by its path, and nothing when there is none', () => {
    expect(findNul({ readings: [{ well_id: 'W-1', note: 'ok' }], q: 'fine' })).toEqual([]);
    const found = findNul({ readings: [{ well_id: 'W-1' }, { well_id: 'W\u00002', tags: ['a', 'b\u0000'] }], 'k\u0000': 1 });
    expect(found.map((e) => e.field)).toEqual(['readings[1].well_id', 'readings[1].tags[1]', 'k\u0000']);
    expect(found[2].reason).toMatch(/key/);
    expect(findNul('a\u0000')).toEqual([{ field: '', reason: 'must not contain NUL (\\u0000) characters' }]);
    expect(findNul([['x\u0000']])[0].field).toBe('[0][0]');
  });

  it('stops at the limit and leaves buffers to their own parsers', () => {
    expect(findNul(Array.from({ length: 50 }, () => '\u0000'), [], 20)).toHaveLength(20);
    expect(findNul({ data: Buffer.from('a\u0000b') })).toEqual([]);
  });
});
