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
/**
 * While a backlog builds at full speed (a replay at --speed max, a follower catching up), at most 2
 * snapshots a second: there each frame is pure cost on the one thread that also ingests (1M-event
 * bench replay on screen: ~5.8 s of React commit + Ink output at 10 Hz against 8 s of ingest; at
 * 4 Hz still ~1.5 s, 30-50 ms a frame while the other core decodes), and nobody reads a feed
 * scrolling at 100k events/s: the progress bar and counts moving twice a second show it is alive.
 * Keys are unaffected: setView/refresh/markEnded publish at once, and what only the UI holds
 * (cursor, panes, inspector) is React state.
 */
export const BUSY_PUBLISH_INTERVAL_MS = 500;
/**
 * "Busy" means the engine version moved by at least this much since the last publish: 2,000 per
 * 100 ms is 20k events/s, far above a live cluster's rate (issue 5 plans for ~1,000/s) and far below
 * ingest flat out (~100k/s), so a followed log still shows at 10 Hz.
 */
export const BUSY_VERSION_DELTA = 2000;
/**
 * While busy the store looks again this often, and publishes as soon as the engine stood still since
 * the last look: when ingest goes quiet the final state shows within ~this, not a busy interval later.
 */
export const BUSY_CHECK_MS = 100;
/** Repeats of the same alert group key within this much event time are one row with a count. */
export const ALERT_GROUP_WINDOW_MS = 5 * 60_000;
/** Groups kept for the alerts pane (the engine's alert ring keeps every occurrence for the inspector/headless). */
export const MAX_ALERT_GROUPS = 1000;
/** Notices kept for the status bar (rotation, gaps, waiting for a file). */
export const MAX_NOTICES = 20;
/** Seconds of rate history for the sparkline. */
export const RATE_SECONDS = 60;

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
  /** requests buffered when the pane data was built (frozen with it while paused; the feed's title) */
  requestsShown: number;
}

export interface StoreOptions {
  /** replay pacer status, polled at each publish */
  replayStatus?: () => ReplayStatus | null;
  /** wall clock (tests inject one) */
  now?: () => number;
  /** how full the real buffer is, when the store reads a filtered view of it */
  buffer?: () => { size: number; capacity: number };
}

const EMPTY_COUNTS: Counts = { events: 0, requests: 0, malformed: 0, skippedLong: 0, gaps: 0 };

export class Store {
  private readonly engine: EngineView;
  private readonly now: () => number;
  private readonly replayStatus: () => ReplayStatus | null;
  private readonly buffer: () => { size: number; capacity: number };
  private readonly listeners = new Set<() => void>();
  private readonly unsubscribeEngine: () => void;
  private view: ViewRequest;
  private snap: Snapshot;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private lastPublish = -Infinity;
  /** engine version of the last publish, and at the last busy check (see BUSY_*) */
  private publishedVersion = 0;
  private checkedVersion = 0;
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
  /** the view the current pane data was built for: a paused store reuses that data while the view stays put */
  private builtFor: ViewRequest | null = null;

  constructor(engine: EngineView, view: ViewRequest, opts: StoreOptions = {}) {
    this.engine = engine;
    this.view = { ...view };
    this.now = opts.now ?? Date.now;
    this.replayStatus = opts.replayStatus ?? (() => null);
    this.buffer = opts.buffer ?? (() => ({ size: engine.rows.size, capacity: engine.rows.capacity }));
    const l: EngineListener = {
      onEvent: () => this.markDirty(),
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
    this.publishedVersion = this.checkedVersion = engine.version;
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

  /** Every source has ended: say so on the status bar. */
  markEnded(): void {
    this.ended = true;
    this.publish(true);
  }

  /** Something outside the engine changed (replay clock, progress): publish with the next batch. */
  poke(): void {
    this.markDirty();
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
    this.arm(delay);
  }

  private arm(delay: number): void {
    this.timer = setTimeout(() => this.fire(), delay);
    // the batch timer alone must not keep a finished replay's process alive
    this.timer.unref?.();
  }

  private fire(): void {
    this.timer = null;
    if (!this.dirty || this.disposed) return;
    const v = this.engine.version;
    const since = this.now() - this.lastPublish;
    // busy and still moving since the last look: hold the frame back until the busy interval is up
    if (v - this.publishedVersion >= BUSY_VERSION_DELTA && v !== this.checkedVersion && since < BUSY_PUBLISH_INTERVAL_MS) {
      this.checkedVersion = v;
      this.arm(Math.max(1, Math.min(BUSY_CHECK_MS, BUSY_PUBLISH_INTERVAL_MS - since)));
      return;
    }
    this.publish(false);
  }

  private publish(force: boolean): void {
    if (this.disposed) return;
    if (!force && !this.dirty) return;
    this.dirty = false;
    this.lastPublish = this.now();
    this.publishedVersion = this.checkedVersion = this.engine.version;
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
      // the "Alerts N" total restarts from what the new view holds (a filter keeps fewer)
      this.alertsSeen = ring.size;
    }
    const fresh = this.alertsSeenSeq === null ? ring.size : Math.min(ring.size, last - this.alertsSeenSeq);
    this.alertsSeenSeq = last;
    if (fresh <= 0) return;
    for (let i = ring.size - fresh; i < ring.size; i++) {
      const a = ring.at(i);
      if (a) this.addAlert(a);
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

  private build(serial: number): Snapshot {
    const e = this.engine;
    const counts = { ...(e.counts ?? EMPTY_COUNTS) };
    const ring = e.rows;
    const firstSeq = ring.size > 0 ? (ring.at(0)?.seq ?? 0) : 0;
    const lastSeq = ring.size > 0 ? (ring.at(ring.size - 1)?.seq ?? -1) : -1;
    const prev = this.snap as Snapshot | undefined;
    const frozen = this.view.paused && prev !== undefined && this.builtFor !== null && sameView(this.builtFor, this.view);

    let rows: RequestRow[];
    let newRows: number;
    let alertGroups: AlertGroup[];
    let top: TopEntry[];
    let rate: number[];
    let nowTs: number;
    let requestsShown: number;
    if (frozen && prev) {
      requestsShown = prev.requestsShown;
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
      top = e.top(this.view.topDim, this.view.topWindow, Math.max(1, this.view.topN));
      rate = e.rate(RATE_SECONDS);
      nowTs = e.nowTs();
      requestsShown = counts.requests;
      this.builtFor = { ...this.view };
    }
    const buf = this.buffer();
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
      bufferSize: buf.size,
      bufferCapacity: buf.capacity,
      notices: [...this.notices],
      malformed: e.recentMalformed(),
      nowTs,
      paused: this.view.paused,
      replay: this.replayStatus(),
      ended: this.ended,
      requestsShown,
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
