import { describe, expect, it } from 'vitest';
import { BoundedCounter, MAX_KEY_CHARS, WindowCounter, boundKey, topOf } from '../../src/model/topn.js';

describe('topOf', () => {
  it('sorts by count descending, then key', () => {
    const m = new Map([
      ['b', 2],
      ['a', 2],
      ['c', 5],
      ['d', 1],
    ]);
    expect(topOf(m, 3)).toEqual([
      { key: 'c', count: 5 },
      { key: 'a', count: 2 },
      { key: 'b', count: 2 },
    ]);
    expect(topOf(m, 0)).toEqual([]);
  });
});

describe('BoundedCounter', () => {
  it('is exact below twice its key cap', () => {
    const c = new BoundedCounter(10);
    for (let i = 0; i < 19; i++) for (let j = 0; j <= i; j++) c.add(`k${i}`);
    expect(c.size).toBe(19);
    expect(c.top(1)).toEqual([{ key: 'k18', count: 19 }]);
    expect(c.other).toBe(0);
  });

  it('never holds 2 × keep keys, and a heavy hitter survives a flood of one-off keys', () => {
    const c = new BoundedCounter(100);
    for (let i = 0; i < 100_000; i++) {
      c.add(`noise-${i}`);
      if (i % 10 === 0) c.add('attacker');
    }
    expect(c.size).toBeLessThan(200);
    expect(c.top(1)[0]).toEqual({ key: 'attacker', count: 10_000 });
    expect(c.other).toBeGreaterThan(90_000);
  });

  it('boundKey cuts hostile keys', () => {
    const k = boundKey('x'.repeat(10_000));
    expect(k.length).toBe(MAX_KEY_CHARS);
    expect(k.endsWith('…')).toBe(true);
    expect(boundKey('short')).toBe('short');
  });
});

describe('WindowCounter', () => {
  const T = 1_000_000_000_000;

  it('counts only what falls inside the window of event time', () => {
    const w = new WindowCounter(60_000, 10_000, 50);
    w.add('old', T);
    w.add('new', T + 50_000);
    expect(w.top(5).map((e) => e.key).sort()).toEqual(['new', 'old']);
    w.add('new', T + 75_000); // "old" is now more than a window back
    expect(w.top(5)).toEqual([{ key: 'new', count: 2 }]);
  });

  it('advance() slides the window without new keys and drops empty buckets', () => {
    const w = new WindowCounter(60_000, 10_000, 50);
    for (let s = 0; s < 600; s++) w.add(`k${s % 3}`, T + s * 1000);
    expect(w.bucketCount).toBeLessThanOrEqual(7);
    w.advance(T + 10 * 60_000 + 120_000);
    expect(w.top(5)).toEqual([]);
    expect(w.bucketCount).toBe(0);
  });

  it('ignores events older than the window (time going backwards)', () => {
    const w = new WindowCounter(60_000, 10_000, 50);
    w.add('a', T + 600_000);
    w.add('b', T);
    expect(w.top(5)).toEqual([{ key: 'a', count: 1 }]);
  });

  it('late events inside the window land in their own bucket and expire with it', () => {
    const w = new WindowCounter(60_000, 10_000, 50);
    w.add('a', T + 30_000);
    w.add('late', T + 1_000);
    expect(w.top(5).length).toBe(2);
    w.advance(T + 71_000); // bucket of T+1s leaves; bucket of T+30s stays
    expect(w.top(5)).toEqual([{ key: 'a', count: 1 }]);
  });

  it('stays bounded under a flood of distinct keys', () => {
    const w = new WindowCounter(3_600_000, 120_000, 64);
    for (let i = 0; i < 200_000; i++) {
      w.add(`ua-${i}`, T + i * 20);
      if (i % 5 === 0) w.add('steady', T + i * 20);
    }
    expect(w.size).toBeLessThan(4 * 64 * 2);
    expect(w.top(1)[0]?.key).toBe('steady');
  });
});
