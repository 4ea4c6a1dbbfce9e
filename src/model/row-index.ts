/**
 * The engine's auditID index: which buffered row holds each request, so that a later stage merges
 * into it.
 *
 * Why not a Map<string, Row>: every event looks its auditID up (most are not found: a new request)
 * and every new row is added and later removed, and with ~100k rows V8's Map spent ~0.7-1.2 µs per
 * event on it (hashing a fresh string, then cache misses through its bucket chains and key strings):
 * measured on the 1M-event bench, ~15% of the main thread. Here the table is two flat typed arrays
 * (a 32-bit FNV-1a hash and the row's sequence number per slot, linear probing), so a lookup that
 * finds nothing compares integers in one or two adjacent slots and never touches a row; a hash match
 * is confirmed against the row itself (`rowAt(seq).auditID`). Same contract as the Map it replaces.
 *
 * Memory: 12 bytes a slot, at most 4 slots a row (grown at half full, shrunk by the rebuilds that
 * clear deleted slots), so ~5 MB for the default 100,000-row buffer.
 */

const EMPTY = -1;
const DELETED = -2;
const MIN_CAPACITY = 1024;

/** 32-bit FNV-1a of a string's UTF-16 code units. */
export function hashId(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h | 0;
}

export class RowIndex<R extends { auditID: string }> {
  private hashes = new Int32Array(MIN_CAPACITY);
  /** sequence number of the row, or EMPTY / DELETED (Float64: sequence numbers outgrow 2^31) */
  private seqs = new Float64Array(MIN_CAPACITY).fill(EMPTY);
  private mask = MIN_CAPACITY - 1;
  private live = 0;
  private deleted = 0;

  /** `rowAt(seq)`: the buffered row with this sequence number, if still held */
  constructor(private readonly rowAt: (seq: number) => R | undefined) {}

  get size(): number {
    return this.live;
  }

  /** The row indexed for `id`, if any; `h` is hashId(id), when the caller has it already. */
  get(id: string, h = hashId(id)): R | undefined {
    const hashes = this.hashes;
    const seqs = this.seqs;
    const mask = this.mask;
    for (let s = h & mask; ; s = (s + 1) & mask) {
      const q = seqs[s] as number;
      if (q === EMPTY) return undefined;
      if (q >= 0 && hashes[s] === h) {
        const r = this.rowAt(q);
        if (r !== undefined && r.auditID === id) return r;
      }
    }
  }

  /** Index row `seq` under `id` (the caller has checked that no row is indexed for it); `h` as for get. */
  set(id: string, seq: number, h = hashId(id)): void {
    if ((this.live + this.deleted + 1) * 2 > this.seqs.length) this.rebuild();
    this.insert(h, seq);
    this.live++;
  }

  /** Remove row `seq` (indexed under `id`); false when that row is not the one indexed. `h` as for get. */
  delete(id: string, seq: number, h = hashId(id)): boolean {
    const seqs = this.seqs;
    const mask = this.mask;
    for (let s = h & mask; ; s = (s + 1) & mask) {
      const q = seqs[s] as number;
      if (q === EMPTY) return false;
      if (q === seq) {
        seqs[s] = DELETED;
        this.live--;
        this.deleted++;
        return true;
      }
    }
  }

  private insert(h: number, seq: number): void {
    const seqs = this.seqs;
    const mask = this.mask;
    let s = h & mask;
    // a deleted slot is reused only when it is free: probing must still pass over it for others
    while ((seqs[s] as number) >= 0) s = (s + 1) & mask;
    if (seqs[s] === DELETED) this.deleted--;
    seqs[s] = seq;
    this.hashes[s] = h;
  }

  /** A fresh table for the live entries: twice as big when they fill a quarter of it, else the same size. */
  private rebuild(): void {
    const oldHashes = this.hashes;
    const oldSeqs = this.seqs;
    let capacity = oldSeqs.length;
    if ((this.live + 1) * 4 > capacity) capacity *= 2;
    else if (this.live * 16 < capacity && capacity > MIN_CAPACITY) capacity /= 2;
    this.hashes = new Int32Array(capacity);
    this.seqs = new Float64Array(capacity).fill(EMPTY);
    this.mask = capacity - 1;
    this.deleted = 0;
    for (let s = 0; s < oldSeqs.length; s++) {
      const q = oldSeqs[s] as number;
      if (q >= 0) this.insert(oldHashes[s] as number, q);
    }
  }
}

const FILTER_SLOTS = 1 << 16;
const SATURATED = 0xffff;

/**
 * A counting filter of hashId values: `mayHave(h)` is false only when no string of that hash was
 * added (and not removed since). It spares the engine a Map lookup of each new request's auditID in
 * the ids of open requests that left the buffer (measured on the 1M-event bench: that lookup, of a
 * fresh string the Map must hash first, was ~40% of Engine.event's own time). 128 KB; with the
 * engine's bound of 100,000 ids about one lookup in five still goes to the Map when it is full, one
 * in a few hundred with the few thousand a busy cluster's watches leave there. A slot counted to the
 * top stays there (never a false "no"; only more lookups).
 */
export class HashFilter {
  private readonly counts = new Uint16Array(FILTER_SLOTS);

  mayHave(h: number): boolean {
    return this.counts[h & (FILTER_SLOTS - 1)] !== 0;
  }

  add(h: number): void {
    const s = h & (FILTER_SLOTS - 1);
    const c = this.counts[s] as number;
    if (c !== SATURATED) this.counts[s] = c + 1;
  }

  remove(h: number): void {
    const s = h & (FILTER_SLOTS - 1);
    const c = this.counts[s] as number;
    if (c !== SATURATED && c !== 0) this.counts[s] = c - 1;
  }
}
