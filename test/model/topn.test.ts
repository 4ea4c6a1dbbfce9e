import { describe, expect, it } from 'vitest';
import { KeyCounter, MAX_KEY_CHARS, boundKey, topOf } from '../../src/model/topn.js';

const T = 1_000_000_000_000; // a multiple of both bucket sizes

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

describe('KeyCounter: all time', () => {
  it('is exact below twice its key cap', () => {
    const c = new KeyCounter(10);
    for (let i = 0; i < 19; i++) for (let j = 0; j <= i; j++) c.add(`k${i}`, T);
    expect(c.size).toBe(19);
    expect(c.top('all', 1, T)).toEqual([{ key: 'k18', count: 19 }]);
    expect(c.other).toBe(0);
  });

  it('never holds 2 × keep keys, and a heavy hitter survives a flood of one-off keys', () => {
    const c = new KeyCounter(100);
    for (let i = 0; i < 100_000; i++) {
      c.add(`noise-${i}`, T + i);
      if (i % 10 === 0) c.add('attacker', T + i);
    }
    expect(c.size).toBeLessThan(200);
    expect(c.top('all', 1, T + 100_000)[0]).toEqual({ key: 'attacker', count: 10_000 });
    expect(c.top('1m', 1, T + 100_000)[0]?.key).toBe('attacker');
    expect(c.other).toBeGreaterThan(90_000);
  });

  it('counts events without a time in `all` only', () => {
    const c = new KeyCounter(10);
    c.add('a', NaN);
    expect(c.top('all', 5, T)).toEqual([{ key: 'a', count: 1 }]);
    expect(c.top('1h', 5, T)).toEqual([]);
  });

  it('boundKey cuts hostile keys', () => {
    const k = boundKey('x'.repeat(10_000));
    expect(k.length).toBe(MAX_KEY_CHARS);
    expect(k.endsWith('…')).toBe(true);
    expect(boundKey('short')).toBe('short');
  });
});

describe('KeyCounter: windows of event time', () => {
  it('1m counts the last 50–60 s, 5m the last 290–300 s, 1h the last 58–60 min', () => {
    const c = new KeyCounter(50);
    c.add('an hour ago', T);
    c.add('ten minutes ago', T + 50 * 60_000);
    c.add('three minutes ago', T + 57 * 60_000);
    c.add('now', T + 60 * 60_000 - 1);
    const now = T + 60 * 60_000 - 1;
    const keys = (w: '1m' | '5m' | '1h' | 'all'): string[] => c.top(w, 10, now).map((e) => e.key).sort();
    expect(keys('1m')).toEqual(['now']);
    expect(keys('5m')).toEqual(['now', 'three minutes ago']);
    expect(keys('1h')).toEqual(['now', 'ten minutes ago', 'three minutes ago']);
    expect(keys('all').length).toBe(4);
  });

  it('the window slides with "now" even when a key gets no new counts', () => {
    const c = new KeyCounter(50);
    for (let s = 0; s < 30; s++) c.add('k', T + s * 1000);
    expect(c.top('1m', 1, T + 30_000)).toEqual([{ key: 'k', count: 30 }]);
    expect(c.top('1m', 1, T + 65_000)).toEqual([{ key: 'k', count: 20 }]); // buckets of 10–29 s remain
    expect(c.top('1m', 1, T + 10 * 60_000)).toEqual([]);
    expect(c.top('1h', 1, T + 10 * 60_000)).toEqual([{ key: 'k', count: 30 }]);
    expect(c.top('1h', 1, T + 3 * 3_600_000)).toEqual([]);
    expect(c.top('all', 1, T + 3 * 3_600_000)).toEqual([{ key: 'k', count: 30 }]);
  });

  it('reuses its slots after a long silence without resurrecting old counts', () => {
    const c = new KeyCounter(50);
    c.add('k', T);
    c.add('k', T + 7 * 3_600_000 + 5000);
    expect(c.top('1m', 1, T + 7 * 3_600_000 + 5000)).toEqual([{ key: 'k', count: 1 }]);
    expect(c.top('1h', 1, T + 7 * 3_600_000 + 5000)).toEqual([{ key: 'k', count: 1 }]);
  });

  it('late events inside the window count; events older than the slots are ignored in windows', () => {
    const c = new KeyCounter(50);
    c.add('k', T + 600_000);
    c.add('k', T + 590_000); // 10 s late: counts in 1m
    c.add('k', T); // 10 min late: not in 1m/5m, in 1h
    const now = T + 600_000;
    expect(c.top('1m', 1, now)[0]?.count).toBe(2);
    expect(c.top('5m', 1, now)[0]?.count).toBe(2);
    expect(c.top('1h', 1, now)[0]?.count).toBe(3);
    expect(c.top('all', 1, now)[0]?.count).toBe(3);
  });

  it('stays bounded under a flood of distinct keys in every window', () => {
    const c = new KeyCounter(64);
    for (let i = 0; i < 200_000; i++) {
      c.add(`ua-${i}`, T + i * 20);
      if (i % 5 === 0) c.add('steady', T + i * 20);
    }
    const now = T + 200_000 * 20;
    expect(c.size).toBeLessThan(128);
    for (const w of ['1m', '5m', '1h', 'all'] as const) expect(c.top(w, 1, now)[0]?.key).toBe('steady');
  });
});
