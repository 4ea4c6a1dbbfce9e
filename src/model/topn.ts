/**
 * Counting keys with bounded memory, over all time and over sliding windows of event time.
 *
 * Cardinality bound (why the maps cannot grow without limit): a log can carry any number of distinct
 * user agents, source IPs or user names (a hostile client can send a new user agent per request).
 * Every map here holds at most `2 × keep` keys: when it reaches that, it keeps the `keep` keys with
 * the largest counts and folds the rest into `other`. This is lossy counting: a key that keeps
 * appearing survives every prune (its count stays above the long tail), so heavy hitters are still
 * ranked, while a flood of one-off keys costs at most a constant amount of memory. Below `2 × keep`
 * distinct keys the counts are exact. Keys are also cut to MAX_KEY_CHARS, so one key's size is bounded.
 */
import type { TopEntry } from './types.js';

/** Longest key counted; a longer value (a hostile user agent) is cut and marked with "…". */
export const MAX_KEY_CHARS = 256;

export function boundKey(key: string): string {
  return key.length > MAX_KEY_CHARS ? `${key.slice(0, MAX_KEY_CHARS - 1)}…` : key;
}

/** A count per key with a bounded number of keys (see the file comment). */
export class BoundedCounter {
  readonly counts = new Map<string, number>();
  /** total count of keys folded away by pruning */
  other = 0;

  /** `onFold` hears each key folded into `other` by a prune (windows keep their totals in step) */
  constructor(
    readonly keep: number,
    private readonly onFold?: (key: string, count: number) => void,
  ) {}

  add(key: string, n = 1): void {
    const c = this.counts.get(key);
    if (c !== undefined) {
      this.counts.set(key, c + n);
      return;
    }
    this.counts.set(key, n);
    if (this.counts.size >= 2 * this.keep) this.prune();
  }

  /** Subtract (window expiry); keys that reach 0 are dropped, unknown keys are ignored. */
  sub(key: string, n: number): void {
    const c = this.counts.get(key);
    if (c === undefined) {
      this.other = Math.max(0, this.other - n);
      return;
    }
    if (c <= n) this.counts.delete(key);
    else this.counts.set(key, c - n);
  }

  get size(): number {
    return this.counts.size;
  }

  top(n: number): TopEntry[] {
    return topOf(this.counts, n);
  }

  private prune(): void {
    const entries = [...this.counts.entries()].sort((a, b) => b[1] - a[1]);
    for (let i = this.keep; i < entries.length; i++) {
      const [k, c] = entries[i] as [string, number];
      this.other += c;
      this.counts.delete(k);
      this.onFold?.(k, c);
    }
  }
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

interface Bucket {
  /** bucket index: floor(ts / bucketMs) */
  idx: number;
  counts: BoundedCounter;
}

/**
 * Counts per key over the last `windowMs` of event time, in buckets of `bucketMs`.
 * The window covers the bucket holding "now" and the whole buckets before it back to now − windowMs,
 * so a 1 m window with 10 s buckets counts the last 60–70 s: granularity is one bucket.
 * Events older than the window (time going backwards) are not counted in it.
 */
export class WindowCounter {
  private readonly buckets: Bucket[] = [];
  private readonly totals: BoundedCounter;
  private nowIdx = -Infinity;

  constructor(
    readonly windowMs: number,
    readonly bucketMs: number,
    readonly keep: number,
  ) {
    this.totals = new BoundedCounter(keep);
  }

  private bucket(idx: number): Bucket {
    // A key a bucket folds away leaves the window's totals too (it moves to their `other`), so
    // totals always equal the sum of the live buckets' counts.
    return {
      idx,
      counts: new BoundedCounter(this.keep, (k, c) => {
        this.totals.sub(k, c);
        this.totals.other += c;
      }),
    };
  }

  /** oldest bucket index still inside the window when "now" is in bucket `nowIdx` */
  private minIdx(): number {
    return this.nowIdx - Math.ceil(this.windowMs / this.bucketMs);
  }

  add(key: string, ts: number, n = 1): void {
    const idx = Math.floor(ts / this.bucketMs);
    if (idx > this.nowIdx) this.advance(ts);
    if (idx <= this.minIdx()) return;
    let b: Bucket | undefined;
    for (let i = this.buckets.length - 1; i >= 0; i--) {
      const x = this.buckets[i] as Bucket;
      if (x.idx === idx) {
        b = x;
        break;
      }
      if (x.idx < idx) {
        b = this.bucket(idx);
        this.buckets.splice(i + 1, 0, b);
        break;
      }
    }
    if (!b) {
      b = this.bucket(idx);
      this.buckets.unshift(b);
    }
    // totals first: a prune in the bucket may fold this very key and subtract it from totals
    this.totals.add(key, n);
    b.counts.add(key, n);
  }

  /** Move "now" forward to `ts` (never backwards) and drop buckets that left the window. */
  advance(ts: number): void {
    const idx = Math.floor(ts / this.bucketMs);
    if (!(idx > this.nowIdx)) return;
    this.nowIdx = idx;
    const min = this.minIdx();
    while (this.buckets.length > 0 && (this.buckets[0] as Bucket).idx <= min) {
      const b = this.buckets.shift() as Bucket;
      for (const [k, c] of b.counts.counts) this.totals.sub(k, c);
      this.totals.other = Math.max(0, this.totals.other - b.counts.other);
    }
  }

  top(n: number): TopEntry[] {
    return this.totals.top(n);
  }

  /** distinct keys held (bounded) */
  get size(): number {
    return this.totals.size;
  }

  get bucketCount(): number {
    return this.buckets.length;
  }
}
