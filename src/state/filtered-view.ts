/**
 * The screen's `f` filter: an EngineView that shows the feed, alerts and counts of only the requests
 * matching a filter expression, without dropping anything from the real Engine (clearing the filter
 * brings everything back). The store, the search and the inspector read this view instead of the
 * Engine; with no filter it is a transparent pass-through.
 *
 * How: applying a filter builds a second Engine (same code, so stage merging, top-N windows and rates
 * behave exactly as unfiltered) whose `filter` is the expression, with no detector. It is fed the
 * buffered requests (oldest first, each as the stages it arrived in: see earlierStage), then every
 * live event the real Engine sees. Alerts are not detected twice: the real Engine's
 * alerts are passed on when their request matches (looked up by auditID; alerts about the log itself,
 * without a request, always pass). The rebuild runs in slices (live events arriving meanwhile are
 * queued and applied after), so applying a filter to 100k buffered events never freezes the screen;
 * the view switches when it is complete.
 *
 * Known differences from an unfiltered view, by design: the time windows of top-N end at the newest
 * *matching* event; the earlier stages of a buffered request are rebuilt from its most complete one
 * (the ring keeps only that event and the names of the others), so a ResponseStarted counts at the
 * time the request was received; a request enters the filtered feed when it starts to
 * match (code:>=400 shows a request when its response arrives).
 *
 * Wiring (run-tui `screenView`): `new FilteredView(engine, { bufferEvents, bufferBytes })` from the config;
 * new Store(view, …)`; App gets `engine={view}` and `onFilter={(e) => view.setFilter(e)}`.
 */
import type { Alert } from '../detect/types.js';
import { NO_DETECTOR } from '../detect/types.js';
import { copyEventFields, type AuditEvent, type EventFields } from '../model/event.js';
import { Engine } from '../model/engine.js';
import { isFilterError, parseFilter, type Filter, type FilterContext } from '../model/filter.js';
import type { Counts, Dimension, MalformedLine, RequestRow, TopEntry, Window } from '../model/types.js';
import type { EngineListener, EngineView, RingView } from './engine-view.js';

/** What the view needs from the real Engine (the Engine class satisfies it). */
export interface SourceEngine extends EngineView {
  readonly rows: RingView<RequestRow> & { readonly capacity: number };
}

/**
 * Time budget of one rebuild slice: requests cost ~3–15 µs each to replay (more on a loaded machine),
 * so the slice is bounded by time, checked every REBUILD_CHECK_ROWS, leaving room for frames and keys.
 */
const REBUILD_SLICE_MS = 8;
const REBUILD_CHECK_ROWS = 256;
/** auditID → event kept for matching alerts to their request: about two buffers' worth of requests. */
const RECENT_FACTOR = 2;

const SEV_RANK: Record<string, number> = { '': 0, info: 1, low: 2, medium: 3, high: 4, critical: 5 };
function higher(a: string, b: string): string {
  return (SEV_RANK[a] ?? 0) >= (SEV_RANK[b] ?? 0) ? a : b;
}

/** An event carrying only what an alert says about its request (when the request is no longer known). */
export function eventFromAlert(a: Alert): AuditEvent {
  return {
    ts: a.tsMs,
    time: a.ts,
    receivedTs: a.tsMs,
    auditID: a.auditID,
    stage: '',
    verb: a.verb,
    user: a.user,
    groups: [],
    impersonatedUser: '',
    impersonatedGroups: [],
    sourceIP: a.sourceIP,
    userAgent: '',
    apiGroup: '',
    apiVersion: '',
    resource: a.resource,
    subresource: a.subresource,
    namespace: a.namespace,
    name: a.name,
    code: a.code,
    reason: '',
    decision: '',
    uri: '',
    level: '',
    latencyMs: -1,
    hasRequestObject: false,
    hasResponseObject: false,
    raw: '',
    source: '',
  };
}

/**
 * An earlier stage of a buffered request, rebuilt from the event its row keeps. The ring keeps each
 * request's most complete event and the names of all its stages, not the earlier events; fed before
 * the kept event, these make a buffered request count one event per stage (event counts, events/s)
 * and list its stages, as a request that arrives after the filter does. The request side of an
 * event is the same at every stage; a RequestReceived has no response yet (no code, reason or
 * response body) and happened when the request was received; so did a ResponseStarted as far as
 * can be told (its own time is not kept). `raw`: the kept event's, or '' when the kept event is
 * known to replace this one in the filtered row (it matches the filter), which saves copying it.
 */
export function earlierStage(ev: AuditEvent, stage: string, withRaw = true): AuditEvent {
  return new EarlierStage(ev, stage, withRaw);
}

// A class, not an object literal: literals with accessors are built on V8's slow path (measured: a
// literal with a `raw` getter tripled the cost of a rebuild that filtered nearly everything out).
// Its plain fields are declared by this interface and set by copyEventFields, the one list of them.
interface EarlierStage extends EventFields {}

class EarlierStage implements AuditEvent {
  constructor(
    private readonly kept: AuditEvent,
    stage: string,
    private readonly withRaw: boolean,
  ) {
    const early = Number.isFinite(kept.receivedTs) && (stage === 'RequestReceived' || stage === 'ResponseStarted');
    const noResponse = stage === 'RequestReceived';
    copyEventFields(this, kept);
    this.ts = early ? kept.receivedTs : kept.ts;
    this.stage = stage;
    this.code = noResponse ? 0 : kept.code;
    this.reason = noResponse ? '' : kept.reason;
    this.latencyMs = early ? 0 : kept.latencyMs;
    this.hasResponseObject = noResponse ? false : kept.hasResponseObject;
  }

  get time(): string {
    return this.ts === this.kept.ts ? this.kept.time : new Date(this.ts).toISOString();
  }

  get raw(): string {
    return this.withRaw ? this.kept.raw : '';
  }
}

/**
 * A map that forgets its least recently set keys, keeping between cap/2 and cap of them: two
 * generations, the older dropped whole when the newer fills. Not one Map evicting its first key:
 * V8 leaves a deleted entry as a hole until the table is rebuilt, and `keys().next()` walks the holes
 * at the front, so evicting the oldest on every event grew quadratic (measured on the 1M-event bench
 * replay on screen: ~54 of 90 s of the main thread; 1M sets with a 200k cap: 92 s vs 0.3 s).
 */
export class RecentMap<V> {
  private cur = new Map<string, V>();
  private old = new Map<string, V>();
  private readonly gen: number;
  constructor(cap: number) {
    this.gen = Math.max(1, Math.ceil(cap / 2));
  }
  get(k: string): V | undefined {
    // Empty (no filter, no alert yet): the screen asks once per replayed event, and a Map lookup
    // hashes the fresh auditID string (measured: ~90 ms of a 1M-event replay on screen).
    if (this.cur.size === 0 && this.old.size === 0) return undefined;
    const v = this.cur.get(k);
    return v !== undefined ? v : this.old.get(k);
  }
  set(k: string, v: V): void {
    this.cur.set(k, v);
    if (this.cur.size >= this.gen) {
      this.old = this.cur;
      this.cur = new Map();
    }
  }
  get size(): number {
    return this.cur.size + this.old.size;
  }
}

interface Active {
  expr: string;
  filter: Filter;
  engine: Engine;
  off: () => void;
}

interface Building extends Active {
  /** next seq of the real ring to replay */
  nextSeq: number;
  /** last seq buffered when the rebuild started: newer rows come through the queue */
  endSeq: number;
  /** live events that arrived during the rebuild, applied after it (input order is kept) */
  queued: { ev: AuditEvent; row: RequestRow }[];
  queuedAlerts: Alert[];
}

export class FilteredView implements EngineView {
  private readonly listeners = new Set<EngineListener>();
  private readonly offMain: () => void;
  private active: Active | null = null;
  private building: Building | null = null;
  /** auditID → latest event seen, for matching alerts to requests */
  private readonly recent: RecentMap<AuditEvent>;
  /** the real row whose event is being fed to the filtered engine (its alert severity is copied) */
  private feeding: RequestRow | undefined;
  /** auditID → what its alerts said (for alert: and rule: terms), as many requests as `recent` */
  private readonly alertInfo: RecentMap<{ severity: string; rules: Set<string> }>;
  /** the request the filtered engine accepted last (an alert right after it needs no second feed) */
  private lastAccepted = '';
  /** the real row of the event seen last (alerts follow their event immediately) */
  private lastMainRow: RequestRow | undefined;
  /** the event seen last (an alert right after it is about it) */
  private lastMainEv: AuditEvent | undefined;
  /** offset that makes the alerts ring's lastSeq drop when the view switches (the store regroups then) */
  private alertSeqOffset = 0;
  private readonly schedule: (fn: () => void) => void;
  private readonly alertsView: RingView<Alert>;
  private readonly rowsView: RingView<RequestRow>;
  private switches = 0;
  private readonly bufferBytes: number;
  private readonly bufferEvents: number;

  constructor(
    private readonly main: SourceEngine,
    opts: {
      schedule?: (fn: () => void) => void;
      /**
       * --buffer-bytes: the filtered engine holds the same event objects as the real one, but rows
       * the real one already evicted for size stay until this bound (or the row count) evicts them
       */
      bufferBytes?: number;
      /** --buffer: at most the real ring's capacity in any case */
      bufferEvents?: number;
    } = {},
  ) {
    this.bufferBytes = opts.bufferBytes ?? Number.MAX_SAFE_INTEGER;
    this.bufferEvents = opts.bufferEvents ?? Number.MAX_SAFE_INTEGER;
    this.schedule = opts.schedule ?? ((fn) => setImmediate(fn));
    const recentCap = Math.max(1024, main.rows.capacity * RECENT_FACTOR);
    this.recent = new RecentMap(recentCap);
    this.alertInfo = new RecentMap(recentCap);
    for (let i = 0; i < main.alerts.size; i++) {
      const a = main.alerts.at(i);
      if (a) this.noteAlert(a);
    }
    this.offMain = main.subscribe({
      onEvent: (ev, row) => this.mainEvent(ev, row),
      onAlert: (a) => this.mainAlert(a),
      onNotice: (s, m) => {
        for (const l of this.listeners) l.onNotice?.(s, m);
      },
    });
    // the ring views delegate to whichever engine is shown at the moment they are read
    const self = this as FilteredView;
    this.rowsView = {
      get size() {
        return self.rowsTarget().size;
      },
      get capacity() {
        return self.rowsTarget().capacity;
      },
      at: (i) => self.rowsTarget().at(i),
      get lastSeq() {
        return self.rowsTarget().lastSeq;
      },
    };
    this.alertsView = {
      get size() {
        return self.alertsTarget().size;
      },
      get capacity() {
        return self.alertsTarget().capacity;
      },
      at: (i) => self.alertsTarget().at(i),
      get lastSeq() {
        return self.alertsTarget().lastSeq - self.alertSeqOffset;
      },
    };
  }

  /** The expression in force ('' = none). */
  get expr(): string {
    return this.active?.expr ?? '';
  }

  /** True while a newly applied filter is still being built (the old view shows meanwhile). */
  get pending(): boolean {
    return this.building !== null;
  }

  /** Requests whose event is kept for matching alerts (tests: none per event while no filter is set). */
  get remembered(): number {
    return this.recent.size;
  }

  /** Times the view switched (tests; the store regroups alerts on each). */
  get generation(): number {
    return this.switches;
  }

  /**
   * Apply a filter expression ('' clears it). Returns an error message (with the column) when it does
   * not parse, else null; the view switches once the buffered requests are filtered.
   */
  setFilter(expr: string): string | null {
    const e = expr.trim();
    if (e === '') {
      this.cancelBuild();
      if (this.active) this.switchTo(null);
      return null;
    }
    const f = parseFilter(e);
    if (isFilterError(f)) return `${f.reason} (column ${f.position + 1})`;
    if (this.active?.expr === e && !this.building) return null;
    this.cancelBuild();
    const engine = new Engine({
      bufferEvents: Math.min(this.main.rows.capacity, this.bufferEvents),
      bufferBytes: this.bufferBytes,
      detector: NO_DETECTOR,
      filter: f.needsContext ? (ev) => f.test(ev, this.contextFor(ev)) : (ev) => f.test(ev),
    });
    const ring = this.main.rows;
    const endSeq = ring.size > 0 ? (ring.at(ring.size - 1)?.seq ?? -1) : -1;
    const b: Building = { expr: e, filter: f, engine, off: () => {}, nextSeq: this.firstMainSeq(), endSeq, queued: [], queuedAlerts: [] };
    b.off = engine.subscribe({
      onEvent: (_ev, row) => {
        // the detector runs on the real Engine only: carry its verdict over to the filtered row
        const sev = higher(this.feeding?.alert ?? '', this.alertInfo.get(row.auditID)?.severity ?? '');
        if (sev !== '') row.alert = higher(row.alert, sev) as RequestRow['alert'];
        this.lastAccepted = row.auditID;
        if (this.active?.engine === engine) for (const l of this.listeners) l.onEvent?.(_ev, row);
      },
    });
    this.building = b;
    this.rebuildSlice(b);
    return null;
  }

  /** Stop following the real Engine (the screen is closing). */
  dispose(): void {
    this.cancelBuild();
    this.active?.off();
    this.offMain();
    this.listeners.clear();
  }

  // --- EngineView ------------------------------------------------------------------------------

  subscribe(l: EngineListener): () => void {
    this.listeners.add(l);
    return () => {
      this.listeners.delete(l);
    };
  }

  get counts(): Counts {
    const m = this.main.counts;
    if (!this.active) return m;
    const c = this.active.engine.counts;
    // malformed lines, skipped lines and gaps are about the input, not about matching requests
    return { events: c.events, requests: c.requests, malformed: m.malformed, skippedLong: m.skippedLong, gaps: m.gaps };
  }

  get version(): number {
    return this.main.version + (this.active ? this.active.engine.version : 0) + this.switches;
  }

  get rows(): RingView<RequestRow> {
    return this.rowsView;
  }

  get alerts(): RingView<Alert> {
    return this.alertsView;
  }

  recentMalformed(): MalformedLine[] {
    return this.main.recentMalformed();
  }

  top(dim: Dimension, window: Window, n?: number): TopEntry[] {
    return this.active ? this.active.engine.top(dim, window, n) : this.main.top(dim, window, n);
  }

  rate(seconds: number): number[] {
    return this.active ? this.active.engine.rate(seconds) : this.main.rate(seconds);
  }

  nowTs(): number {
    return this.main.nowTs();
  }

  // --- internals ------------------------------------------------------------------------------

  private rowsTarget(): RingView<RequestRow> {
    return this.active ? this.active.engine.rows : this.main.rows;
  }

  private alertsTarget(): RingView<Alert> {
    return this.active ? this.active.engine.alerts : this.main.alerts;
  }

  private firstMainSeq(): number {
    return this.main.rows.size > 0 ? (this.main.rows.at(0)?.seq ?? 0) : 0;
  }

  private remember(ev: AuditEvent): void {
    if (ev.auditID === '') return;
    this.recent.set(ev.auditID, ev);
  }

  /** What the alerts raised by a request said (severity, rule ids), for search's alert:/rule: terms. */
  alertContext(row: RequestRow): FilterContext {
    const info = this.alertInfo.get(row.auditID);
    const severity = higher(row.alert, info?.severity ?? '');
    return info ? { severity, rules: info.rules } : { severity };
  }

  /** What is known of a request's alerts: its row's severity (set before listeners run) and earlier alerts. */
  private contextFor(ev: AuditEvent): FilterContext {
    const info = this.alertInfo.get(ev.auditID);
    const severity = higher(this.feeding?.alert ?? '', info?.severity ?? '');
    return info ? { severity, rules: info.rules } : { severity };
  }

  private noteAlert(a: Alert): void {
    if (a.auditID === '') return;
    let info = this.alertInfo.get(a.auditID);
    if (!info) {
      info = { severity: '', rules: new Set() };
    }
    // set again when known: a request's alerts stay known as long as it keeps raising them
    this.alertInfo.set(a.auditID, info);
    info.severity = higher(info.severity, a.severity);
    info.rules.add(a.rule);
  }

  private alertMatches(f: Filter, a: Alert): boolean {
    // alerts about the log itself (gaps) name no request: they concern every view
    if (a.auditID === '') return true;
    const ev = this.recent.get(a.auditID);
    // for the alerts pane, alert: and rule: terms select the alert itself (alert:high lists high alerts)
    return f.test(ev ?? eventFromAlert(a), { severity: a.severity, rules: new Set([a.rule]) });
  }

  /** A buffered request: its stages in the order they arrived, the earlier ones rebuilt (earlierStage). */
  private feedBuffered(engine: Engine, row: RequestRow): void {
    const stages = row.stages;
    const kept = stages.lastIndexOf(row.ev.stage);
    if (stages.length === 1 || kept < 0) {
      this.feed(engine, row.ev, row);
      return;
    }
    // The kept event is the request's most complete: when it matches, it replaces in the filtered row
    // whichever earlier stage got there first, so theirs need no raw JSON (a copy each, ~15% of a
    // rebuild measured on bench traffic).
    this.feeding = row;
    let keptMatches: boolean;
    try {
      keptMatches = engine.filter === undefined || engine.filter(row.ev);
    } finally {
      this.feeding = undefined;
    }
    for (let i = 0; i < stages.length; i++) this.feed(engine, i === kept ? row.ev : earlierStage(row.ev, stages[i]!, !keptMatches), row);
  }

  private feed(engine: Engine, ev: AuditEvent, row: RequestRow): void {
    this.feeding = row;
    try {
      engine.event(ev);
    } finally {
      this.feeding = undefined;
    }
  }

  private mainEvent(ev: AuditEvent, row: RequestRow): void {
    if (this.active || this.building) this.remember(ev);
    // No filter: `recent` only serves to match alerts to their request's event, so it keeps the
    // requests that raised one (remembered in mainAlert; a later stage replaces its event here), not
    // every event (a Map set per event: ~1 s of the 1M-event replay on screen). A filter applied
    // later remembers the buffered rows as it rebuilds, so only alerted requests older than the
    // buffer need this.
    else if (ev.auditID !== '' && this.recent.get(ev.auditID) !== undefined) this.recent.set(ev.auditID, ev);
    this.lastMainRow = row;
    this.lastMainEv = ev;
    const b = this.building;
    // A later stage of a buffered request the rebuild has not reached yet is not queued: the rebuild
    // feeds that request as it is by then, this stage included (queued, it would count twice).
    if (b && !(row.seq >= b.nextSeq && row.seq <= b.endSeq)) b.queued.push({ ev, row });
    if (this.active) this.feed(this.active.engine, ev, row);
    else for (const l of this.listeners) l.onEvent?.(ev, row);
  }

  private mainAlert(a: Alert): void {
    this.noteAlert(a);
    // an alert follows its event immediately: that event is the request's latest (see mainEvent)
    if (!this.active && !this.building && a.auditID !== '' && this.lastMainEv?.auditID === a.auditID) this.remember(this.lastMainEv);
    const b = this.building;
    if (b) b.queuedAlerts.push(a);
    const act = this.active;
    if (!act) {
      for (const l of this.listeners) l.onAlert?.(a);
      return;
    }
    // rule: terms learn the rule only now: the request may start to match with this alert
    if (act.filter.needsContext && a.auditID !== '' && this.lastAccepted !== a.auditID) {
      const ev = this.recent.get(a.auditID);
      const row = this.lastMainRow?.auditID === a.auditID ? this.lastMainRow : undefined;
      if (ev && row) this.feed(act.engine, ev, row);
    }
    if (!this.alertMatches(act.filter, a)) return;
    act.engine.alerts.push(a);
    for (const l of this.listeners) l.onAlert?.(a);
  }

  private rebuildSlice(b: Building): void {
    if (this.building !== b) return;
    const ring = this.main.rows;
    const first = this.firstMainSeq();
    if (b.nextSeq < first) b.nextSeq = first; // evicted meanwhile
    // rows that arrived after the rebuild started are replayed from the queue instead (and a later
    // stage of an older row is in the queue only if that row had been fed already: see mainEvent)
    const stopAt = b.endSeq;
    const deadline = performance.now() + REBUILD_SLICE_MS;
    let n = 0;
    while (b.nextSeq <= stopAt) {
      const row = ring.at(b.nextSeq - first);
      b.nextSeq++;
      if (row) {
        this.remember(row.ev);
        this.feedBuffered(b.engine, row);
      }
      if (++n % REBUILD_CHECK_ROWS === 0 && performance.now() >= deadline) break;
    }
    if (b.nextSeq <= stopAt) {
      this.schedule(() => this.rebuildSlice(b));
      return;
    }
    // the buffered alerts, then everything that arrived meanwhile, in order
    const alerts = this.main.alerts;
    const queuedSet = new Set(b.queuedAlerts);
    for (let i = 0; i < alerts.size; i++) {
      const a = alerts.at(i);
      if (a && !queuedSet.has(a) && this.alertMatches(b.filter, a)) b.engine.alerts.push(a);
    }
    for (const q of b.queued) this.feed(b.engine, q.ev, q.row);
    for (const a of b.queuedAlerts) if (this.alertMatches(b.filter, a)) b.engine.alerts.push(a);
    this.building = null;
    this.switchTo({ expr: b.expr, filter: b.filter, engine: b.engine, off: b.off });
  }

  private cancelBuild(): void {
    if (!this.building) return;
    this.building.off();
    this.building = null;
  }

  private switchTo(next: Active | null): void {
    // make the alerts ring's lastSeq drop below what the store has seen, so it regroups from scratch
    const shownLast = this.alertsTarget().lastSeq - this.alertSeqOffset;
    const prev = this.active;
    this.active = next;
    this.alertSeqOffset = this.alertsTarget().lastSeq - (shownLast - 1);
    prev?.off();
    this.switches++;
    // One notice tells the store to rebuild its snapshot, and tells the user what the filter kept
    // (an empty filtered feed then says why it is empty)
    const total = this.main.rows.size;
    const msg = next
      ? `filter ${next.expr}: ${next.engine.rows.size.toLocaleString('en-US')} of ${total.toLocaleString('en-US')} buffered requests match`
      : 'filter cleared';
    for (const l of this.listeners) l.onNotice?.('filter', msg);
  }
}
