/**
 * How decoded events cross from the decode worker to the main thread (src/ingest/offload.ts) cheaply.
 *
 * Structured-cloning event objects costs ~7 µs per event, as much as decoding them. Instead one batch
 * (one read chunk, ~1,000 events) travels as a few flat pieces that postMessage moves as memcpys or
 * transfers:
 *  - numbers (ts, receivedTs, latencyMs, code) in a Float64Array, flags in a Uint8Array;
 *  - the repetitive strings (user, verb, user agent, namespace, …) as ids into a dictionary that both
 *    sides grow in step: a batch carries only the strings new to it, so most events cost a few ints;
 *  - the per-event strings (auditID, time, uri, name) concatenated into one string per event plus
 *    their lengths (one string per event, not per batch: a field kept for long, say in an alert,
 *    then holds on to its own event's ~200 characters, not to a whole batch's);
 *  - each event's raw JSON as UTF-8 bytes in one transferred buffer, copied as bytes into the engine's
 *    raw store (PackedEvent).
 * Malformed lines travel with the index of the event they preceded, so the engine sees everything
 * in input order.
 */
import type { AuditEvent } from '../model/event.js';
import { PackedEvent } from '../model/packed-event.js';
import type { MalformedLine } from '../model/types.js';

/** Dictionary-coded string fields, in wire order. */
const DICT_FIELDS = [
  'stage',
  'verb',
  'user',
  'impersonatedUser',
  'sourceIP',
  'userAgent',
  'apiGroup',
  'apiVersion',
  'resource',
  'subresource',
  'namespace',
  'reason',
  'decision',
  'level',
] as const;
const NDICT = DICT_FIELDS.length;
/** ids per event: the dictionary fields, then groups and impersonatedGroups (groups dictionary) */
const NIDS = NDICT + 2;
const NNUMS = 4;
/** lengths sent per event: auditID, time, uri (name is the rest) */
const NUNIQ = 3;

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
 * One batch. All numbers and the raw bytes share one ArrayBuffer (`buf`), laid out as
 * nums (Float64 × 4n) | ids (Uint32 × 16n) | uniqLens (Uint32 × 3n) | rawLens (Uint32 × n) |
 * flags (Uint8 × n, padded to 8) | raw bytes. It is transferred, and the main thread transfers it back
 * with the credit once the batch is consumed, so a replay cycles a handful of buffers: allocating a
 * fresh one per batch and freeing it on the other thread grew peak RSS by ~50 MB (malloc arenas).
 */
export interface PackedBatch {
  source: string;
  /** events in the batch */
  n: number;
  buf: ArrayBuffer;
  /** raw bytes are buf[rawOff, rawOff + rawUsed) */
  rawOff: number;
  rawUsed: number;
  /** auditID + time + uri + name of each event */
  uniq: string[];
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

/** Byte offsets of the typed arrays of a batch of n events (all multiples of 8). */
function layout(n: number): { ids: number; uniqLens: number; rawLens: number; flags: number; raw: number } {
  const ids = n * NNUMS * 8;
  const uniqLens = ids + n * NIDS * 4;
  const rawLens = uniqLens + n * NUNIQ * 4;
  const flags = rawLens + n * 4;
  const raw = (flags + n + 7) & ~7;
  return { ids, uniqLens, rawLens, flags, raw };
}

/**
 * Where the UTF-8 bytes of some events' raw JSON already are (the lines as read): event i's bytes are
 * buf[starts[i], ends[i]), or starts[i] is -1 and its raw string is encoded instead.
 */
export interface RawSpans {
  buf: Buffer;
  starts: number[];
  ends: number[];
}

/** Buffers kept for reuse (the main thread returns one per consumed batch). */
const POOL_MAX = 8;
/** A new batch buffer is at least this big, so a pooled one fits most later batches. */
const MIN_BUFFER_BYTES = 2 * 1024 * 1024;

/** Worker side: turns a batch of decoded events into a PackedBatch and the buffer to transfer. */
export class BatchEncoder {
  private dict = new Map<string, number>();
  private groupsDict = new Map<string, number>();
  /** per user, the group list last seen and its id: the common case needs no key string */
  private lastGroups = new Map<string, { list: string[]; id: number }>();
  private groupsCount = 1; // id 0 = no groups
  /** per dictionary field, the last value and its id: consecutive events often repeat them */
  private lastValue: string[] = new Array<string>(NDICT).fill('\u0000');
  private lastId = new Uint32Array(NDICT);
  private readonly pool: ArrayBuffer[] = [];

  /** A buffer the main thread has finished with. */
  giveBack(buf: ArrayBuffer): void {
    if (this.pool.length < POOL_MAX) this.pool.push(buf);
  }

  encode(source: string, events: AuditEvent[], malformed: { at: number; m: MalformedLine }[], spans?: RawSpans): { batch: PackedBatch; transfer: ArrayBuffer[] } {
    let dictReset = false;
    if (this.dict.size >= MAX_DICT_ENTRIES || this.groupsCount >= MAX_DICT_ENTRIES) {
      this.dict = new Map();
      this.groupsDict = new Map();
      this.lastGroups = new Map();
      this.groupsCount = 1;
      this.lastValue.fill('\u0000');
      dictReset = true;
    }
    const n = events.length;
    const at = layout(n);
    let rawCap = 0;
    for (let i = 0; i < n; i++) {
      const s = spans?.starts[i] ?? -1;
      rawCap += s >= 0 ? (spans as RawSpans).ends[i]! - s : (events[i] as AuditEvent).raw.length;
    }
    // Room for ASCII; grown below when a raw string has multi-byte characters.
    let ab = this.buffer(at.raw + rawCap + (rawCap >> 4) + 64);
    let buf = Buffer.from(ab);
    let nums = new Float64Array(ab, 0, n * NNUMS);
    let ids = new Uint32Array(ab, at.ids, n * NIDS);
    let uniqLens = new Uint32Array(ab, at.uniqLens, n * NUNIQ);
    let rawLens = new Uint32Array(ab, at.rawLens, n);
    let flags = new Uint8Array(ab, at.flags, n);
    const newStrings: string[] = [];
    const newGroups: string[][] = [];
    const inline: string[] = [];
    const uniq = new Array<string>(n);
    const lastValue = this.lastValue;
    const lastId = this.lastId;
    let rawUsed = 0;

    for (let i = 0; i < n; i++) {
      const ev = events[i] as AuditEvent;
      const nb = i * NNUMS;
      nums[nb] = ev.ts;
      nums[nb + 1] = ev.receivedTs;
      nums[nb + 2] = ev.latencyMs;
      nums[nb + 3] = ev.code;
      flags[i] = (ev.hasRequestObject ? FLAG_REQUEST : 0) | (ev.hasResponseObject ? FLAG_RESPONSE : 0);
      const ib = i * NIDS;
      for (let f = 0; f < NDICT; f++) {
        const s = ev[DICT_FIELDS[f] as (typeof DICT_FIELDS)[number]];
        if (s === lastValue[f]) {
          ids[ib + f] = lastId[f] as number;
          continue;
        }
        if (s.length > MAX_DICT_CHARS) {
          ids[ib + f] = INLINE;
          inline.push(s);
          continue;
        }
        let id = this.dict.get(s);
        if (id === undefined) {
          id = this.dict.size;
          this.dict.set(s, id);
          newStrings.push(s);
        }
        ids[ib + f] = id;
        lastValue[f] = s;
        lastId[f] = id;
      }
      ids[ib + NDICT] = this.groupsId(ev.user, ev.groups, newGroups);
      ids[ib + NDICT + 1] = this.groupsId(ev.impersonatedUser, ev.impersonatedGroups, newGroups);
      const ub = i * NUNIQ;
      uniqLens[ub] = ev.auditID.length;
      uniqLens[ub + 1] = ev.time.length;
      uniqLens[ub + 2] = ev.uri.length;
      uniq[i] = ev.auditID + ev.time + ev.uri + ev.name;

      const start = spans?.starts[i] ?? -1;
      const text = start >= 0 ? '' : ev.raw;
      const worst = start >= 0 ? (spans as RawSpans).ends[i]! - start : text.length * 3;
      if (buf.length - at.raw - rawUsed < worst) {
        // grow: a bigger buffer with everything written so far
        const grown = this.buffer(Math.max(at.raw + rawUsed + worst, buf.length * 2));
        const g = Buffer.from(grown);
        buf.copy(g, 0, 0, at.raw + rawUsed);
        ab = grown;
        buf = g;
        nums = new Float64Array(ab, 0, n * NNUMS);
        ids = new Uint32Array(ab, at.ids, n * NIDS);
        uniqLens = new Uint32Array(ab, at.uniqLens, n * NUNIQ);
        rawLens = new Uint32Array(ab, at.rawLens, n);
        flags = new Uint8Array(ab, at.flags, n);
      }
      const len = start >= 0 ? (spans as RawSpans).buf.copy(buf, at.raw + rawUsed, start, (spans as RawSpans).ends[i]) : buf.write(text, at.raw + rawUsed, 'utf8');
      rawLens[i] = len;
      rawUsed += len;
    }

    const batch: PackedBatch = { source, n, buf: ab, rawOff: at.raw, rawUsed, uniq, dictReset, newStrings, newGroups, inline, malformed };
    return { batch, transfer: [ab] };
  }

  /** A pooled buffer of at least `bytes`, or a new one. */
  private buffer(bytes: number): ArrayBuffer {
    while (this.pool.length > 0) {
      const b = this.pool.pop() as ArrayBuffer;
      if (b.byteLength >= bytes) return b;
    }
    return new ArrayBuffer(Math.max(bytes, MIN_BUFFER_BYTES));
  }

  private groupsId(user: string, groups: string[], added: string[][]): number {
    if (groups.length === 0) return 0;
    const last = this.lastGroups.get(user);
    if (last !== undefined && sameList(last.list, groups)) return last.id;
    const key = JSON.stringify(groups);
    let id = this.groupsDict.get(key);
    if (id === undefined) {
      id = this.groupsCount++;
      this.groupsDict.set(key, id);
      added.push(groups);
    }
    if (this.lastGroups.size < MAX_DICT_ENTRIES) this.lastGroups.set(user, { list: groups, id });
    return id;
  }
}

/** Main-thread side: the dictionaries, and the events of each batch rebuilt in order. */
export class BatchDecoder {
  private strings: string[] = [];
  private groups: string[][] = [NO_GROUPS];
  /** the events of the batch being consumed, sealed by release() */
  private live: PackedEvent[] = [];

  /**
   * Calls `event` for each event and `malformed` for each malformed line of the batch, in input order.
   * Must see every batch of the stream in order (the dictionaries grow with them). The events read
   * their raw bytes from the batch's buffer until release().
   */
  decode(b: PackedBatch, event: (ev: PackedEvent) => void, malformed: (m: MalformedLine) => void): void {
    if (b.dictReset) {
      this.strings = [];
      this.groups = [NO_GROUPS];
    }
    const strings = this.strings;
    for (const s of b.newStrings) strings.push(s);
    // Frozen and shared, as the engine's interner would make them.
    for (const g of b.newGroups) this.groups.push(Object.freeze(g) as unknown as string[]);
    const groups = this.groups;
    const n = b.n;
    const at = layout(n);
    const nums = new Float64Array(b.buf, 0, n * NNUMS);
    const ids = new Uint32Array(b.buf, at.ids, n * NIDS);
    const uniqLens = new Uint32Array(b.buf, at.uniqLens, n * NUNIQ);
    const rawLens = new Uint32Array(b.buf, at.rawLens, n);
    const flags = new Uint8Array(b.buf, at.flags, n);
    const raw = Buffer.from(b.buf, b.rawOff, b.rawUsed);
    const { uniq, inline } = b;
    const bad = b.malformed;
    const live = this.live;
    let nextBad = 0;
    let inl = 0;
    let r = 0;
    const str = (id: number): string => (id === INLINE ? (inline[inl++] as string) : (strings[id] as string));
    for (let i = 0; i < n; i++) {
      while (nextBad < bad.length && (bad[nextBad] as { at: number }).at <= i) malformed((bad[nextBad++] as { m: MalformedLine }).m);
      const ev = new PackedEvent();
      const nb = i * NNUMS;
      ev.ts = nums[nb] as number;
      ev.receivedTs = nums[nb + 1] as number;
      ev.latencyMs = nums[nb + 2] as number;
      ev.code = nums[nb + 3] as number;
      const fl = flags[i] as number;
      ev.hasRequestObject = (fl & FLAG_REQUEST) !== 0;
      ev.hasResponseObject = (fl & FLAG_RESPONSE) !== 0;
      const ib = i * NIDS;
      // DICT_FIELDS order
      ev.stage = str(ids[ib] as number);
      ev.verb = str(ids[ib + 1] as number);
      ev.user = str(ids[ib + 2] as number);
      ev.impersonatedUser = str(ids[ib + 3] as number);
      ev.sourceIP = str(ids[ib + 4] as number);
      ev.userAgent = str(ids[ib + 5] as number);
      ev.apiGroup = str(ids[ib + 6] as number);
      ev.apiVersion = str(ids[ib + 7] as number);
      ev.resource = str(ids[ib + 8] as number);
      ev.subresource = str(ids[ib + 9] as number);
      ev.namespace = str(ids[ib + 10] as number);
      ev.reason = str(ids[ib + 11] as number);
      ev.decision = str(ids[ib + 12] as number);
      ev.level = str(ids[ib + 13] as number);
      ev.groups = groups[ids[ib + NDICT] as number] as string[];
      ev.impersonatedGroups = groups[ids[ib + NDICT + 1] as number] as string[];
      const ub = i * NUNIQ;
      const text = uniq[i] as string;
      const a = uniqLens[ub] as number;
      const t = a + (uniqLens[ub + 1] as number);
      const w = t + (uniqLens[ub + 2] as number);
      ev.auditID = a === 0 ? '' : text.slice(0, a);
      ev.time = t === a ? '' : text.slice(a, t);
      ev.uri = w === t ? '' : text.slice(t, w);
      ev.name = w === text.length ? '' : text.slice(w);
      ev.source = b.source;
      ev.rawBuf = raw;
      ev.rawOff = r;
      ev.rawLen = rawLens[i] as number;
      r += ev.rawLen;
      live.push(ev);
      event(ev);
    }
    while (nextBad < bad.length) malformed((bad[nextBad++] as { m: MalformedLine }).m);
  }

  /**
   * The batch has been consumed: its events stop reading the batch's buffer (an event still held
   * reads its raw JSON from the engine's stored copy, see PackedEvent), and the buffer is returned
   * for the worker to reuse.
   */
  release(b: PackedBatch): ArrayBuffer {
    for (const ev of this.live) ev.seal();
    this.live = [];
    return b.buf;
  }
}

const NO_GROUPS: string[] = Object.freeze([]) as unknown as string[];

function sameList(a: string[], b: string[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
