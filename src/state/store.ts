/**
 * The store the screen reads: it wraps the Engine and batches its changes before React sees them
 * (gemini-cli's console store, k9s' flush timeout). Ink's maxFps only limits terminal writes; React
 * and layout would still run per event, so the store publishes a new immutable snapshot at most
 * every PUBLISH_INTERVAL_MS and components read it through useSyncExternalStore (getSnapshot
 * returns the same object until the next publish).
 *
 * Pause freezes what the panes show (rows, alerts, top-N, rate) while ingest continues; the
 * counters keep moving so the status bar can say how much arrived meanwhile.
 */
import type { Alert } from '../detect/types.js';
import { dimensionKey } from '../model/engine.js';
import type { AuditEvent } from '../model/event.js';
import type { Counts, Dimension, MalformedLine, RequestRow, TopEntry, Window } from '../model/types.js';
import type { EngineListener, EngineView, RingView } from './engine-view.js';

/**
 * At most ~10 snapshots a second: a 120×40 frame takes 20–30 ms to build in Ink 6, so 10 Hz keeps
 * the UI under a third of a core at 1,000 events/s (measured, issue 5) and still feels live.
 */
export const PUBLISH_INTERVAL_MS = 100;
/**
 * After a quiet spell the first change is shown this soon, not a full interval later: one event
 * (or a burst written in one go) then appears at once, and a burst is still coalesced into one frame.
 */
export const QUIET_PUBLISH_DELAY_MS = 16;
/** Repeats of the same alert group key within this much event time are one row with a count. */
export const ALERT_GROUP_WINDOW_MS = 5 * 60_000;
/** Groups kept for the alerts pane (the engine's alert ring keeps every occurrence for the inspector/headless). */
export const MAX_ALERT_GROUPS = 1000;
/** Notices kept for the status bar (rotation, gaps, waiting for a file). */
export const MAX_NOTICES = 20;
/** Seconds of rate history for the sparkline. */
export const RATE_SECONDS = 60;
/** Top-N windows in ms of event time ('all' = everything buffered). */
export const WINDOW_MS: Record<Window, number> = { '1m': 60_000, '5m': 300_000, '1h': 3_600_000, all: Infinity };

/** A predicate on events for the screen's `f` filter (the view filters; ingest keeps everything). */
export type EventTest = (ev: AuditEvent) => boolean;

export interface AlertGroup {
  /** stable id of the group (selection anchors on it while newer alerts arrive) */
  id: number;
  /** the newest occurrence */
  alert: Alert;
  count: number;
  firstTs: number;
  lastTs: number;
}

export interface Notice {
  source: string;
  message: string;
  /** wall-clock ms when it arrived */
  at: number;
}

/** What the replay pacer reports (src/ingest/replay/pacer.ts); absent outside replay. */
export interface ReplayStatus {
  /** replay clock: event time being played, ms */
  clock: number;
  /** speed factor; Infinity for max */
  speed: number;
  paused: boolean;
  /** 0..1 by bytes read of the total, NaN when unknown */
  progress: number;
  /** the replay reached the end of its input */
  done?: boolean;
}

/** What the UI asks to see; the store recomputes the pane data when it changes. */
export interface ViewRequest {
  /** seq of the bottom feed row; null = newest (following) */
  feedEnd: number | null;
  feedPage: number;
  topDim: Dimension;
  topWindow: Window;
  topN: number;
  paused: boolean;
}

export interface Snapshot {
  /** bumps on every publish */
  serial: number;
  /** engine version this snapshot was built from */
  version: number;
  counts: Counts;
  /** the feed page, oldest first (a copy: a frozen view does not change under the user) */
  rows: RequestRow[];
  firstSeq: number;
  lastSeq: number;
  /** requests newer than the bottom row on screen (0 while following) */
  newRows: number;
  /** events ingested since pause (0 when not paused) */
  newWhilePaused: number;
  alertGroups: AlertGroup[];
  alertTotal: number;
  top: TopEntry[];
  topDim: Dimension;
  topWindow: Window;
  /** events/s of event time, oldest first */
  rate: number[];
  bufferSize: number;
  bufferCapacity: number;
  notices: Notice[];
  malformed: MalformedLine[];
  /** latest event time seen (ms) */
  nowTs: number;
  paused: boolean;
  replay: ReplayStatus | null;
  /** every source has ended (a replay finished, stdin closed); the screen stays browsable */
  ended: boolean;
  /** a view filter is in force: rows, alerts and top-N are of matching requests only */
  filtered: boolean;
  /** requests the feed can show (all buffered, or the matching ones) */
  feedTotal: number;
}

export interface StoreOptions {
  /** replay pacer status, polled at each publish */
  replayStatus?: () => ReplayStatus | null;
  /** wall clock (tests inject one) */
  now?: () => number;
}

const EMPTY_COUNTS: Counts = { events: 0, requests: 0, malformed: 0, skippedLong: 0, gaps: 0 };

export class Store {
  private readonly engine: EngineView;
  private readonly now: () => number;
  private readonly replayStatus: () => ReplayStatus | null;
  private readonly listeners = new Set<() => void>();
  private readonly unsubscribeEngine: () => void;
  private view: ViewRequest;
  private snap: Snapshot;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private lastPublish = -Infinity;
  private dirty = false;
  private disposed = false;

  private readonly groups: AlertGroup[] = [];
  private readonly groupByKey = new Map<string, AlertGroup>();
  private nextGroupId = 1;
  private alertsSeenSeq: number | null = null;
  private groupsChanged = true;
  private groupsCopy: AlertGroup[] = [];

  private readonly notices: Notice[] = [];
  private eventsAtPause = 0;
  private ended = false;
  private alertsSeen = 0;
  private filter: FilteredRows | null = null;
  /** the view the current pane data was built for: a paused store reuses that data while the view stays put */
  private builtFor: ViewRequest | null = null;

  constructor(engine: EngineView, view: ViewRequest, opts: StoreOptions = {}) {
    this.engine = engine;
    this.view = { ...view };
    this.now = opts.now ?? Date.now;
    this.replayStatus = opts.replayStatus ?? (() => null);
    const l: EngineListener = {
      onEvent: (_ev, row) => {
        this.filter?.offer(row);
        this.markDirty();
      },
      onAlert: () => {
        this.alertsSeen++;
        this.markDirty();
      },
      onNotice: (source, message) => {
        this.notices.push({ source, message, at: this.now() });
        if (this.notices.length > MAX_NOTICES) this.notices.shift();
        this.markDirty();
      },
    };
    this.unsubscribeEngine = engine.subscribe(l);
    this.snap = this.build(0);
  }

  /** useSyncExternalStore's subscribe */
  subscribe = (cb: () => void): (() => void) => {
    this.listeners.add(cb);
    return () => this.listeners.delete(cb);
  };

  /** useSyncExternalStore's getSnapshot: the same object until the next publish */
  getSnapshot = (): Snapshot => this.snap;

  /** Change what the panes show; publishes at once (a keystroke must not wait for the batch timer). */
  setView(v: ViewRequest): void {
    const o = this.view;
    if (sameView(o, v) && o.paused === v.paused) return;
    if (v.paused && !o.paused) this.eventsAtPause = this.engine.counts.events;
    this.view = { ...v };
    this.publish(true);
  }

  /**
   * Show only requests (and alerts, and top-N counts) matching `test`; null shows everything again.
   * Ingest is not affected: clearing the filter brings back what it hid.
   */
  setFilter(test: EventTest | null): void {
    this.filter = test ? new FilteredRows(test, this.engine.rows) : null;
    this.groups.length = 0;
    this.groupByKey.clear();
    this.alertsSeenSeq = null;
    this.groupsChanged = true;
    this.builtFor = null;
    this.publish(true);
  }

  /** Every source has ended: say so on the status bar. */
  markEnded(): void {
    this.ended = true;
    this.publish(true);
  }

  /** Publish now even though the engine did not change (replay speed/pause changed, a notice expired). */
  refresh(): void {
    this.publish(true);
  }

  /** The buffered request with this auditID, newest first; undefined once evicted. */
  findRow(auditID: string): RequestRow | undefined {
    const rows = this.engine.rows;
    for (let i = rows.size - 1; i >= 0; i--) {
      const r = rows.at(i);
      if (r && r.auditID === auditID) return r;
    }
    return undefined;
  }

  dispose(): void {
    this.disposed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.unsubscribeEngine();
    this.listeners.clear();
  }

  private markDirty(): void {
    this.dirty = true;
    if (this.timer || this.disposed) return;
    const since = this.now() - this.lastPublish;
    const delay = since >= PUBLISH_INTERVAL_MS ? QUIET_PUBLISH_DELAY_MS : PUBLISH_INTERVAL_MS - since;
    this.timer = setTimeout(() => {
      this.timer = null;
      if (this.dirty) this.publish(false);
    }, delay);
    // the batch timer alone must not keep a finished replay's process alive
    this.timer.unref?.();
  }

  private publish(force: boolean): void {
    if (this.disposed) return;
    if (!force && !this.dirty) return;
    this.dirty = false;
    this.lastPublish = this.now();
    this.snap = this.build(this.snap ? this.snap.serial + 1 : 0);
    for (const cb of [...this.listeners]) cb();
  }

  private absorbAlerts(): void {
    const ring = this.engine.alerts;
    const last = ring.lastSeq;
    if (this.alertsSeenSeq !== null && last < this.alertsSeenSeq) {
      // the engine was rebuilt (a new filter): regroup from what it holds now
      this.groups.length = 0;
      this.groupByKey.clear();
      this.alertsSeenSeq = null;
      this.groupsChanged = true;
    }
    const fresh = this.alertsSeenSeq === null ? ring.size : Math.min(ring.size, last - this.alertsSeenSeq);
    this.alertsSeenSeq = last;
    if (fresh <= 0) return;
    for (let i = ring.size - fresh; i < ring.size; i++) {
      const a = ring.at(i);
      if (a && (!this.filter || this.filter.test(alertAsEvent(a)))) this.addAlert(a);
    }
    this.groupsChanged = true;
  }

  private addAlert(a: Alert): void {
    const key = a.groupKey || `${a.rule}\u0000${a.auditID}`;
    const g = this.groupByKey.get(key);
    const ts = a.tsMs;
    if (g && !(ts - g.firstTs > ALERT_GROUP_WINDOW_MS) && !(g.firstTs - ts > ALERT_GROUP_WINDOW_MS)) {
      g.count++;
      g.alert = a;
      if (!Number.isNaN(ts)) g.lastTs = ts;
      const i = this.groups.indexOf(g);
      if (i > 0) {
        this.groups.splice(i, 1);
        this.groups.unshift(g);
      }
      return;
    }
    const ng: AlertGroup = { id: this.nextGroupId++, alert: a, count: 1, firstTs: ts, lastTs: ts };
    this.groupByKey.set(key, ng);
    this.groups.unshift(ng);
    if (this.groups.length > MAX_ALERT_GROUPS) {
      const old = this.groups.pop();
      if (old) {
        const k = old.alert.groupKey || `${old.alert.rule}\u0000${old.alert.auditID}`;
        if (this.groupByKey.get(k) === old) this.groupByKey.delete(k);
      }
    }
  }

  private feedPage(): { rows: RequestRow[]; newRows: number } {
    if (this.filter) return this.filteredPage(this.filter);
    const ring = this.engine.rows;
    const page = Math.max(0, this.view.feedPage);
    if (ring.size === 0 || page === 0) return { rows: [], newRows: 0 };
    const first = ring.at(0)?.seq ?? 0;
    const last = ring.at(ring.size - 1)?.seq ?? 0;
    const end = this.view.feedEnd === null ? last : Math.max(first, Math.min(last, this.view.feedEnd));
    const endIdx = indexOfSeq(ring, end, first);
    const rows: RequestRow[] = [];
    for (let i = Math.max(0, endIdx - page + 1); i <= endIdx; i++) {
      const r = ring.at(i);
      // a copy, so a frozen page does not change as later stages update the ring's row in place
      if (r) rows.push({ ...r, stages: [...r.stages] });
    }
    return { rows, newRows: last - end };
  }

  private filteredPage(f: FilteredRows): { rows: RequestRow[]; newRows: number } {
    const page = Math.max(0, this.view.feedPage);
    if (f.size === 0 || page === 0) return { rows: [], newRows: 0 };
    const end = this.view.feedEnd === null ? f.lastSeq : Math.max(f.firstSeq, Math.min(f.lastSeq, this.view.feedEnd));
    const rows: RequestRow[] = [];
    for (let q = Math.max(f.firstSeq, end - page + 1); q <= end; q++) {
      const r = f.get(q);
      // numbered in the filtered sequence, which is what the feed's selection moves through
      if (r) rows.push({ ...r, seq: q, stages: [...r.stages] });
    }
    return { rows, newRows: f.lastSeq - end };
  }

  private build(serial: number): Snapshot {
    const e = this.engine;
    const counts = { ...(e.counts ?? EMPTY_COUNTS) };
    const ring = e.rows;
    const f = this.filter;
    if (f) f.trim(ring.size > 0 ? (ring.at(0)?.seq ?? 0) : 0);
    const firstSeq = f ? f.firstSeq : ring.size > 0 ? (ring.at(0)?.seq ?? 0) : 0;
    const lastSeq = f ? f.lastSeq : ring.size > 0 ? (ring.at(ring.size - 1)?.seq ?? -1) : -1;
    const prev = this.snap as Snapshot | undefined;
    const frozen = this.view.paused && prev !== undefined && this.builtFor !== null && sameView(this.builtFor, this.view);

    let rows: RequestRow[];
    let newRows: number;
    let alertGroups: AlertGroup[];
    let top: TopEntry[];
    let rate: number[];
    let nowTs: number;
    if (frozen && prev) {
      rows = prev.rows;
      newRows = lastSeq - (prev.rows[prev.rows.length - 1]?.seq ?? lastSeq);
      alertGroups = prev.alertGroups;
      top = prev.top;
      rate = prev.rate;
      nowTs = prev.nowTs;
    } else {
      ({ rows, newRows } = this.feedPage());
      this.absorbAlerts();
      if (this.groupsChanged) {
        this.groupsCopy = this.groups.map((g) => ({ ...g }));
        this.groupsChanged = false;
      }
      alertGroups = this.groupsCopy;
      nowTs = e.nowTs();
      const n = Math.max(1, this.view.topN);
      top = f ? filteredTop(f, this.view.topDim, this.view.topWindow, nowTs, n) : e.top(this.view.topDim, this.view.topWindow, n);
      rate = e.rate(RATE_SECONDS);
      this.builtFor = { ...this.view };
    }
    return {
      serial,
      version: e.version,
      counts,
      rows,
      firstSeq,
      lastSeq,
      newRows,
      newWhilePaused: this.view.paused ? Math.max(0, counts.events - this.eventsAtPause) : 0,
      alertGroups,
      alertTotal: Math.max(this.alertsSeen, e.alerts.size),
      top,
      topDim: this.view.topDim,
      topWindow: this.view.topWindow,
      rate,
      bufferSize: ring.size,
      bufferCapacity: ring.capacity,
      notices: [...this.notices],
      malformed: e.recentMalformed(),
      nowTs,
      paused: this.view.paused,
      replay: this.replayStatus(),
      ended: this.ended,
      filtered: f !== null,
      feedTotal: f ? f.size : counts.requests,
    };
  }

}

function sameView(a: ViewRequest, b: ViewRequest): boolean {
  return a.feedEnd === b.feedEnd && a.feedPage === b.feedPage && a.topDim === b.topDim && a.topWindow === b.topWindow && a.topN === b.topN;
}

/** Ring index of a seq: direct when seqs are contiguous (they are: one per request), else a binary search. */
function indexOfSeq(ring: RingView<RequestRow>, seq: number, first: number): number {
  const guess = seq - first;
  if (guess >= 0 && guess < ring.size && ring.at(guess)?.seq === seq) return guess;
  let lo = 0;
  let hi = ring.size - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    const s = ring.at(mid)?.seq ?? 0;
    if (s <= seq) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

/**
 * The buffered requests matching the view filter, in ring order, with their own contiguous seq
 * numbers (the reducer moves by seq). Built by one scan of the ring when the filter is applied, then
 * kept up to date from the engine's events; rows the engine evicted are dropped from the front.
 */
class FilteredRows {
  private rows: RequestRow[] = [];
  private head = 0;
  /** filtered seq of rows[head] */
  private base = 0;
  private lastEngineSeq = -1;

  constructor(
    readonly test: EventTest,
    ring: RingView<RequestRow>,
  ) {
    for (let i = 0; i < ring.size; i++) {
      const r = ring.at(i);
      if (r) this.offer(r);
    }
  }

  /** A new or updated row from the engine; a request is listed once, when it first matches. */
  offer(r: RequestRow): void {
    if (r.seq <= this.lastEngineSeq) return;
    if (!this.test(r.ev)) return;
    this.lastEngineSeq = r.seq;
    this.rows.push(r);
  }

  /** Forget rows the engine no longer holds. */
  trim(firstEngineSeq: number): void {
    while (this.head < this.rows.length && (this.rows[this.head] as RequestRow).seq < firstEngineSeq) {
      this.head++;
      this.base++;
    }
    // compact now and then so the array does not grow with everything ever matched
    if (this.head > 4096 && this.head * 2 > this.rows.length) {
      this.rows = this.rows.slice(this.head);
      this.head = 0;
    }
  }

  get size(): number {
    return this.rows.length - this.head;
  }
  get firstSeq(): number {
    return this.base;
  }
  get lastSeq(): number {
    return this.base + this.size - 1;
  }
  /** the row at filtered seq `fseq` */
  get(fseq: number): RequestRow | undefined {
    return this.rows[this.head + fseq - this.base];
  }
  /** newest first, until `stop` says so */
  *newestFirst(): Generator<RequestRow> {
    for (let i = this.rows.length - 1; i >= this.head; i--) yield this.rows[i] as RequestRow;
  }
}

/** Top-N of one dimension over the filtered requests in a window of event time. */
function filteredTop(rows: FilteredRows, dim: Dimension, window: Window, nowTs: number, n: number): TopEntry[] {
  const from = Number.isFinite(nowTs) ? nowTs - WINDOW_MS[window] : -Infinity;
  const counts = new Map<string, number>();
  for (const r of rows.newestFirst()) {
    // rows arrive in event-time order closely enough that the first one before the window ends it
    if (r.ev.ts < from) break;
    const k = dimensionKey(dim, r.ev);
    if (k !== '') counts.set(k, (counts.get(k) ?? 0) + 1);
  }
  return [...counts].map(([key, count]) => ({ key, count })).sort((a, b) => b.count - a.count || (a.key < b.key ? -1 : 1)).slice(0, n);
}

/** An alert seen as an event, so the view filter can judge it by the fields it names. */
export function alertAsEvent(a: Alert): AuditEvent {
  return {
    ts: a.tsMs, time: a.ts, receivedTs: a.tsMs, auditID: a.auditID, stage: 'ResponseComplete', verb: a.verb, user: a.user,
    groups: [], impersonatedUser: '', impersonatedGroups: [], sourceIP: a.sourceIP, userAgent: '', apiGroup: '', apiVersion: '',
    resource: a.resource, subresource: a.subresource, namespace: a.namespace, name: a.name, code: a.code, reason: '', decision: '',
    uri: '', level: '', latencyMs: -1, hasRequestObject: false, hasResponseObject: false, raw: '', source: '',
  };
}
