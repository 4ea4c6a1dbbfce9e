import { describe, expect, it } from 'vitest';
import { Interner, MAX_INTERNED } from '../../src/model/intern.js';
import { mkEvent } from './events.js';

describe('Interner', () => {
  it('returns one shared copy of equal strings, leaving values unchanged', () => {
    const i = new Interner();
    const a = i.str(['kube', 'let'].join(''));
    const b = i.str(['ku', 'belet'].join(''));
    expect(a).toBe('kubelet');
    expect(b).toBe(a);
  });

  it('shares a user’s groups list while it stays the same, and never lets it be mutated', () => {
    const i = new Interner();
    const g1 = i.groups('alice', ['sre', 'system:authenticated']);
    const g2 = i.groups('alice', ['sre', 'system:authenticated']);
    expect(g2).toBe(g1);
    expect(Object.isFrozen(g1)).toBe(true);
    const g3 = i.groups('alice', ['sre']);
    expect(g3).toEqual(['sre']);
    expect(i.groups('bob', [])).toEqual([]);
  });

  it('interning an event keeps every field value', () => {
    const i = new Interner();
    const ev = mkEvent({ user: 'u', groups: ['g'], userAgent: 'ua', verb: 'get', namespace: 'ns' });
    const before = { ...ev, groups: [...ev.groups] };
    i.event(ev);
    expect({ ...ev, groups: [...ev.groups] }).toEqual(before);
  });

  it('is bounded: a flood of distinct values does not grow the table past its cap', () => {
    const i = new Interner();
    for (let n = 0; n < MAX_INTERNED * 3; n++) i.str(`ua-${n}`);
    expect((i as unknown as { table: Map<string, string> }).table.size).toBeLessThanOrEqual(MAX_INTERNED);
  });
});
