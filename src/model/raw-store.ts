/**
 * Where buffered events keep their raw JSON: UTF-8 bytes in large off-heap slabs instead of one JS
 * string per event.
 *
 * Why (measured on the 1M-event bench, 100k ring): a raw line kept as a string survives the young
 * generation, is copied twice and promoted, and when its row is evicted it becomes old-generation
 * garbage that V8 lets pile up to ~4× the live heap before a full collection: the replay peaked at
 * ~900 MB RSS for ~200 MB of live data. In slabs the line string dies young; the old generation
 * only holds the small per-event records.
 *
 * Rows are evicted in arrival order, so slabs empty in order too: each slab counts the live bytes
 * it holds and goes back to a small free pool when that reaches 0. Memory is the live raw bytes
 * (bounded by --buffer-bytes through the ring) plus about one slab per lane.
 *
 * Slabs written by the decode worker (src/ingest/batch-codec.ts) are shared memory: the worker writes
 * each event's bytes into one of its own two lanes, the main thread only counts the live bytes, and
 * a slab that empties once the worker has sealed it goes back to the worker by id (takeFreedShared)
 * to be written again. The main thread then never copies a replayed event's bytes.
 *
 * Two lanes: the raw of a RequestReceived event is usually replaced within a second by its
 * completion's, and in one shared slab those dead bytes stayed until every row around them was
 * evicted (measured, bench traffic, 100k rows: 147 MB of slabs for 120 MB of live bytes). Kept in a
 * lane of their own ("transient"), they fill slabs that mostly empty soon after and are reused.
 */

/**
 * 2 MiB: ~1,900 typical lines per slab, small enough that the partly used slabs (two lanes each for
 * this thread and the decode worker) waste little. Measured, 1M-event bench replay, peak RSS:
 * 380-385 MB against 386-390 MB with 4 MiB.
 */
export const SLAB_BYTES = 2 * 1024 * 1024;
/** Empty slabs kept for reuse instead of freed (allocating a slab costs a page-faulting memset). */
const FREE_SLABS_KEPT = 2;

/** Whether an event of this stage is likely to be replaced soon by a later stage of its request. */
export function isTransient(stage: string): boolean {
  return stage === 'RequestReceived';
}

export class Slab {
  used = 0;
  live = 0;
  /** still being written (a lane's current slab, or a shared slab the worker has not sealed): kept even when empty */
  writing = true;
  /** a slab the decode worker writes (shared memory): its id, handed back when it empties; -1 for our own */
  sharedId = -1;
  /** `store`: the store the slab belongs to (so a stored event needs no field of its own for it) */
  constructor(
    readonly buf: Buffer,
    readonly store: RawStore,
  ) {}
}

/** A stored string: its slab, byte offset and byte length. */
export interface RawRef {
  slab: Slab;
  off: number;
  len: number;
}

export class RawStore {
  /** the slab being filled, per lane: 0 = long-lived rows, 1 = transient (see above) */
  private current: Slab | null = null;
  private currentTransient: Slab | null = null;
  private readonly free: Buffer[] = [];
  /** slabs holding live bytes (the current one included) */
  private slabCount = 0;
  private slabBytes = 0;
  /** ids of shared slabs that emptied after being sealed: the worker may write them again */
  private freedShared: number[] = [];

  constructor(private readonly slabSize = SLAB_BYTES) {}

  /**
   * Store `s`; `out` receives where (written into, so the caller's record needs no extra object).
   * `transient`: likely replaced soon (a RequestReceived stage), kept in the other lane.
   */
  put(s: string, out: { slab: Slab; off: number; len: number }, transient = false): void {
    // A UTF-16 code unit is at most 3 UTF-8 bytes: with that much room the write cannot fall short,
    // and it returns the exact length (cheaper than measuring the string first).
    const worst = s.length * 3;
    // a line bigger than a slab (a large RequestResponse body) gets a slab of its own
    const slab = worst > this.slabSize ? this.room(Buffer.byteLength(s, 'utf8'), transient) : this.room(worst, transient);
    const off = slab.used;
    const len = slab.buf.write(s, off, 'utf8');
    slab.used += len;
    slab.live += len;
    out.slab = slab;
    out.off = off;
    out.len = len;
  }

  /**
   * Store `len` UTF-8 bytes of `buf` from `from` (the decode worker's batches carry each event's JSON
   * as bytes: a memcpy here instead of decoding to a string and encoding it back).
   */
  putBytes(buf: Buffer, from: number, len: number, out: { slab: Slab; off: number; len: number }, transient = false): void {
    const slab = this.room(len, transient);
    const off = slab.used;
    buf.copy(slab.buf, off, from, from + len);
    slab.used += len;
    slab.live += len;
    out.slab = slab;
    out.off = off;
    out.len = len;
  }

  /** A slab of the lane with at least `worst` free bytes (a new one when the current one is short). */
  private room(worst: number, transient: boolean): Slab {
    const old = transient ? this.currentTransient : this.current;
    if (old !== null && old.buf.length - old.used >= worst) return old;
    // a value bigger than a slab (a large RequestResponse body) gets a slab of its own
    if (worst > this.slabSize) {
      const own = this.newSlab(worst);
      own.writing = false;
      return own;
    }
    const fresh = this.newSlab(0);
    if (transient) this.currentTransient = fresh;
    else this.current = fresh;
    if (old !== null) {
      old.writing = false;
      if (old.live === 0) this.retire(old);
    }
    return fresh;
  }

  get(ref: RawRef): string {
    return ref.slab.buf.toString('utf8', ref.off, ref.off + ref.len);
  }

  /** The bytes of `ref` are no longer needed (its row was evicted or replaced by a later stage). */
  release(ref: RawRef): void {
    const slab = ref.slab;
    slab.live -= ref.len;
    if (slab.live === 0 && !slab.writing) this.retire(slab);
  }

  /** A slab the decode worker writes (shared memory, see the top of this file), counted from now on. */
  addShared(id: number, buf: Buffer): Slab {
    this.slabCount++;
    this.slabBytes += buf.length;
    const slab = new Slab(buf, this);
    slab.sharedId = id;
    return slab;
  }

  /** `len` bytes of a shared slab now belong to a buffered event (released with release()). */
  adoptShared(slab: Slab, len: number): void {
    slab.live += len;
  }

  /** The worker will write no more into this shared slab: it is retired as soon as it is empty. */
  sealShared(slab: Slab): void {
    slab.writing = false;
    if (slab.live === 0) this.retire(slab);
  }

  /** Ids of the shared slabs emptied since the last call (for the worker to reuse). */
  takeFreedShared(): number[] {
    if (this.freedShared.length === 0) return NO_IDS;
    const ids = this.freedShared;
    this.freedShared = [];
    return ids;
  }

  /** bytes of slab memory held (live data plus the unused and dead parts of live slabs) */
  get bytes(): number {
    return this.slabBytes;
  }

  get slabs(): number {
    return this.slabCount;
  }

  private newSlab(len: number): Slab {
    this.slabCount++;
    if (len > this.slabSize) {
      // a line bigger than a slab (a large RequestResponse body) gets a slab of its own
      this.slabBytes += len;
      return new Slab(Buffer.allocUnsafeSlow(len), this);
    }
    this.slabBytes += this.slabSize;
    return new Slab(this.free.pop() ?? Buffer.allocUnsafeSlow(this.slabSize), this);
  }

  private retire(slab: Slab): void {
    this.slabCount--;
    this.slabBytes -= slab.buf.length;
    if (slab.sharedId >= 0) {
      this.freedShared.push(slab.sharedId);
      return;
    }
    if (slab.buf.length === this.slabSize && this.free.length < FREE_SLABS_KEPT) this.free.push(slab.buf);
  }
}

const NO_IDS: number[] = Object.freeze([]) as unknown as number[];
