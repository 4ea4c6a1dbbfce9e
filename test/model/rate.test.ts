import { describe, expect, it } from 'vitest';
import { RATE_SECONDS, RateSeries } from '../../src/model/rate.js';

describe('RateSeries', () => {
  const T = 1_700_000_000_000;
  it('gives per-second counts ending at the latest second, oldest first', () => {
    const r = new RateSeries();
    r.add(T);
    r.add(T + 10);
    r.add(T + 2000);
    expect(r.series(3)).toEqual([2, 0, 1]);
    expect(r.series(5)).toEqual([0, 0, 2, 0, 1]);
  });
  it('is empty before any event and ignores NaN', () => {
    const r = new RateSeries();
    r.add(NaN);
    expect(r.series(3)).toEqual([0, 0, 0]);
  });
  it('reuses its slots: old seconds read as 0 once overwritten or out of range', () => {
    const r = new RateSeries();
    r.add(T);
    r.add(T + RATE_SECONDS * 1000 + 5000);
    const s = r.series(RATE_SECONDS);
    expect(s.length).toBe(RATE_SECONDS);
    expect(s.reduce((a, b) => a + b, 0)).toBe(1);
    r.add(T); // far in the past now: ignored
    expect(r.series(RATE_SECONDS).reduce((a, b) => a + b, 0)).toBe(1);
  });
  it('counts late events in their own second', () => {
    const r = new RateSeries();
    r.add(T + 5000);
    r.add(T + 3000);
    expect(r.series(3)).toEqual([1, 0, 1]);
  });
});
