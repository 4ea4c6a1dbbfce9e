import { describe, expect, it } from 'vitest';
import { HashFilter, hashId, RowIndex } from '../../src/model/row-index.js';

interface R {
  auditID: string;
  seq: number;
}

/** A ring of rows by sequence number, as the engine's: the index must agree with a plain Map over it. */
function churn(base: number, keep: number, total: number, reuseEvery: number): void {
  const rows = new Map<number, R>();
  const index = new RowIndex<R>((seq) => rows.get(seq));
  const model = new Map<string, R>();
  let seq = base;
  for (let i = 0; i < total; i++) {
    // every reuseEvery-th request is a later stage of one still held: found, not added
    const held = [...model.keys()];
    const id = i % reuseEvery === 0 && held.length > 0 ? (held[(i * 7919) % held.length] as string) : `req-${i}-${(i * 2654435761) % 1e9}`;
    const found = index.get(id);
    expect(found).toBe(model.get(id));
    if (found !== undefined) continue;
    const r = { auditID: id, seq: seq++ };
    rows.set(r.seq, r);
    index.set(id, r.seq);
    model.set(id, r);
    if (rows.size > keep) {
      const oldest = rows.get(r.seq - keep) as R;
      rows.delete(oldest.seq);
      expect(index.delete(oldest.auditID, oldest.seq)).toBe(true);
      model.delete(oldest.auditID);
    }
    expect(index.size).toBe(model.size);
  }
  for (const [id, r] of model) expect(index.get(id)).toBe(r);
  expect(index.get('never-seen')).toBeUndefined();
}

describe('RowIndex (the engine’s auditID index)', () => {
  it('agrees with a Map through growth, churn and deletions', () => {
    churn(0, 3_000, 20_000, 5);
  });

  it('works past 2^31 sequence numbers (a long-running follow)', () => {
    churn(2 ** 40, 500, 3_000, 3);
  });

  it('does not delete a row that is not the one indexed for its id', () => {
    const rows = new Map<number, R>([[1, { auditID: 'a', seq: 1 }]]);
    const index = new RowIndex<R>((seq) => rows.get(seq));
    index.set('a', 1);
    expect(index.delete('a', 2)).toBe(false);
    expect(index.get('a')).toBe(rows.get(1));
    expect(index.delete('a', 1)).toBe(true);
    expect(index.get('a')).toBeUndefined();
    expect(index.size).toBe(0);
  });

  it('memory follows the rows held, not the rows ever seen', () => {
    const rows = new Map<number, R>();
    const index = new RowIndex<R>((seq) => rows.get(seq));
    for (let i = 0; i < 200_000; i++) {
      rows.set(i, { auditID: `id-${i}`, seq: i });
      index.set(`id-${i}`, i);
      if (i >= 1000) {
        const old = rows.get(i - 1000) as R;
        rows.delete(old.seq);
        index.delete(old.auditID, old.seq);
      }
    }
    expect(index.size).toBe(1000);
    // 12 bytes a slot, at most 4 slots a row held (never sized for the 200,000 seen)
    expect((index as unknown as { seqs: Float64Array }).seqs.length).toBeLessThanOrEqual(4 * 1024);
  });
});

describe('HashFilter', () => {
  it('never says no for a hash still added, and forgets one removed as often as added', () => {
    const f = new HashFilter();
    const held = new Map<number, number>();
    let x = 12345;
    for (let i = 0; i < 200_000; i++) {
      x = Math.imul(x ^ (x >>> 15), 0x2c1b3c6d) | 0;
      const h = hashId(`id-${x % 50_000}`);
      if ((held.get(h) ?? 0) > 0 && i % 3 === 0) {
        f.remove(h);
        held.set(h, (held.get(h) as number) - 1);
      } else {
        f.add(h);
        held.set(h, (held.get(h) ?? 0) + 1);
      }
      if (i % 20_000 === 0) for (const [k, n] of held) if (n > 0 && !f.mayHave(k)) throw new Error(`false no for ${k}`);
    }
    for (const [k, n] of held) for (let i = 0; i < n; i++) f.remove(k);
    for (const k of held.keys()) expect(f.mayHave(k)).toBe(false);
  });

  it('a slot counted past its top stays set rather than wrapping to a false no', () => {
    const f = new HashFilter();
    for (let i = 0; i < 70_000; i++) f.add(42);
    for (let i = 0; i < 69_999; i++) f.remove(42);
    expect(f.mayHave(42)).toBe(true);
  });
});
