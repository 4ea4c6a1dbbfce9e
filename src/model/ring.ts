/**
 * A bounded ring buffer with monotonic sequence numbers (the k9s log model).
 *
 * - `push` is O(1) and evicts the oldest item once `capacity` items are held.
 * - Optionally bounded by weight too (the engine weighs rows by their raw JSON bytes for
 *   `--buffer-bytes`): after a push, or after `addWeight` when an item grew, the oldest items are
 *   evicted until the total weight fits again. The newest item is always kept, even when it alone
 *   is heavier than the bound, so the latest request is never invisible.
 * - Every pushed item gets the next sequence number (0, 1, 2, …). The oldest held item has
 *   `firstSeq`, the newest `lastSeq`; consumers remember the last seq they saw and ask `since(seq)`.
 */
export interface RingOptions<T> {
  /** upper bound on the summed weight of the held items (default: unbounded) */
  maxWeight?: number;
  /** weight of one item; read once at push time (use addWeight when an item changes) */
  weigh?: (item: T) => number;
  /** called for every evicted item, oldest first, after it left the ring */
  onEvict?: (item: T) => void;
}

export class Ring<T> {
  readonly capacity: number;
  private readonly buf: (T | undefined)[];
  private readonly weights: Float64Array | null;
  private head = 0; // slot of the oldest item
  private count = 0;
  private nextSeq = 0;
  private totalWeight = 0;
  private readonly maxWeight: number;
  private readonly weigh: ((item: T) => number) | undefined;
  private readonly onEvict: ((item: T) => void) | undefined;

  constructor(capacity: number, opts: RingOptions<T> = {}) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError(`ring capacity must be a positive integer, got ${capacity}`);
    this.capacity = capacity;
    this.buf = new Array<T | undefined>(capacity);
    this.maxWeight = opts.maxWeight ?? Infinity;
    this.weigh = opts.weigh;
    this.onEvict = opts.onEvict;
    this.weights = opts.weigh ? new Float64Array(capacity) : null;
  }

  /** number of items held */
  get size(): number {
    return this.count;
  }

  /** summed weight of the held items (0 without a weigh function) */
  get weight(): number {
    return this.totalWeight;
  }

  /** sequence number of the oldest held item (== lastSeq + 1 when empty) */
  get firstSeq(): number {
    return this.nextSeq - this.count;
  }

  /** sequence number of the newest item (-1 before the first push) */
  get lastSeq(): number {
    return this.nextSeq - 1;
  }

  /**
   * Append an item; returns the item evicted to make room by count (undefined when none).
   * Items evicted for weight are reported through onEvict only.
   */
  push(item: T): T | undefined {
    let evicted: T | undefined;
    if (this.count === this.capacity) evicted = this.shift();
    const slot = (this.head + this.count) % this.capacity;
    this.buf[slot] = item;
    if (this.weights && this.weigh) {
      const w = this.weigh(item);
      this.weights[slot] = w;
      this.totalWeight += w;
    }
    this.count++;
    this.nextSeq++;
    this.trimWeight();
    return evicted;
  }

  /** Remove and return the oldest item. */
  shift(): T | undefined {
    if (this.count === 0) return undefined;
    const item = this.buf[this.head] as T;
    this.buf[this.head] = undefined;
    if (this.weights) {
      this.totalWeight -= this.weights[this.head] as number;
      this.weights[this.head] = 0;
    }
    this.head = (this.head + 1) % this.capacity;
    this.count--;
    if (this.count === 0) this.totalWeight = 0; // no float drift when empty
    this.onEvict?.(item);
    return item;
  }

  /**
   * The item with sequence number `seq` grew or shrank by `delta` (e.g. a later stage replaced a
   * request's raw JSON); evicts the oldest items if the weight bound is now exceeded.
   */
  addWeight(seq: number, delta: number): void {
    if (!this.weights) return;
    const i = seq - this.firstSeq;
    if (i < 0 || i >= this.count) return;
    const slot = (this.head + i) % this.capacity;
    this.weights[slot] = (this.weights[slot] as number) + delta;
    this.totalWeight += delta;
    this.trimWeight();
  }

  private trimWeight(): void {
    while (this.totalWeight > this.maxWeight && this.count > 1) this.shift();
  }

  /** i-th held item, 0 = oldest; undefined out of range */
  at(i: number): T | undefined {
    if (i < 0 || i >= this.count) return undefined;
    return this.buf[(this.head + i) % this.capacity];
  }

  /** the item with this sequence number, if still held */
  get(seq: number): T | undefined {
    return this.at(seq - this.firstSeq);
  }

  /** the newest `n` items, oldest first */
  latest(n: number): T[] {
    const k = Math.max(0, Math.min(n, this.count));
    const out = new Array<T>(k);
    for (let i = 0; i < k; i++) out[i] = this.at(this.count - k + i) as T;
    return out;
  }

  /** items pushed after sequence number `seq` that are still held, oldest first */
  since(seq: number): T[] {
    const from = Math.max(seq + 1, this.firstSeq);
    const out: T[] = [];
    for (let s = from; s <= this.lastSeq; s++) out.push(this.get(s) as T);
    return out;
  }

  /** newest first, without copying */
  *newestFirst(): IterableIterator<T> {
    for (let i = this.count - 1; i >= 0; i--) yield this.at(i) as T;
  }

  /** oldest first, without copying */
  *[Symbol.iterator](): IterableIterator<T> {
    for (let i = 0; i < this.count; i++) yield this.at(i) as T;
  }

  /** drop everything (sequence numbers keep counting up) */
  clear(): void {
    while (this.count > 0) this.shift();
  }
}
