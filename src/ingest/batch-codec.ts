/**
 * How decoded events cross from the decode worker to the main thread (src/ingest/offload.ts) cheaply.
 *
 * Structured-cloning event objects costs ~7 µs per event, as much as decoding them. Instead one batch
 * (one read chunk, ~1,000 events) travels as a few flat pieces that postMessage moves as memcpys or
 * transfers:
 *  - numbers (ts, receivedTs, latencyMs, code) in a Float64Array, flags in a Uint8Array;
 *  - the repetitive strings (user, verb, user agent, namespace, …) as ids into a dictionary that both
 *    sides grow in step: a batch carries only the strings new to it, so most events cost a few ints;
 *  - each event's auditID as it is, in one array: the main thread gets fresh flat strings (slices of
 *    one batch-wide string would keep the whole batch alive for as long as any one of them is held,
 *    say in an alert; and concatenating them per event made postMessage flatten 1,000 strings per
 *    batch: 220 against 60 ns per event to send);
 *  - time, uri and name as where they are in the event's raw bytes (TextRef, event-texts.ts): the
 *    main thread reads them from there when asked, so a buffered event holds no string of its own
 *    for them. A value that is not there as it is (escaped in the JSON, a non-ASCII line) travels as
 *    a string;
 *  - each event's raw JSON as UTF-8 bytes, written by the worker straight into shared-memory slabs that
 *    the engine's raw store keeps as they are (raw-store.ts, PackedEvent): the main thread copies
 *    none of it. Measured on the 1M-event bench file: copying each batch's bytes into the store was
 *    ~0.5 s of the main thread's ~6.5 s.
 * Malformed lines travel with the index of the event they preceded, so the engine sees everything
 * in input order.
 */
import type { AuditEvent } from '../model/event.js';
import { findTextRef, type TextRef } from '../model/event-texts.js';
import { makeProfile, PackedEvent, PROFILE_STRINGS, type Profile } from '../model/packed-event.js';
import { isTransient, RawStore, SLAB_BYTES, type Slab } from '../model/raw-store.js';
import type { MalformedLine } from '../model/types.js';

/** Dictionary-coded string fields, in wire order. */
const DICT_FIELDS = PROFILE_STRINGS;
const NDICT = DICT_FIELDS.length;
/** ids per event: the dictionary fields, then groups and impersonatedGroups (groups dictionary) */
const NIDS = NDICT + 2;
const NNUMS = 4;

/** A value that did not go into the dictionary (too long): it is in `inline`, in order. */
const INLINE = 0xffffffff;
/** Longer values are rarely repeated (or hostile): sent inline rather than given a dictionary slot. */
const MAX_DICT_CHARS = 512;
/**
 * Dictionary bound: when it holds this many strings both sides start over (at a batch boundary),
 * so a flood of distinct user agents costs bandwidth, never memory.
 */
export const MAX_DICT_ENTRIES = 1 << 16;

const FLAG_REQUEST = 1;
const FLAG_RESPONSE = 2;

/**
 * One batch. `meta` holds one fixed-size record per event (REC bytes: ts, receivedTs, latencyMs, code
 * as Float64; the 16 dictionary ids, the raw length, slab id and offset as Uint32; the flags byte).
 * It is transferred, and the main thread transfers it back with the credit once the batch is
 * consumed, so a replay cycles a handful of buffers: a fresh buffer per batch, allocated on one
 * thread and freed on the other, grew peak RSS by ~50 MB (malloc arenas). The raw bytes are in
 * shared slabs (see the top of this file): `newSlabs` introduces the ones first written in this
 * batch, `sealed` names the ones the worker has finished writing.
 */
export interface PackedBatch {
  source: string;
  /** events in the batch */
  n: number;
  meta: ArrayBuffer;
  /** shared slabs first written in this batch */
  newSlabs: { id: number; sab: SharedArrayBuffer }[];
  /** slabs the worker will not write again (after this batch's events) */
  sealed: number[];
  /**
   * The batch holds lines left for the main thread to decode (the worker found it idle, see
   * offload.ts): each record says only where a line's bytes are (slab, offset, length).
   */
  undecoded: boolean;
  /** the source's progress once this batch's chunk is read (offload.ts sends the two together) */
  progress?: { bytesRead: number; bytesTotal: number };
  /** auditID of each event */
  uniq: string[];
  /** time, uri and name values that travel as strings (TEXT_INLINE in their record), in order */
  texts: string[];
  /** both dictionaries start over before this batch's entries are added */
  dictReset: boolean;
  /** strings and group lists first used in this batch, in id order */
  newStrings: string[];
  newGroups: string[][];
  /** values too long for the dictionary, in the order they occur */
  inline: string[];
  /** malformed lines, each with the number of the batch's events that came before it */
  malformed: { at: number; m: MalformedLine }[];
}

/** Bytes per event record in `meta`: 4 Float64 (32) + 23 Uint32 (92) + flags, padded to 8. */
const REC = 128;
const F64_PER_REC = REC / 8;
const U32_PER_REC = REC / 4;
/** Uint32 offsets inside a record */
const U32_IDS = 8;
const U32_RAWLEN = U32_IDS + NIDS;
const U32_SLAB = U32_RAWLEN + 1;
const U32_OFF = U32_RAWLEN + 2;
/** time, uri and name as TextRefs (see PackedEvent) or TEXT_INLINE */
const U32_TIME = U32_RAWLEN + 3;
const U32_URI = U32_RAWLEN + 4;
const U32_NAME = U32_RAWLEN + 5;
/** the event's profile: which combination of the NIDS ids it has (see ProfileTable), or NO_PROFILE */
const U32_PROFILE = U32_RAWLEN + 6;
/** byte offset of the flags inside a record */
const FLAGS_AT = (U32_RAWLEN + 7) * 4;
/** An event whose ids are not a profile (one of them INLINE, or the table full): read them one by one. */
const NO_PROFILE = 0xffffffff;
/**
 * Profiles both sides keep before they start over with the dictionaries. The bench traffic has
 * ~1,700 distinct combinations in 200k events; a flood of distinct ones costs a start-over, never
 * memory.
 */
export const MAX_PROFILES = 1 << 15;
/** A time, uri or name that is in `texts` (the next one there) rather than in the raw bytes. */
const TEXT_INLINE = 0xffffffff;

/**
 * Meta buffers kept for reuse (the main thread returns them with each consumed batch): enough for
 * the batches in flight (offload.ts MAX_IN_FLIGHT messages, one batch each) and the one being built.
 */
const POOL_MAX = 7;
/** Smallest meta buffer made: a pooled one then fits most later batches. */
const MIN_META_BYTES = 256 * 1024;

/** What the main thread gives back with each consumed batch. */
export interface BatchReturn {
  /** the batch's meta buffer, to transfer back */
  give: ArrayBuffer[];
  /** ids of shared slabs that are empty and sealed: the worker may write them again */
  freed: number[];
}

/** A shared slab the worker is writing. */
interface WriteSlab {
  id: number;
  sab: SharedArrayBuffer;
  buf: Buffer;
  used: number;
}

/**
 * Worker side: packs decoded events one at a time (so none of them outlives its line: the worker's
 * young generation stays small and cheap), then hands over the batch and the buffers to transfer.
 */
export class BatchEncoder {
  private dict = new Map<string, number>();
  private groupsDict = new Map<string, number>();
  /** per user, the group list last seen and its id: the common case needs no key string */
  private lastGroups = new Map<string, { list: string[]; id: number }>();
  private readonly profiles = new ProfileTable();
  private groupsCount = 1; // id 0 = no groups
  /**
   * Per dictionary field, the last two distinct values and their ids: consecutive events often repeat
   * them, or alternate between two (a request's RequestReceived and ResponseComplete: stage, decision,
   * subresource). Measured on the bench file: 6.3 dictionary lookups per event with only the last value.
   */
  // (null when none: no string equals it, where a sentinel string could be a hostile log's value)
  private readonly lastValue: (string | null)[] = new Array<string | null>(NDICT).fill(null);
  private readonly lastId = new Uint32Array(NDICT);
  private readonly prevValue: (string | null)[] = new Array<string | null>(NDICT).fill(null);
  private readonly prevId = new Uint32Array(NDICT);
  private readonly metaPool: ArrayBuffer[] = [];
  /** the slab being written per lane: 0 = long-lived, 1 = transient (raw-store.ts) */
  private readonly lanes: (WriteSlab | null)[] = [null, null];
  /** slabs handed to the main thread and not yet freed by it, by id */
  private readonly outstanding = new Map<number, SharedArrayBuffer>();
  private readonly freeSlabs: SharedArrayBuffer[] = [];
  private nextSlabId = 1;
  /** shared slabs allocated so far (AUDITOP_DEBUG_OFFLOAD) */
  slabsAllocated = 0;

  // the batch being built
  private source = '';
  private n = 0;
  private meta: ArrayBuffer = new ArrayBuffer(0);
  private f64 = new Float64Array(0);
  private u32 = new Uint32Array(0);
  private u8 = new Uint8Array(0);
  private newSlabs: { id: number; sab: SharedArrayBuffer }[] = [];
  private sealed: number[] = [];
  private uniq: string[] = [];
  private texts: string[] = [];
  private newStrings: string[] = [];
  private newGroups: string[][] = [];
  private inline: string[] = [];
  private bad: { at: number; m: MalformedLine }[] = [];
  private dictReset = false;
  private undecoded = false;

  /** What the main thread returned with a consumed batch (BatchDecoder.release). */
  giveBack({ give, freed }: BatchReturn): void {
    const meta = give[0];
    if (meta !== undefined && this.metaPool.length < POOL_MAX) this.metaPool.push(meta);
    for (const id of freed) {
      const sab = this.outstanding.get(id);
      if (sab === undefined) continue;
      this.outstanding.delete(id);
      // Every emptied slab is kept for reuse (so the pool is at most the most slabs ever in use at
      // once): one dropped lives on until both threads' next full GC, which a SharedArrayBuffer's
      // size does not hasten. Measured, 1M-event bench replay, peak RSS: dropping all but 2 ~440 MB,
      // dropping all 1.1 GB, keeping all ~400 MB.
      if (sab.byteLength === SLAB_BYTES) this.freeSlabs.push(sab);
    }
  }

  /** Shared slab memory the worker holds: written, free, or not yet given back (tests, bench). */
  get slabBytes(): number {
    let n = 0;
    for (const sab of this.outstanding.values()) n += sab.byteLength;
    for (const sab of this.freeSlabs) n += sab.byteLength;
    return n;
  }

  /**
   * Start a batch of about `expected` events (one per line, usually); `undecoded`: a batch of lines
   * for the main thread to decode (addLine only).
   */
  begin(source: string, expected: number, undecoded = false): void {
    this.undecoded = undecoded;
    this.dictReset = false;
    if (this.dict.size >= MAX_DICT_ENTRIES || this.groupsCount >= MAX_DICT_ENTRIES || this.profiles.full) {
      this.profiles.reset();
      this.dict = new Map();
      this.groupsDict = new Map();
      this.lastGroups = new Map();
      this.groupsCount = 1;
      this.lastValue.fill(null);
      this.prevValue.fill(null);
      this.dictReset = true;
    }
    this.source = source;
    this.n = 0;
    this.setMeta(take(this.metaPool, Math.max(expected, 1) * REC, MIN_META_BYTES, REC));
    this.newSlabs = [];
    this.sealed = [];
    this.uniq = [];
    this.texts = [];
    this.newStrings = [];
    this.newGroups = [];
    this.inline = [];
    this.bad = [];
  }

  /** A malformed line, in its place among the events. */
  malformed(m: MalformedLine): void {
    this.bad.push({ at: this.n, m });
  }

  /**
   * Add one line of an undecoded batch: its bytes go into a slab as they are (`bytes[start, end)`, or
   * `line` encoded when start is -1), for the main thread to decode and keep without a copy.
   */
  addLine(line: string, bytes: Buffer | null, start: number, end: number): void {
    const i = this.n;
    this.room1(i);
    // The lane is only a memory heuristic (raw-store.ts): a first stage, by a look at the text.
    this.putRaw(i * U32_PER_REC, line, bytes, start, end, line.includes('"stage":"RequestReceived"'));
    this.n = i + 1;
  }

  /** Add one event; `bytes[start, end)` are its raw JSON as read, or start is -1 (raw is encoded). */
  add(ev: AuditEvent, bytes: Buffer | null, start: number, end: number): void {
    const i = this.n;
    this.room1(i);
    const f = i * F64_PER_REC;
    const f64 = this.f64;
    f64[f] = ev.ts;
    f64[f + 1] = ev.receivedTs;
    f64[f + 2] = ev.latencyMs;
    f64[f + 3] = ev.code;
    const u32 = this.u32;
    const u = i * U32_PER_REC;
    // One named read per field, in DICT_FIELDS order: `ev[DICT_FIELDS[k]]` in a loop is a keyed
    // load with a changing key, which V8 serves from its megamorphic cache (measured on 50k bench
    // events: 0.6 µs per event for the 14 reads that way, 0.16 µs as named reads).
    const at = u + U32_IDS;
    u32[at] = this.id(0, ev.stage);
    u32[at + 1] = this.id(1, ev.verb);
    u32[at + 2] = this.id(2, ev.user);
    u32[at + 3] = this.id(3, ev.impersonatedUser);
    u32[at + 4] = this.id(4, ev.sourceIP);
    u32[at + 5] = this.id(5, ev.userAgent);
    u32[at + 6] = this.id(6, ev.apiGroup);
    u32[at + 7] = this.id(7, ev.apiVersion);
    u32[at + 8] = this.id(8, ev.resource);
    u32[at + 9] = this.id(9, ev.subresource);
    u32[at + 10] = this.id(10, ev.namespace);
    u32[at + 11] = this.id(11, ev.reason);
    u32[at + 12] = this.id(12, ev.decision);
    u32[at + 13] = this.id(13, ev.level);
    u32[u + U32_IDS + NDICT] = this.groupsId(ev.user, ev.groups);
    u32[u + U32_IDS + NDICT + 1] = this.groupsId(ev.impersonatedUser, ev.impersonatedGroups);
    u32[u + U32_PROFILE] = this.profiles.id(u32, at);
    this.uniq.push(ev.auditID);
    this.u8[i * REC + FLAGS_AT] = (ev.hasRequestObject ? FLAG_REQUEST : 0) | (ev.hasResponseObject ? FLAG_RESPONSE : 0);

    const raw = ev.raw;
    const len = this.putRaw(u, start >= 0 ? '' : raw, bytes, start, end, isTransient(ev.stage));
    // The raw's bytes are its characters one for one when its UTF-8 is as long as it is (all ASCII):
    // then where a value is in the string is where its bytes are.
    const ascii = raw.length === len;
    u32[u + U32_TIME] = this.textRef(ev.time, raw, ascii, true);
    u32[u + U32_URI] = this.textRef(ev.uri, raw, ascii);
    u32[u + U32_NAME] = this.textRef(ev.name, raw, ascii);
    this.n = i + 1;
  }

  /** `value`'s TextRef in `raw` (event-texts.ts), or TEXT_INLINE with the value queued in `texts`. */
  private textRef(value: string, raw: string, ascii: boolean, fromEnd = false): number {
    const ref = findTextRef(value, raw, ascii, fromEnd);
    if (ref >= 0) return ref;
    this.texts.push(value);
    return TEXT_INLINE;
  }

  /** The wire id of dictionary field `k`'s value `s` (INLINE: sent in `inline`). */
  private id(k: number, s: string): number {
    const last = this.lastValue[k] as string | null;
    if (s === last) return this.lastId[k] as number;
    if (s === this.prevValue[k]) {
      const id = this.prevId[k] as number;
      this.prevValue[k] = last;
      this.prevId[k] = this.lastId[k] as number;
      this.lastValue[k] = s;
      this.lastId[k] = id;
      return id;
    }
    if (s.length > MAX_DICT_CHARS) {
      this.inline.push(s);
      return INLINE;
    }
    let id = this.dict.get(s);
    if (id === undefined) {
      id = this.dict.size;
      this.dict.set(s, id);
      this.newStrings.push(s);
    }
    this.prevValue[k] = last;
    this.prevId[k] = this.lastId[k] as number;
    this.lastValue[k] = s;
    this.lastId[k] = id;
    return id;
  }

  /** Room in `meta` for record `i`. */
  private room1(i: number): void {
    if ((i + 1) * REC <= this.meta.byteLength) return;
    const grown = take(this.metaPool, this.meta.byteLength * 2, MIN_META_BYTES, REC);
    new Uint8Array(grown).set(new Uint8Array(this.meta, 0, i * REC));
    this.setMeta(grown);
  }

  /** Write a record's raw JSON into a slab (`bytes[start, end)`, or `text` when start is -1), say where, and return its byte length. */
  private putRaw(u: number, text: string, bytes: Buffer | null, start: number, end: number, transient: boolean): number {
    // A UTF-16 code unit is at most 3 UTF-8 bytes: with that much room a write cannot fall short.
    // Bytes copied in get up to 7 more, for alignment (below).
    const worst = start >= 0 ? end - start + 7 : text.length * 3;
    const slab = this.room(worst > SLAB_BYTES && start < 0 ? Buffer.byteLength(text, 'utf8') : worst, transient);
    let len: number;
    if (start >= 0) {
      const src = bytes as Buffer;
      // A copy into shared memory is a relaxed-atomic memcpy, which goes word by word only when
      // source and destination have the same address mod 8 and byte by byte otherwise: starting
      // the copy at such an offset (at most 7 bytes skipped) makes it ~2.7× faster (~1 KB lines:
      // 320 → 120 ns). Measured: ~0.75 s of the worker's ~5 s on the 1M-event bench was this copy.
      slab.used += (src.byteOffset + start - slab.used) & 7;
      len = src.copy(slab.buf, slab.used, start, end);
    } else {
      len = slab.buf.write(text, slab.used, 'utf8');
    }
    const u32 = this.u32;
    u32[u + U32_RAWLEN] = len;
    u32[u + U32_SLAB] = slab.id;
    u32[u + U32_OFF] = slab.used;
    slab.used += len;
    return len;
  }

  /** A slab of the lane with `bytes` free: the lane's current one, or the next (sealing it). */
  private room(bytes: number, transient: boolean): WriteSlab {
    const lane = transient ? 1 : 0;
    const cur = this.lanes[lane] as WriteSlab | null;
    if (cur !== null && cur.buf.length - cur.used >= bytes) return cur;
    if (bytes > SLAB_BYTES) {
      // a line bigger than a slab (a large RequestResponse body) gets a slab of its own, sealed at once
      const own = this.newSlab(bytes);
      this.sealed.push(own.id);
      return own;
    }
    if (cur !== null) this.sealed.push(cur.id);
    const fresh = this.newSlab(SLAB_BYTES);
    this.lanes[lane] = fresh;
    return fresh;
  }

  private newSlab(bytes: number): WriteSlab {
    let sab = bytes === SLAB_BYTES ? this.freeSlabs.pop() : undefined;
    if (sab === undefined) {
      sab = new SharedArrayBuffer(bytes);
      this.slabsAllocated++;
    }
    const id = this.nextSlabId;
    // ids only need to be unique among the slabs the main thread holds: wrap long before 2^32
    this.nextSlabId = id >= 0x7fffffff ? 1 : id + 1;
    this.outstanding.set(id, sab);
    this.newSlabs.push({ id, sab });
    return { id, sab, buf: Buffer.from(sab), used: 0 };
  }

  /** The batch built since begin(), and the buffers to transfer with it. */
  finish(): { batch: PackedBatch; transfer: ArrayBuffer[] } {
    const batch: PackedBatch = {
      source: this.source,
      n: this.n,
      meta: this.meta,
      newSlabs: this.newSlabs,
      sealed: this.sealed,
      undecoded: this.undecoded,
      uniq: this.uniq,
      texts: this.texts,
      dictReset: this.dictReset,
      newStrings: this.newStrings,
      newGroups: this.newGroups,
      inline: this.inline,
      malformed: this.bad,
    };
    return { batch, transfer: [this.meta] };
  }

  /** encode = begin + add each + finish (lines' bytes, when known, per event in `spans`). */
  encode(source: string, events: AuditEvent[], malformed: { at: number; m: MalformedLine }[], spans?: { buf: Buffer; starts: number[]; ends: number[] }): { batch: PackedBatch; transfer: ArrayBuffer[] } {
    this.begin(source, events.length);
    let k = 0;
    events.forEach((ev, i) => {
      while (k < malformed.length && (malformed[k] as { at: number }).at <= i) this.malformed((malformed[k++] as { m: MalformedLine }).m);
      const start = spans?.starts[i] ?? -1;
      this.add(ev, spans?.buf ?? null, start, spans?.ends[i] ?? -1);
    });
    while (k < malformed.length) this.malformed((malformed[k++] as { m: MalformedLine }).m);
    return this.finish();
  }

  private setMeta(meta: ArrayBuffer): void {
    this.meta = meta;
    this.f64 = new Float64Array(meta);
    this.u32 = new Uint32Array(meta);
    this.u8 = new Uint8Array(meta);
  }

  private groupsId(user: string, groups: string[]): number {
    if (groups.length === 0) return 0;
    const last = this.lastGroups.get(user);
    if (last !== undefined && sameList(last.list, groups)) return last.id;
    const key = JSON.stringify(groups);
    let id = this.groupsDict.get(key);
    if (id === undefined) {
      id = this.groupsCount++;
      this.groupsDict.set(key, id);
      this.newGroups.push(groups);
    }
    if (this.lastGroups.size < MAX_DICT_ENTRIES) this.lastGroups.set(user, { list: groups, id });
    return id;
  }
}

/**
 * Worker side: the profile id of each distinct combination of an event's NIDS ids, numbered in order
 * of first sight; the main thread keeps one shared object per id (PackedEvent's Profile). Open
 * addressing over typed arrays: no object per profile here, a few dozen ns per event.
 */
class ProfileTable {
  private readonly slots = new Int32Array(MAX_PROFILES * 2); // profile id + 1; 0 = empty
  private readonly ids = new Uint32Array(MAX_PROFILES * NIDS);
  private count = 0;

  get full(): boolean {
    return this.count >= MAX_PROFILES;
  }

  reset(): void {
    this.slots.fill(0);
    this.count = 0;
  }

  /** The profile of the ids at `u32[at, at + NIDS)`; NO_PROFILE when one is INLINE or the table is full. */
  id(u32: Uint32Array, at: number): number {
    let h = 0x811c9dc5;
    for (let k = 0; k < NIDS; k++) {
      const v = u32[at + k] as number;
      // an INLINE value travels with each event that has it: not part of a profile
      if (v === INLINE) return NO_PROFILE;
      h = Math.imul(h ^ v, 0x01000193);
    }
    const mask = this.slots.length - 1;
    for (let s = h & mask; ; s = (s + 1) & mask) {
      const v = this.slots[s] as number;
      if (v === 0) {
        if (this.count >= MAX_PROFILES) return NO_PROFILE;
        const id = this.count++;
        for (let k = 0; k < NIDS; k++) this.ids[id * NIDS + k] = u32[at + k] as number;
        this.slots[s] = id + 1;
        return id;
      }
      const base = (v - 1) * NIDS;
      let k = 0;
      while (k < NIDS && this.ids[base + k] === u32[at + k]) k++;
      if (k === NIDS) return v - 1;
    }
  }
}

/** A pooled buffer of at least `bytes`, or a new one (at least `min`, a multiple of `unit`). */
function take(pool: ArrayBuffer[], bytes: number, min: number, unit: number): ArrayBuffer {
  while (pool.length > 0) {
    const b = pool.pop() as ArrayBuffer;
    if (b.byteLength >= bytes) return b;
  }
  const size = Math.max(bytes, min);
  return new ArrayBuffer(Math.ceil(size / unit) * unit);
}

/** Main-thread side: the dictionaries, and the events of each batch rebuilt in order. */
export class BatchDecoder {
  /** shared slabs introduced by the worker and not yet sealed, by id */
  private readonly slabs = new Map<number, Slab>();
  private lastSlabId = -1;
  private lastSlab: Slab | null = null;
  private strings: string[] = [];
  private groups: string[][] = [NO_GROUPS];
  /** by profile id (ProfileTable), made when the first event that has each arrives */
  private profiles: Profile[] = [];
  /** the events of the batch being consumed, sealed by release() */
  private live: PackedEvent[] = [];

  /** `store`: the raw store of the engine the events go to (it can then buffer them without a copy) */
  constructor(private readonly store: RawStore = new RawStore()) {}

  /**
   * Calls `event` for each event and `malformed` for each malformed line of the batch, in input order.
   * Must see every batch of the stream in order (the dictionaries grow with them). The events read
   * their raw bytes from the shared slabs; those not buffered stop at release().
   */
  decode(b: PackedBatch, event: (ev: PackedEvent) => void, malformed: (m: MalformedLine) => void): void {
    this.takeSlabs(b);
    if (b.dictReset) {
      this.strings = [];
      this.groups = [NO_GROUPS];
      this.profiles = [];
    }
    const profiles = this.profiles;
    const strings = this.strings;
    for (const s of b.newStrings) strings.push(s);
    // Frozen and shared, as the engine's interner would make them.
    for (const g of b.newGroups) this.groups.push(Object.freeze(g) as unknown as string[]);
    const groups = this.groups;
    const n = b.n;
    const f64 = new Float64Array(b.meta, 0, n * F64_PER_REC);
    const u32 = new Uint32Array(b.meta, 0, n * U32_PER_REC);
    const u8 = new Uint8Array(b.meta, 0, n * REC);
    const { uniq, inline, texts } = b;
    const bad = b.malformed;
    const live = this.live;
    let nextBad = 0;
    let inl = 0;
    const str = (id: number): string => (id === INLINE ? (inline[inl++] as string) : (strings[id] as string));
    let txt = 0;
    const text = (ref: number): TextRef | string => (ref === TEXT_INLINE ? (texts[txt++] as string) : ref);
    for (let i = 0; i < n; i++) {
      while (nextBad < bad.length && (bad[nextBad] as { at: number }).at <= i) malformed((bad[nextBad++] as { m: MalformedLine }).m);
      const ev = new PackedEvent();
      const f = i * F64_PER_REC;
      ev.ts = f64[f] as number;
      ev.receivedTs = f64[f + 1] as number;
      ev.latencyMs = f64[f + 2] as number;
      // As a small integer: a float64 read stored as it is made the field a boxed double in every
      // event (one more heap object each, measured); any other number keeps its exact value.
      const code = f64[f + 3] as number;
      ev.code = code === (code | 0) ? code | 0 : code;
      const fl = u8[i * REC + FLAGS_AT] as number;
      ev.hasRequestObject = (fl & FLAG_REQUEST) !== 0;
      ev.hasResponseObject = (fl & FLAG_RESPONSE) !== 0;
      const pid = u32[i * U32_PER_REC + U32_PROFILE] as number;
      let p = pid === NO_PROFILE ? undefined : profiles[pid];
      if (p === undefined) {
        const ib = i * U32_PER_REC + U32_IDS;
        p = makeProfile((k) => str(u32[ib + k] as number), groups[u32[ib + NDICT] as number] as string[], groups[u32[ib + NDICT + 1] as number] as string[]);
        if (pid !== NO_PROFILE) profiles[pid] = p;
      }
      ev.p = p;
      ev.auditID = uniq[i] as string;
      ev.source = b.source;
      const rec = i * U32_PER_REC;
      ev.timeRef = text(u32[rec + U32_TIME] as number);
      ev.uriRef = text(u32[rec + U32_URI] as number);
      ev.nameRef = text(u32[rec + U32_NAME] as number);
      ev.slab = this.slabOf(u32[rec + U32_SLAB] as number);
      ev.off = u32[rec + U32_OFF] as number;
      ev.len = u32[rec + U32_RAWLEN] as number;
      live.push(ev);
      event(ev);
    }
    while (nextBad < bad.length) malformed((bad[nextBad++] as { m: MalformedLine }).m);
  }

  /** The slab with this id (consecutive records mostly share one: the last is remembered). */
  private slabOf(id: number): Slab | null {
    if (id !== this.lastSlabId) {
      this.lastSlabId = id;
      this.lastSlab = this.slabs.get(id) ?? null;
    }
    return this.lastSlab;
  }

  /** The slabs a batch introduces. */
  private takeSlabs(b: PackedBatch): void {
    for (const { id, sab } of b.newSlabs) this.slabs.set(id, this.store.addShared(id, Buffer.from(sab)));
  }

  /**
   * An undecoded batch (PackedBatch.undecoded): calls `line` with each line and where its bytes are
   * (a shared slab of this decoder's store, which can keep them without a copy: Engine.rawBytes).
   * The bytes stay readable until release(), and for as long as the store keeps them.
   */
  lines(b: PackedBatch, line: (text: string, slab: Slab, off: number, len: number) => void): void {
    this.takeSlabs(b);
    const u32 = new Uint32Array(b.meta, 0, b.n * U32_PER_REC);
    for (let i = 0; i < b.n; i++) {
      const rec = i * U32_PER_REC;
      const slab = this.slabOf(u32[rec + U32_SLAB] as number);
      if (slab === null) continue; // never: every slab is introduced before its first line
      const off = u32[rec + U32_OFF] as number;
      const len = u32[rec + U32_RAWLEN] as number;
      line(slab.buf.toString('utf8', off, off + len), slab, off, len);
    }
  }

  /**
   * The batch has been consumed: its events not buffered stop reading their slab (see PackedEvent),
   * slabs the worker sealed are retired once empty, and what the worker may reuse is returned.
   */
  release(b: PackedBatch): BatchReturn {
    for (const ev of this.live) ev.seal();
    this.live = [];
    // (an id may come back once the worker's counter wraps: forget the one remembered)
    this.lastSlabId = -1;
    this.lastSlab = null;
    for (const id of b.sealed) {
      const slab = this.slabs.get(id);
      if (slab === undefined) continue;
      this.slabs.delete(id);
      this.store.sealShared(slab);
    }
    return { give: [b.meta], freed: this.store.takeFreedShared() };
  }
}

const NO_GROUPS: string[] = Object.freeze([]) as unknown as string[];

function sameList(a: string[], b: string[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
