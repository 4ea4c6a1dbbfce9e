/**
 * The engine: turns decoded audit events into requests, a bounded buffer, counts, rankings and alerts.
 * Both views (the screen and the `--no-tui` printers) read it; it never imports UI code.
 *
 * Memory is bounded whatever the input (each bound is tested in test/model/engine.test.ts):
 *  - rows: a ring bounded by count (--buffer) and by raw JSON bytes (--buffer-bytes);
 *  - the auditID index only covers rows still in the ring (an evicted row leaves the index), so a
 *    flood of RequestReceived without completions cannot grow it past the ring;
 *  - requests evicted while still open (a watch outlives the ring) are remembered by auditID alone in
 *    a FIFO map capped at MAX_OPEN_EVICTED, so their completion is not counted as a new request;
 *  - top-N maps: lossy counting with a key cap per dimension (see topn.ts), keys cut to 256 chars;
 *  - the rate series is a fixed hour of per-second slots; malformed lines: the last 20; alerts: a ring.
 */
import type { Alert, Detector, GapInfo, RequestContext, Severity } from '../detect/types.js';
import { SEVERITIES } from '../detect/types.js';
import type { AuditEvent } from './event.js';
import { isFinalStage } from './event.js';
import { RateSeries } from './rate.js';
import { Ring } from './ring.js';
import { Interner } from './intern.js';
import { RawStore, type Slab } from './raw-store.js';
import { HashFilter, hashId, RowIndex } from './row-index.js';
import { PackedEvent } from './packed-event.js';
import { StoredEvent } from './stored-event.js';
import { KeyCounter, boundKey } from './topn.js';
import type { Counts, Dimension, MalformedLine, RequestRow, Summary, TopEntry, Window } from './types.js';
import { DIMENSIONS } from './types.js';

/** Alerts kept for the screen (each is ~0.5 KB): 10,000 is hours of a noisy cluster. */
export const DEFAULT_ALERT_CAPACITY = 10_000;
/** Malformed lines kept for display: enough to see a pattern, never a memory concern. */
export const MALFORMED_KEPT = 20;
/** Open requests remembered after their row left the ring (~120 B each, so ≤ ~12 MB). */
export const MAX_OPEN_EVICTED = 100_000;
/**
 * Top-N: counts are exact up to 2 × this many distinct keys per dimension (see topn.ts); each key
 * costs ~400 B, so a dimension flooded with distinct keys holds at most ~3 MB.
 */
export const KEYS_PER_DIMENSION = 4096;
/** Distinct alert rule ids counted for the summary (rules are a finite set; this is a safety net). */
const MAX_ALERT_RULES = 1000;


const EMPTY_BUFFER = Buffer.alloc(0);

export interface EngineOptions {
  bufferEvents: number;
  bufferBytes: number;
  detector: Detector;
  filter?: (ev: AuditEvent) => boolean;
  /** capacity of the alerts ring (default DEFAULT_ALERT_CAPACITY) */
  alertCapacity?: number;
}

export interface EngineListener {
  /** every event line, in input order, after merging and detection (row.alert is already set) */
  onEvent?(ev: AuditEvent, row: RequestRow): void;
  /** every alert occurrence */
  onAlert?(a: Alert): void;
  onNotice?(source: string, message: string): void;
}

export interface Progress {
  source: string;
  bytesRead: number;
  bytesTotal: number;
}

/** Sizes of every bounded structure, for tests and the bench. */
export interface EngineStats {
  rows: number;
  rowBytes: number;
  /** slab memory holding the rows' raw JSON (live bytes plus at most about one slab) */
  rawStoreBytes: number;
  index: number;
  openEvicted: number;
  alerts: number;
  /** distinct keys held per dimension and window */
  keys: Record<Dimension, Record<Window, number>>;
}

interface Row extends RequestRow {
  /** the buffered copy: a StoredEvent, or the PackedEvent itself (adopted) */
  ev: StoredEvent | PackedEvent;
  /** the request's status code has been counted in the `codes` dimension */
  codeCounted: boolean;
  /** hashId(auditID): eviction finds the index slot without reading the (by then cold) id string */
  hash: number;
}

const STAGE_RANK: Record<string, number> = { RequestReceived: 1, ResponseStarted: 2, ResponseComplete: 3, Panic: 4 };

function severityRank(s: Severity | ''): number {
  return s === '' ? SEVERITIES.length : SEVERITIES.indexOf(s);
}

/** The key an event contributes to a dimension ('' = none: not counted). */
export function dimensionKey(dim: Dimension, ev: AuditEvent): string {
  switch (dim) {
    case 'users':
      return ev.user;
    case 'verbs':
      return ev.verb;
    case 'resources':
      return ev.subresource ? `${ev.resource}/${ev.subresource}` : ev.resource;
    case 'namespaces':
      return ev.namespace;
    case 'sourceIPs':
      return ev.sourceIP;
    case 'userAgents':
      return ev.userAgent;
    case 'codes':
      return ev.code > 0 ? codeKey(ev.code) : '';
  }
}

/** HTTP status codes as keys, made once each: String(code) per completed request was a fresh string every time. */
const CODE_KEYS = new Array<string | undefined>(1000);
function codeKey(code: number): string {
  if (!Number.isInteger(code) || code < 0 || code > 999) return String(code);
  return (CODE_KEYS[code] ??= String(code));
}

/** Dimensions counted when a request is first seen (codes wait until the code is known). */
const FIRST_STAGE_DIMS = DIMENSIONS.filter((d) => d !== 'codes');

/** The four possible contexts, shared: a detector only reads them (saves an object per event). */
const CONTEXTS: readonly RequestContext[] = [
  Object.freeze({ firstStage: false, finalStage: false }),
  Object.freeze({ firstStage: false, finalStage: true }),
  Object.freeze({ firstStage: true, finalStage: false }),
  Object.freeze({ firstStage: true, finalStage: true }),
];

/**
 * A request's stage list after one more stage: a shared frozen array for the few lists real requests
 * have ([ResponseComplete], [RequestReceived, ResponseComplete], …), so a buffered row allocates no
 * array of its own for them (one allocation fewer per row, and ~30% of requests have a second
 * stage). Bounded: the lists a hostile log's invented stages make are fresh arrays.
 */
const NO_STAGES: string[] = Object.freeze([]) as unknown as string[];
const NEXT_STAGES = new Map<string[], Map<string, string[]>>();
function withStage(stages: string[], stage: string): string[] {
  let next = NEXT_STAGES.get(stages);
  if (next === undefined) {
    if (NEXT_STAGES.size >= 64) return Object.freeze(stages.concat(stage)) as unknown as string[];
    next = new Map();
    NEXT_STAGES.set(stages, next);
  }
  let a = next.get(stage);
  if (a === undefined) {
    // concat: an exact-length copy (a spread leaves room to grow: ~200 B per merged row, measured)
    a = Object.freeze(stages.concat(stage)) as unknown as string[];
    if (next.size < 8) next.set(stage, a);
  }
  return a;
}

export class Engine {
  readonly counts: Counts = { events: 0, requests: 0, malformed: 0, skippedLong: 0, gaps: 0 };
  /** bumps on every change; the UI store batches renders on it */
  version = 0;
  readonly rows: Ring<RequestRow>;
  readonly alerts: Ring<Alert>;
  /** keep only matching events (--filter, the screen's `f`); may be replaced at any time */
  filter: ((ev: AuditEvent) => boolean) | undefined;
  /** events dropped by the filter */
  filteredOut = 0;
  /** latest replay progress reported by a source */
  progressInfo: Progress | null = null;
  /** the most recent notice ("waiting for …", "rotated", …) */
  lastNotice: { source: string; message: string } | null = null;

  private readonly detector: Detector;
  /** auditID → the row of that request still in the ring (row-index.ts) */
  private readonly index: RowIndex<Row>;
  /** auditID → code already counted, for open requests whose row left the ring */
  private readonly openEvicted = new Map<string, boolean>();
  /** hashId of every key of openEvicted: most new requests need no lookup there */
  private readonly openEvictedHashes = new HashFilter();
  private readonly dims = {} as Record<Dimension, KeyCounter>;
  private readonly rateSeries = new RateSeries();
  private readonly malformedKept = new Ring<MalformedLine>(MALFORMED_KEPT);
  private readonly alertCounts = new Map<string, number>();
  /** copy-on-write: subscribe/unsubscribe replace the array, so iterating it needs no snapshot */
  private listeners: EngineListener[] = [];
  private firstTs = Infinity;
  private firstTime: string | null = null;
  private lastTs = -Infinity;
  private lastTime: string | null = null;
  /**
   * The event lastTime is the time of, until someone asks: a buffered event reads its time from its
   * raw bytes (event-texts.ts), and reading it for each event in turn was ~0.25 s of the main
   * thread's ~4.4 s on the 1M-event bench replay. Read before that event's bytes are let go.
   */
  private lastTimeOf: AuditEvent | null = null;
  private detectorFailed = false;
  private readonly interner = new Interner();
  /** where buffered rows keep their raw JSON; the decode worker's batches are decoded into its slabs */
  readonly rawStore = new RawStore();
  /** see rawBytes() */
  private readonly lineBytes: { line: string | null; buf: Buffer; start: number; end: number; slab: Slab | null } = { line: null, buf: EMPTY_BUFFER, start: 0, end: 0, slab: null };

  constructor(opts: EngineOptions) {
    this.detector = opts.detector;
    this.filter = opts.filter;
    this.rows = new Ring<RequestRow>(opts.bufferEvents, {
      maxWeight: opts.bufferBytes,
      weigh: (r) => r.bytes,
      onEvict: (r) => this.evicted(r as Row),
    });
    this.index = new RowIndex<Row>((seq) => this.rows.get(seq) as Row | undefined);
    this.alerts = new Ring<Alert>(opts.alertCapacity ?? DEFAULT_ALERT_CAPACITY);
    for (const d of DIMENSIONS) this.dims[d] = new KeyCounter(KEYS_PER_DIMENSION);
  }

  subscribe(l: EngineListener): () => void {
    this.listeners = [...this.listeners, l];
    return () => {
      this.listeners = this.listeners.filter((x) => x !== l);
    };
  }

  /** Ingest one decoded event: merge by auditID, buffer, count, detect, notify. */
  event(ev: AuditEvent): void {
    if (this.filter && !this.filter(ev)) {
      this.filteredOut++;
      return;
    }
    this.counts.events++;
    this.version++;
    // A PackedEvent's strings come from the decode worker's dictionary: already one copy per value.
    if (!(ev instanceof PackedEvent)) this.interner.event(ev);
    const ts = this.eventTime(ev);
    this.rateSeries.add(ts);

    const id = ev.auditID;
    // hashed once for the index lookup, its insertion and the filter of openEvicted
    const h = id === '' ? 0 : hashId(id);
    let row = id === '' ? undefined : this.index.get(id, h);
    let firstStage = false;
    if (row) {
      this.merge(row, ev);
    } else {
      let codeCounted = false;
      const remembered = id === '' || !this.openEvictedHashes.mayHave(h) ? undefined : this.openEvicted.get(id);
      if (remembered !== undefined) {
        // a later stage of a request whose row already left the ring: show it again, count it once
        this.openEvicted.delete(id);
        this.openEvictedHashes.remove(h);
        codeCounted = remembered;
      } else {
        firstStage = true;
        this.counts.requests++;
        for (const d of FIRST_STAGE_DIMS) {
          const k = dimensionKey(d, ev);
          if (k !== '') this.dims[d].add(boundKey(k), ts);
        }
      }
      row = {
        seq: this.rows.lastSeq + 1,
        rev: 0,
        auditID: id,
        ev: this.stored(ev),
        stages: withStage(NO_STAGES, ev.stage),
        open: !isFinalStage(ev.stage),
        alert: '',
        bytes: 0,
        codeCounted,
        hash: h,
      };
      row.bytes = row.ev.len;
      this.rows.push(row);
      if (id !== '') this.index.set(id, row.seq, h);
    }
    if (!row.codeCounted && ev.code > 0) {
      row.codeCounted = true;
      this.dims.codes.add(codeKey(ev.code), ts);
    }

    const ctx = CONTEXTS[(firstStage ? 2 : 0) + (isFinalStage(ev.stage) ? 1 : 0)] as RequestContext;
    const raised = this.detect(ev, ctx);
    for (const a of raised) {
      if (severityRank(a.severity) < severityRank(row.alert)) row.alert = a.severity;
    }
    for (const l of this.listeners) l.onEvent?.(ev, row);
    for (const a of raised) this.addAlert(a);
  }

  /**
   * Tells the engine the UTF-8 bytes of the line about to be decoded (`buf[start, end)`), or forgets
   * them (null). An event whose raw JSON is that very line then has its bytes copied into the raw
   * store instead of its string encoded back to UTF-8 (measured: ~10% of a replay's CPU), or, when
   * `slab` says they are in a shared slab of this engine's store (`buf` is its buffer), kept there.
   */
  rawBytes(line: string | null, buf: Buffer = EMPTY_BUFFER, start = 0, end = 0, slab: Slab | null = null): void {
    const h = this.lineBytes;
    h.line = line;
    h.buf = buf;
    h.start = start;
    h.end = end;
    h.slab = slab;
  }

  malformed(m: MalformedLine): void {
    this.counts.malformed++;
    this.malformedKept.push(m);
    this.version++;
  }

  skippedLong(bytes: number, source: string): void {
    this.counts.skippedLong++;
    this.version++;
    this.notice(source, `skipped a line of ${bytes} bytes (over the line limit)`);
  }

  /** A provable loss of log data: counted, announced, and handed to the detector. */
  gap(g: GapInfo): void {
    this.counts.gaps++;
    this.version++;
    this.notice(g.source, g.message);
    let raised: Alert[] = [];
    try {
      raised = this.detector.gap(g);
    } catch (err) {
      this.detectorError(err);
    }
    for (const a of raised) this.addAlert(a);
  }

  notice(source: string, message: string): void {
    this.lastNotice = { source, message };
    this.version++;
    for (const l of this.listeners) l.onNotice?.(source, message);
  }

  progress(p: Progress): void {
    this.progressInfo = p;
    this.version++;
  }

  recentMalformed(): MalformedLine[] {
    return this.malformedKept.latest(MALFORMED_KEPT);
  }

  /** The busiest keys of a dimension over a window of event time, counting each request once. */
  top(dim: Dimension, window: Window, n = 10): TopEntry[] {
    return this.dims[dim].top(window, n, this.nowForWindows());
  }

  /** Events per second of event time for the last `seconds` seconds, oldest first. */
  rate(seconds: number): number[] {
    return this.rateSeries.series(seconds);
  }

  first(): string | null {
    return this.firstTime;
  }

  last(): string | null {
    this.settleLastTime();
    return this.lastTime;
  }

  /** latest event time seen (ms since the epoch), NaN before any timed event: the "now" of windows */
  nowTs(): number {
    return Number.isFinite(this.lastTs) ? this.lastTs : NaN;
  }

  summary(): Summary {
    const top = {} as Record<Dimension, TopEntry[]>;
    for (const d of DIMENSIONS) top[d] = this.top(d, 'all', 10);
    const alerts: Record<string, number> = {};
    for (const [rule, n] of [...this.alertCounts.entries()].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))) alerts[rule] = n;
    return {
      events: this.counts.events,
      requests: this.counts.requests,
      malformed: this.counts.malformed,
      skippedLong: this.counts.skippedLong,
      gaps: this.counts.gaps,
      first: this.firstTime,
      last: this.last(),
      top,
      alerts,
    };
  }

  stats(): EngineStats {
    const keys = {} as Record<Dimension, Record<Window, number>>;
    const now = this.nowForWindows();
    for (const d of DIMENSIONS) {
      const c = this.dims[d];
      keys[d] = { '1m': c.sizeIn('1m', now), '5m': c.sizeIn('5m', now), '1h': c.sizeIn('1h', now), all: c.size };
    }
    return {
      rows: this.rows.size,
      rowBytes: this.rows.weight,
      rawStoreBytes: this.rawStore.bytes,
      index: this.index.size,
      openEvicted: this.openEvicted.size,
      alerts: this.alerts.size,
      keys,
    };
  }

  // ------------------------------------------------------------------------------------------

  /** "now" of the windows: the latest event time, or 0 for a log without times (all counted at 0) */
  private nowForWindows(): number {
    return Number.isFinite(this.lastTs) ? this.lastTs : 0;
  }

  private eventTime(ev: AuditEvent): number {
    const ts = ev.ts;
    if (Number.isFinite(ts)) {
      if (ts < this.firstTs) {
        this.firstTs = ts;
        this.firstTime = ev.time;
      }
      if (ts >= this.lastTs) {
        this.lastTs = ts;
        this.lastTimeOf = ev;
      }
      return ts;
    }
    // No usable time: count it at "now" (or at 0 when the log has no times at all).
    return Number.isFinite(this.lastTs) ? this.lastTs : 0;
  }

  private settleLastTime(): void {
    const ev = this.lastTimeOf;
    if (ev === null) return;
    this.lastTime = ev.time;
    this.lastTimeOf = null;
  }

  /** A buffered event's bytes are let go: the time of the latest event must be read first if it is this one. */
  private releaseEvent(ev: StoredEvent | PackedEvent): void {
    if (ev === this.lastTimeOf) this.settleLastTime();
    ev.release();
  }

  private merge(row: Row, ev: AuditEvent): void {
    row.stages = withStage(row.stages, ev.stage);
    row.rev++;
    if ((STAGE_RANK[ev.stage] ?? 0) >= (STAGE_RANK[row.ev.stage] ?? 0)) {
      this.releaseEvent(row.ev);
      row.ev = this.stored(ev);
      const delta = row.ev.len - row.bytes;
      row.bytes = row.ev.len;
      row.open = !isFinalStage(ev.stage);
      // may evict older rows (or, if it is the oldest, this one) to stay within --buffer-bytes
      if (delta !== 0) this.rows.addWeight(row.seq, delta);
    }
  }

  private stored(ev: AuditEvent): StoredEvent | PackedEvent {
    if (ev instanceof PackedEvent && ev.adoptableBy(this.rawStore)) {
      ev.adopt();
      return ev;
    }
    const h = this.lineBytes;
    // A PackedEvent carries its own bytes; the raw of any other event is compared with the line
    // (the same string object for a line holding one event: a pointer comparison).
    const bytes = h.line !== null && !(ev instanceof PackedEvent) && ev.raw === h.line ? h : null;
    return new StoredEvent(ev, this.rawStore, bytes);
  }

  private evicted(row: Row): void {
    this.releaseEvent(row.ev);
    // (not indexed when a newer row took over its auditID)
    if (row.auditID === '') return;
    const h = row.hash;
    if (!this.index.delete(row.auditID, row.seq, h)) return;
    if (row.open) {
      if (!this.openEvicted.has(row.auditID)) this.openEvictedHashes.add(h);
      this.openEvicted.set(row.auditID, row.codeCounted);
      if (this.openEvicted.size > MAX_OPEN_EVICTED) {
        // FIFO: forget the oldest (a completion after that is counted as a new request)
        const oldest = this.openEvicted.keys().next().value as string;
        this.openEvicted.delete(oldest);
        this.openEvictedHashes.remove(hashId(oldest));
      }
    }
  }

  private detect(ev: AuditEvent, ctx: RequestContext): Alert[] {
    try {
      return this.detector.evaluate(ev, ctx);
    } catch (err) {
      this.detectorError(err);
      return [];
    }
  }

  private detectorError(err: unknown): void {
    // A rule bug must not stop ingest; say so once.
    if (this.detectorFailed) return;
    this.detectorFailed = true;
    this.notice('detector', `a detection rule failed and was skipped: ${err instanceof Error ? err.message : String(err)}`);
  }

  private addAlert(a: Alert): void {
    this.alerts.push(a);
    const n = this.alertCounts.get(a.rule);
    if (n !== undefined) this.alertCounts.set(a.rule, n + 1);
    else if (this.alertCounts.size < MAX_ALERT_RULES) this.alertCounts.set(a.rule, 1);
    this.version++;
    for (const l of this.listeners) l.onAlert?.(a);
  }
}
