import { describe, expect, it } from 'vitest';
import { RecentMap } from '../../src/state/filtered-view.js';

describe('RecentMap (the filtered view’s auditID → request memory)', () => {
  it('keeps at least the last cap/2 keys set, at most cap, and forgets older ones', () => {
    const m = new RecentMap<number>(1000);
    for (let i = 0; i < 10_000; i++) {
      m.set(`id${i}`, i);
      expect(m.size).toBeLessThanOrEqual(1000);
    }
    for (let i = 10_000 - 500; i < 10_000; i++) expect(m.get(`id${i}`)).toBe(i);
    expect(m.get('id0')).toBeUndefined();
    expect(m.get(`id${10_000 - 1001}`)).toBeUndefined();
  });

  it('a key set again is remembered from then on, with its newest value', () => {
    const m = new RecentMap<string>(4);
    m.set('a', '1');
    m.set('b', '1'); // generation full: a, b become the old one
    m.set('a', '2');
    expect(m.get('a')).toBe('2');
    m.set('c', '1'); // a (new), c become the old generation; b forgotten
    expect(m.get('a')).toBe('2');
    expect(m.get('b')).toBeUndefined();
  });
});
