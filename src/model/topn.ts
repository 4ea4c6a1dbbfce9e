/**
 * Counting keys (users, verbs, …) over all time and over sliding windows of event time, with
 * bounded memory and one Map lookup per counted request.
 *
 * Layout: one Map per dimension from key to a KeyCounts record holding its all-time count and two
 * small rings of per-bucket counts: 10 s buckets (enough for the 1 m and 5 m windows) and 2 min
 * buckets (the 1 h window). A window's top-N is computed when asked (the screen asks ~10×/s for one
 * dimension), summing the buckets inside the window: granularity is one bucket, so "1m" counts the
 * last 50–60 s, "5m" the last 290–300 s and "1h" the last 58–60 min of event time.
 *
 * Cardinality bound (why the maps cannot grow without limit): a log can carry any number of distinct
 * user agents, source IPs or user names (a hostile client can send a new user agent per request).
 * A dimension holds at most `2 × keep` keys: when it reaches that, it keeps the `keep` keys with the
 * most requests in the last hour (then all time) and folds the rest into `other`. This is lossy
 * counting: a key that keeps appearing survives every prune, so heavy hitters are still ranked, while
 * a flood of one-off keys costs a constant amount of memory. Below `2 × keep` distinct keys every
 * count is exact. Keys are also cut to MAX_KEY_CHARS, so one key's size is bounded too.
 */
import type { TopEntry, Window } from './types.js';

/** Longest key counted; a longer value (a hostile user agent) is cut and marked with "…". */
export const MAX_KEY_CHARS = 256;

export function boundKey(key: string): string {
  return key.length > MAX_KEY_CHARS ? `${key.slice(0, MAX_KEY_CHARS - 1)}…` : key;
}

/** Bucket sizes: fine buckets serve 1m and 5m, coarse buckets serve 1h. */
export const FINE_BUCKET_MS = 10_000;
export const COARSE_BUCKET_MS = 120_000;
/** Slots per ring (a power of two, ≥ the buckets of the longest window it serves + 1). */
const SLOTS = 32;
const MASK = SLOTS - 1;

/** Buckets (before the current one) each window covers. */
const WINDOW_BUCKETS: Record<Exclude<Window, 'all'>, { coarse: boolean; buckets: number }> = {
  '1m': { coarse: false, buckets: 60_000 / FINE_BUCKET_MS },
  '5m': { coarse: false, buckets: 300_000 / FINE_BUCKET_MS },
  '1h': { coarse: true, buckets: 3_600_000 / COARSE_BUCKET_MS },
};

interface KeyCounts {
  all: number;
  /** bucket index of the newest fine / coarse slot written (-Infinity before the first) */
  fineLast: number;
  coarseLast: number;
  /** [0, SLOTS) fine slots, [SLOTS, 2·SLOTS) coarse slots, indexed by bucket index mod SLOTS */
  slots: Uint32Array;
}

export class KeyCounter {
  private readonly keys = new Map<string, KeyCounts>();
  /** requests folded away by pruning (all time) */
  other = 0;

  /** `keep`: keys kept by a prune; the map never holds 2 × keep keys */
  constructor(readonly keep: number) {}

  get size(): number {
    return this.keys.size;
  }

  /** Count one request for `key` at event time `ts` (ms); NaN/-Infinity times count in `all` only. */
  add(key: string, ts: number): void {
    let k = this.keys.get(key);
    if (k === undefined) {
      if (this.keys.size + 1 >= 2 * this.keep) this.prune(ts);
      k = { all: 0, fineLast: -Infinity, coarseLast: -Infinity, slots: new Uint32Array(2 * SLOTS) };
      this.keys.set(key, k);
    }
    k.all++;
    if (!Number.isFinite(ts)) return;
    const f = Math.floor(ts / FINE_BUCKET_MS);
    if (f > k.fineLast) {
      clearSlots(k.slots, 0, k.fineLast, f);
      k.fineLast = f;
    }
    if (f > k.fineLast - SLOTS) inc(k.slots, f & MASK);
    const c = Math.floor(ts / COARSE_BUCKET_MS);
    if (c > k.coarseLast) {
      clearSlots(k.slots, SLOTS, k.coarseLast, c);
      k.coarseLast = c;
    }
    if (c > k.coarseLast - SLOTS) inc(k.slots, SLOTS + (c & MASK));
  }

  /** The `n` busiest keys over `window`, "now" being `nowTs` (the latest event time), count desc then key. */
  top(window: Window, n: number, nowTs: number): TopEntry[] {
    const counts = new Map<string, number>();
    for (const [key, k] of this.keys) {
      const c = window === 'all' ? k.all : windowCount(k, window, nowTs);
      if (c > 0) counts.set(key, c);
    }
    return topOf(counts, n);
  }

  /** keys with a count in the window (for stats and tests) */
  sizeIn(window: Window, nowTs: number): number {
    if (window === 'all') return this.keys.size;
    let n = 0;
    for (const k of this.keys.values()) if (windowCount(k, window, nowTs) > 0) n++;
    return n;
  }

  private prune(ts: number): void {
    const now = Number.isFinite(ts) ? ts : -Infinity;
    const scored = [...this.keys.entries()].map(([key, k]) => ({ key, k, recent: Number.isFinite(now) ? windowCount(k, '1h', now) : 0 }));
    scored.sort((a, b) => b.recent - a.recent || b.k.all - a.k.all);
    for (let i = this.keep; i < scored.length; i++) {
      const s = scored[i] as (typeof scored)[number];
      this.other += s.k.all;
      this.keys.delete(s.key);
    }
  }
}

function inc(slots: Uint32Array, i: number): void {
  slots[i] = (slots[i] as number) + 1;
}

/** Zero the slots of buckets (last, next] in the ring starting at `base` (all of them after a long gap). */
function clearSlots(slots: Uint32Array, base: number, last: number, next: number): void {
  if (!(next - last < SLOTS)) {
    slots.fill(0, base, base + SLOTS);
    return;
  }
  for (let b = last + 1; b <= next; b++) slots[base + (b & MASK)] = 0;
}

function windowCount(k: KeyCounts, window: Exclude<Window, 'all'>, nowTs: number): number {
  const spec = WINDOW_BUCKETS[window];
  const size = spec.coarse ? COARSE_BUCKET_MS : FINE_BUCKET_MS;
  const last = spec.coarse ? k.coarseLast : k.fineLast;
  const base = spec.coarse ? SLOTS : 0;
  const nowIdx = Math.floor(nowTs / size);
  const from = Math.max(nowIdx - spec.buckets + 1, last - SLOTS + 1);
  const to = Math.min(nowIdx, last);
  let sum = 0;
  for (let b = from; b <= to; b++) sum += k.slots[base + (b & MASK)] as number;
  return sum;
}

/** The `n` largest entries, count descending then key ascending (stable output for tests and diffs). */
export function topOf(counts: Map<string, number>, n: number): TopEntry[] {
  const out: TopEntry[] = [];
  if (n <= 0) return out;
  for (const [key, count] of counts) {
    if (out.length === n) {
      const last = out[n - 1] as TopEntry;
      if (count < last.count || (count === last.count && key > last.key)) continue;
      out.pop();
    }
    // insertion into a short sorted list: n is ~10
    let i = out.length;
    while (i > 0) {
      const p = out[i - 1] as TopEntry;
      if (p.count > count || (p.count === count && p.key < key)) break;
      i--;
    }
    out.splice(i, 0, { key, count });
  }
  return out;
}
