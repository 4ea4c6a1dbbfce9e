import { describe, expect, it } from 'vitest';
import { SplitTimes } from '../../src/model/smi-pair.js';

describe('SplitTimes', () => {
  const values = [0, 1, -1, 1_763_596_800_123, -1_763_596_800_123, 2 ** 30, 2 ** 30 - 1, -(2 ** 30), 2 ** 53 - 1, 2 ** 60, 0.5, 1e-7, -0, NaN, Infinity, -Infinity, 1.7e308];
  it('gives back exactly the ts and receivedTs it was given', () => {
    for (const v of values) {
      const t = new SplitTimes();
      t.ts = v;
      t.receivedTs = v;
      expect(Object.is(t.ts, v), `ts ${v}`).toBe(true);
      expect(Object.is(t.receivedTs, v), `receivedTs ${v}`).toBe(true);
    }
  });

  it('gives back exactly the latency it was given (normalise rounds to µs, anything else kept too)', () => {
    for (const v of [...values, -1, 0.001, 12.345, 3_600_000.25, 1234.5678, 0.1 + 0.2, 2 ** 40 + 0.001]) {
      const t = new SplitTimes();
      t.latencyMs = v;
      expect(Object.is(t.latencyMs, v), `latencyMs ${v}`).toBe(true);
    }
  });

  it('starts as an absent event time and an unknown latency', () => {
    const t = new SplitTimes();
    expect(t.ts).toBeNaN();
    expect(t.receivedTs).toBeNaN();
    expect(t.latencyMs).toBe(-1);
  });

  it('a value that did not split does not leak into the others', () => {
    const t = new SplitTimes();
    t.ts = 0.5;
    t.receivedTs = 7;
    t.latencyMs = 1234.5678;
    t.ts = 8;
    expect([t.ts, t.receivedTs, t.latencyMs]).toEqual([8, 7, 1234.5678]);
  });
});
