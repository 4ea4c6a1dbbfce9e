/**
 * Bounded state for rules. Every structure here has a hard cap: a log can carry any number of
 * distinct users, IPs and auditIDs, and auditop runs for days on a control-plane node.
 * Time is always EVENT time passed in by the caller (the injected clock), so replay at any speed
 * raises the same alerts.
 */

/**
 * A Map that forgets its least recently written key past `cap` (Map keeps insertion order; a write
 * re-inserts the key at the end).
 */
export class BoundedMap<K, V> {
  private readonly m = new Map<K, V>();
  evictions = 0;
  constructor(readonly cap: number) {}

  get(k: K): V | undefined {
    return this.m.get(k);
  }

  set(k: K, v: V): void {
    if (this.m.has(k)) this.m.delete(k);
    else if (this.m.size >= this.cap) {
      const oldest = this.m.keys().next();
      if (!oldest.done) this.m.delete(oldest.value);
      this.evictions++;
    }
    this.m.set(k, v);
  }

  delete(k: K): void {
    this.m.delete(k);
  }

  get size(): number {
    return this.m.size;
  }

  get capacity(): number {
    return this.cap;
  }
}

/**
 * Membership of recently added keys, bounded by two generations: when the current generation fills
 * up it becomes the previous one and the older one is dropped. O(1) per operation, no per-key
 * bookkeeping, and a key is remembered for at least `cap / 2` later additions.
 */
export class RecentSet {
  private cur = new Set<string>();
  private prev = new Set<string>();
  constructor(readonly cap: number) {}

  has(k: string): boolean {
    return this.cur.has(k) || this.prev.has(k);
  }

  add(k: string): void {
    if (this.cur.size >= this.cap / 2) {
      this.prev = this.cur;
      this.cur = new Set();
    }
    this.cur.add(k);
  }

  get size(): number {
    return this.cur.size + this.prev.size;
  }
}

interface Buckets {
  /** bucket number held in each slot (ts / width) */
  idx: Float64Array;
  counts: Float64Array;
  latest: number;
}

/**
 * Count per key over a sliding window of event time, kept in `buckets` slots per key (the window
 * edge moves in steps of window/buckets: exact enough for thresholds, and O(buckets) memory per key
 * whatever the rate). Keys are bounded by `maxKeys`.
 */
export class WindowCounter {
  private readonly keys: BoundedMap<string, Buckets>;
  get capacity(): number {
    return this.keys.capacity;
  }
  private readonly width: number;

  constructor(
    readonly windowMs: number,
    maxKeys: number,
    private readonly buckets = 12,
  ) {
    this.keys = new BoundedMap(maxKeys);
    this.width = windowMs / buckets;
  }

  /** Add `n` at event time `ts`; returns the count in the window ending at the key's latest time. */
  add(key: string, ts: number, n = 1): number {
    let b = this.keys.get(key);
    if (b === undefined) {
      b = { idx: new Float64Array(this.buckets).fill(-1), counts: new Float64Array(this.buckets), latest: ts };
      this.keys.set(key, b);
    } else if (this.keys.size > 1) {
      // keep recently active keys at the end so eviction drops idle ones
      this.keys.set(key, b);
    }
    // Events of one log arrive in roughly stageTimestamp order; a late one counts at the latest time.
    if (ts > b.latest) b.latest = ts;
    const now = Math.floor(b.latest / this.width);
    const slot = now % this.buckets;
    if (b.idx[slot] !== now) {
      b.idx[slot] = now;
      b.counts[slot] = 0;
    }
    (b.counts as Float64Array)[slot] = (b.counts[slot] as number) + n;
    let sum = 0;
    for (let i = 0; i < this.buckets; i++) {
      const k = b.idx[i] as number;
      if (k > now - this.buckets && k <= now) sum += b.counts[i] as number;
    }
    return sum;
  }

  get size(): number {
    return this.keys.size;
  }
}

/**
 * Distinct values per key over a sliding window of event time. Per key at most `maxValues` values are
 * kept (a rule only needs to know the threshold was reached), and at most `maxKeys` keys.
 */
export class DistinctCounter {
  private readonly keys: BoundedMap<string, Map<string, number>>;
  get capacity(): number {
    return this.keys.capacity;
  }

  constructor(
    readonly windowMs: number,
    maxKeys: number,
    readonly maxValues: number,
  ) {
    this.keys = new BoundedMap(maxKeys);
  }

  /** Record `value` for `key` at `ts`; returns how many distinct values the window holds. */
  add(key: string, value: string, ts: number): number {
    let m = this.keys.get(key);
    if (m === undefined) m = new Map();
    this.keys.set(key, m);
    // Map order is last-seen order (delete + set), so stale values are always at the front.
    m.delete(value);
    m.set(value, ts);
    const cutoff = ts - this.windowMs;
    for (const [v, t] of m) {
      if (t > cutoff && m.size <= this.maxValues) break;
      m.delete(v);
    }
    return m.size;
  }

  get size(): number {
    return this.keys.size;
  }
}

/**
 * "Fire once per key per period": after a burst alert the same key stays quiet for the period, so a
 * burst is one alert, not one per request above the threshold.
 */
export class Cooldown {
  private readonly until: BoundedMap<string, number>;
  get capacity(): number {
    return this.until.capacity;
  }
  constructor(
    readonly periodMs: number,
    maxKeys: number,
  ) {
    this.until = new BoundedMap(maxKeys);
  }

  /** true (and starts the quiet period) when `key` may fire at `ts`. */
  take(key: string, ts: number): boolean {
    const u = this.until.get(key);
    if (u !== undefined && ts < u) return false;
    this.until.set(key, ts + this.periodMs);
    return true;
  }

  get size(): number {
    return this.until.size;
  }
}

/** Anything keyed a rule keeps: the engine lists them so tests can check every one stays bounded. */
export interface Bounded {
  readonly size: number;
  readonly capacity: number;
}

/** How rules get their state: every structure is created with the engine's key cap and registered. */
export interface StateFactory {
  /** count per key over a sliding window of event time */
  counter(windowMs: number): WindowCounter;
  /** distinct values per key over a sliding window (at most maxValues kept per key) */
  distinct(windowMs: number, maxValues: number): DistinctCounter;
  /** fire once per key per period */
  cooldown(periodMs: number): Cooldown;
  /** per-key records; `scale` multiplies the key cap (first-seen times need more than counters) */
  map<V>(scale?: number): BoundedMap<string, V>;
}

export function stateFactory(maxKeys: number, register: (s: Bounded) => void): StateFactory {
  const keep = <T extends Bounded>(s: T): T => {
    register(s);
    return s;
  };
  return {
    counter: (w) => keep(new WindowCounter(w, maxKeys)),
    distinct: (w, v) => keep(new DistinctCounter(w, maxKeys, v)),
    cooldown: (p) => keep(new Cooldown(p, maxKeys)),
    map: <V>(scale = 1) => keep(new BoundedMap<string, V>(maxKeys * scale)),
  };
}
