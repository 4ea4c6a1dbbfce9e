import { describe, expect, it } from 'vitest';
import { Ring } from '../../src/model/ring.js';

describe('Ring', () => {
  it('keeps the newest `capacity` items and returns the one it evicts', () => {
    const r = new Ring<number>(3);
    expect(r.push(1)).toBeUndefined();
    r.push(2);
    r.push(3);
    expect(r.push(4)).toBe(1);
    expect([...r]).toEqual([2, 3, 4]);
    expect(r.size).toBe(3);
    expect(r.capacity).toBe(3);
  });

  it('numbers items with monotonic sequence numbers', () => {
    const r = new Ring<string>(2);
    expect(r.lastSeq).toBe(-1);
    expect(r.firstSeq).toBe(0);
    r.push('a');
    r.push('b');
    r.push('c');
    expect(r.firstSeq).toBe(1);
    expect(r.lastSeq).toBe(2);
    expect(r.get(0)).toBeUndefined();
    expect(r.get(1)).toBe('b');
    expect(r.get(2)).toBe('c');
  });

  it('since(seq) returns what a consumer has not seen yet, even across eviction', () => {
    const r = new Ring<number>(4);
    for (let i = 0; i < 3; i++) r.push(i);
    const seen = r.lastSeq; // 2
    r.push(3);
    r.push(4);
    expect(r.since(seen)).toEqual([3, 4]);
    for (let i = 5; i < 20; i++) r.push(i);
    // the consumer fell behind further than the ring holds: it gets what is still there
    expect(r.since(seen)).toEqual([16, 17, 18, 19]);
    expect(r.since(r.lastSeq)).toEqual([]);
  });

  it('at, latest and newest-first iteration', () => {
    const r = new Ring<number>(5);
    for (let i = 0; i < 7; i++) r.push(i);
    expect(r.at(0)).toBe(2);
    expect(r.at(4)).toBe(6);
    expect(r.at(5)).toBeUndefined();
    expect(r.at(-1)).toBeUndefined();
    expect(r.latest(2)).toEqual([5, 6]);
    expect(r.latest(99)).toEqual([2, 3, 4, 5, 6]);
    expect([...r.newestFirst()]).toEqual([6, 5, 4, 3, 2]);
  });

  it('is bounded by weight, evicting oldest first, but always keeps the newest item', () => {
    const evicted: string[] = [];
    const r = new Ring<string>(100, { maxWeight: 10, weigh: (s) => s.length, onEvict: (s) => evicted.push(s) });
    r.push('aaaa');
    r.push('bbbb');
    expect(r.weight).toBe(8);
    r.push('cccc');
    expect([...r]).toEqual(['bbbb', 'cccc']);
    expect(evicted).toEqual(['aaaa']);
    r.push('x'.repeat(50));
    expect([...r]).toEqual(['x'.repeat(50)]);
    expect(r.weight).toBe(50);
  });

  it('addWeight re-applies the weight bound when an item grows', () => {
    const r = new Ring<{ n: number }>(10, { maxWeight: 10, weigh: (x) => x.n });
    const a = { n: 3 };
    r.push(a);
    r.push({ n: 3 });
    r.push({ n: 3 });
    r.addWeight(r.lastSeq, 4); // newest grows 3 → 7: total 13 > 10
    expect(r.size).toBe(2);
    expect(r.weight).toBe(10);
    r.addWeight(0, 100); // no longer held: ignored
    expect(r.weight).toBe(10);
  });

  it('evicts by count through onEvict too', () => {
    const evicted: number[] = [];
    const r = new Ring<number>(2, { onEvict: (x) => evicted.push(x) });
    for (let i = 0; i < 5; i++) r.push(i);
    expect(evicted).toEqual([0, 1, 2]);
  });

  it('rejects a capacity below 1', () => {
    expect(() => new Ring(0)).toThrow(RangeError);
  });
});
