/**
 * The screen: reads the store's snapshots, keeps interaction state in the pure reducer, lays panes
 * out with the pure layout function and maps keys through the keymap. Overlays owned by the search
 * work (search, inspector, filter prompt) are passed in as components, so this file only decides
 * where and when they show; each of them reads its own keys through the same keymap.
 */
import { Box, Text, useInput, useStdin, type Key } from 'ink';
import { useCallback, useEffect, useLayoutEffect, useMemo, useReducer, useRef, useSyncExternalStore, type ComponentType, type ReactNode } from 'react';
import type { Dimension } from '../model/types.js';
import type { RequestRow } from '../model/types.js';
import { fit } from '../model/sanitize.js';
import type { EngineView } from '../state/engine-view.js';
import type { ReplayStatus, Snapshot, Store } from '../state/store.js';
import { dimensionForKey, initialUiState, uiReducer, type UiAction, type UiState, type ViewContext } from '../state/ui-reducer.js';
import { keyName, resolveCommand, type KeyContext } from './keymap.js';
import { alertsPageGroups, alertsTwoLines, computeLayout, feedHasHeader, feedPageRows, topPageRows, type MainLayout } from './layout.js';
import { Alerts } from './panes/Alerts.js';
import { Feed } from './panes/Feed.js';
import { Help, helpMaxScroll } from './panes/Help.js';
import { Hints } from './panes/Hints.js';
import { StatusBar, type StatusBarProps } from './panes/StatusBar.js';
import { Top } from './panes/Top.js';
import type { Theme } from './theme.js';
import { useEscapeThenKey } from './use-escape-then-key.js';

/** What the replay pacer lets the screen do (src/ingest/replay/pacer.ts). */
export interface ReplayControls {
  status(): ReplayStatus;
  pause(): void;
  resume(): void;
  setSpeed(speed: number): void;
  /** skip ahead this much event time */
  jump(ms: number): void;
}

type OverlayKind = NonNullable<UiState['overlay']>['kind'];

/** Replay speed bounds (issue 6: 0.1–10000). */
const MIN_SPEED = 0.1;
const MAX_SPEED = 10_000;
/** `]` jumps ahead one minute of event time (issue 6). */
const JUMP_MS = 60_000;

export interface OverlayBaseProps {
  width: number;
  height: number;
  theme: Theme;
}

export interface SearchOverlayProps extends OverlayBaseProps {
  engine: EngineView;
  /** open a match in the inspector */
  onOpen(auditID: string): void;
  onClose(): void;
}

export interface InspectorOverlayProps extends OverlayBaseProps {
  /** the request to show (its most complete stage; `row.ev.raw` is the JSON); undefined once evicted */
  row: RequestRow | undefined;
  auditID: string;
  onClose(): void;
}

export interface FilterOverlayProps extends OverlayBaseProps {
  /** the expression in force ('' = none) */
  current: string;
  /** returns an error message to show, or null when the filter was applied */
  onApply(expr: string): string | null;
  onClose(): void;
}

/** The search work's components; absent ones make their key a no-op (e.g. a headless test of the main view). */
export interface Overlays {
  Search?: ComponentType<SearchOverlayProps>;
  Inspector?: ComponentType<InspectorOverlayProps>;
  FilterPrompt?: ComponentType<FilterOverlayProps>;
}

export interface AppProps {
  store: Store;
  engine: EngineView;
  cols: number;
  rows: number;
  theme: Theme;
  source: string;
  mode: StatusBarProps['mode'];
  replay?: ReplayControls | null;
  overlays?: Overlays;
  /** apply a filter expression to feed, alerts and counts; returns an error message or null */
  onFilter?: (expr: string) => string | null;
  initialFilter?: string;
  onQuit(): void;
  /** fixed wall clock for tests (the status clock otherwise ticks by itself) */
  now?: number;
  /** the screen writer draws the clock (no frame per tick) */
  externalClock?: boolean;
  initialState?: Partial<UiState>;
}

const FILTER_KEY: Record<Dimension, string> = {
  users: 'user', verbs: 'verb', resources: 'resource', namespaces: 'ns', sourceIPs: 'ip', userAgents: 'ua', codes: 'code',
};

/** `user:"alice"` for Enter on a top-N row: drill down from a ranking to the requests behind it. */
export function drillDownFilter(dim: Dimension, key: string): string {
  return `${FILTER_KEY[dim]}:"${key.replace(/"/g, '')}"`;
}

function viewContext(snap: Snapshot, l: MainLayout): ViewContext {
  return {
    firstSeq: snap.firstSeq,
    lastSeq: snap.lastSeq,
    feedPage: Math.max(1, feedPageRows(l.panes.feed)),
    alertIds: snap.alertGroups.map((g) => g.id),
    alertsPage: alertsPageGroups(l.panes.alerts),
    topCount: snap.top.length,
    topPage: topPageRows(l.panes.top),
  };
}

export function App(p: AppProps) {
  const { store, theme: t } = p;
  const snap = useSyncExternalStore(store.subscribe, store.getSnapshot);
  const [state, dispatch] = useReducer(uiReducer, p.initialState, (o) => initialUiState(o));
  const filterRef = useRef(p.initialFilter ?? '');
  const [, force] = useReducer((x: number) => x + 1, 0);
  // Esc then a key typed in one go (read as Alt-key) reaches every handler as Esc, then the key
  useEscapeThenKey();

  const overlayKind = state.overlay?.kind ?? null;
  const layout = useMemo(() => computeLayout(p.cols, p.rows, { focus: state.focus, zoom: state.zoom, overlay: overlayKind }), [p.cols, p.rows, state.focus, state.zoom, overlayKind]);

  // The inspected request, looked up once per auditID (a scan of the ring), not at every snapshot;
  // the engine updates a row in place as later stages arrive.
  const inspectedID = state.overlay?.kind === 'inspector' ? state.overlay.auditID : null;
  const inspected = useMemo(() => (inspectedID === null ? undefined : store.findRow(inspectedID)), [inspectedID, store]);

  // Tell the store what to show. While an overlay covers the panes the last page sizes are kept, so
  // closing it shows the same rows it hid.
  const pages = useRef({ feed: 20, top: 10 });
  if (layout.kind === 'main' && layout.panes.feed) pages.current.feed = feedPageRows(layout.panes.feed);
  if (layout.kind === 'main' && layout.panes.top) pages.current.top = topPageRows(layout.panes.top);
  useLayoutEffect(() => {
    store.setView({
      feedEnd: state.feed.end,
      feedPage: pages.current.feed,
      topDim: state.top.dim,
      topWindow: state.top.window,
      topN: Math.max(pages.current.top, 10),
      paused: state.paused,
    });
  });

  const keyCtx: KeyContext = { overlay: overlayKind, replay: !!p.replay };
  // Keys can arrive faster than React re-renders (a paste, a fast typist, a slow machine): the
  // handler reads this copy, which every action updates at once through the same pure reducer.
  const stateRef = useRef(state);
  const act = useCallback((a: UiAction): void => {
    stateRef.current = uiReducer(stateRef.current, a);
    dispatch(a);
  }, []);
  const snapRef = useRef(snap);
  snapRef.current = snap;

  // The `f` filter narrows what the panes show (src/state/filtered-view.ts swaps the view the store
  // reads); ingest keeps everything, so clearing it brings everything back.
  const applyFilter = useCallback(
    (expr: string): string | null => {
      const text = expr.trim();
      const err = p.onFilter ? p.onFilter(text) : 'filtering is not available here';
      if (err === null) {
        filterRef.current = text;
        act({ type: 'filterApplied' });
        force();
      }
      return err;
    },
    [p.onFilter],
  );

  // Key routing between `/` (f, Enter) and the commit that mounts the overlay: the overlay cannot
  // hear keys yet (it subscribes when it is drawn), so what arrives meanwhile (a fast typist, a paste)
  // is kept here, as read from the terminal, and handed to it when it is drawn (its useEarlyKeys
  // listens from then on). `raw` is the data of the key being handled: a listener registered before
  // useInput's (which re-subscribes on every render) notes it first.
  const { internal_eventEmitter: emitter } = useStdin();
  // `atRead` is the overlay in force when the key was read, before any handler ran: the Enter that
  // applies the filter prompt (which closes it at once) is the prompt's, not also the main view's.
  const routing = useRef<{ raw: string; atRead: OverlayKind | null | undefined; opening: OverlayKind | null; keys: string[] }>({ raw: '', atRead: undefined, opening: null, keys: [] });
  useLayoutEffect(() => {
    const note = (data: string): void => {
      routing.current.raw = data;
      routing.current.atRead = stateRef.current.overlay?.kind ?? null;
    };
    emitter.on('input', note);
    return () => void emitter.removeListener('input', note);
  }, [emitter]);
  useLayoutEffect(() => {
    const r = routing.current;
    if (r.opening === null) return;
    const keys = r.keys;
    const drawn = r.opening === overlayKind;
    r.opening = null;
    r.keys = [];
    // the overlay's layout effects (useEarlyKeys) ran before this parent's: it hears these now
    if (drawn) for (const data of keys) emitter.emit('input', data);
  }, [overlayKind, emitter]);
  // an overlay that never came (too small a terminal): nothing stays held
  useEffect(() => {
    const r = routing.current;
    if (r.opening !== null && r.opening !== overlayKind) {
      r.opening = null;
      r.keys = [];
    }
  });

  const onInput = (input: string, key: Key): void => {
    const r = routing.current;
    const raw = r.raw;
    const atRead = r.atRead;
    r.raw = '';
    r.atRead = undefined;
    if (r.opening !== null) {
      if (!(key.ctrl && input === 'c')) {
        r.keys.push(raw || input);
        return;
      }
    }
    // a paste (several printable characters read at once) on the main view: one key at a time, so
    // `/` or `f` at its start opens the prompt and the rest is typed into it
    if (stateRef.current.overlay === null && [...input].length > 1 && !key.ctrl && !key.meta && !/[\x00-\x1f\x7f]/.test(input)) {
      const chars = [...input];
      for (let i = 0; i < chars.length; i++) {
        onInput(chars[i]!, { ...key, shift: /[A-Z]/.test(chars[i]!) });
        if (r.opening !== null || stateRef.current.overlay !== null) {
          const rest = chars.slice(i + 1).join('');
          if (rest !== '') {
            if (r.opening !== null) r.keys.push(rest);
          }
          return;
        }
      }
      return;
    }
    const k = keyName(input, key);
    const s = stateRef.current;
    const shown = atRead !== undefined ? atRead : (s.overlay?.kind ?? null);
    const cmd = resolveCommand(k, { overlay: shown, replay: !!p.replay });
    if (!cmd) return;
    const cur = snapRef.current;
    // search, inspector and the filter prompt read their own keys; only quitting is ours there
    const ownKeys = (o: OverlayKind | null | undefined): boolean => o === 'search' || o === 'inspector' || o === 'filter';
    if ((ownKeys(s.overlay?.kind) || ownKeys(atRead)) && cmd !== 'quit') return;
    const run = act;
    const view = (): ViewContext | null => (layout.kind === 'main' ? viewContext(cur, layout) : null);
    switch (cmd) {
      case 'quit':
        p.onQuit();
        return;
      case 'help':
        run({ type: 'openHelp' });
        return;
      case 'back':
        run({ type: 'back' });
        return;
      case 'search':
        if (p.overlays?.Search) {
          r.opening = 'search';
          run({ type: 'openSearch' });
        }
        return;
      case 'filter':
        if (p.overlays?.FilterPrompt) {
          r.opening = 'filter';
          run({ type: 'openFilter' });
        }
        return;
      case 'inspect': {
        if (s.focus === 'feed') {
          const sel = s.feed.sel ?? cur.rows[cur.rows.length - 1]?.seq;
          const row = cur.rows.find((r) => r.seq === sel);
          if (row && p.overlays?.Inspector) {
            r.opening = 'inspector';
            run({ type: 'openInspector', auditID: row.auditID, from: 'feed' });
          }
        } else if (s.focus === 'alerts') {
          const g = cur.alertGroups.find((x) => x.id === s.alertSel) ?? cur.alertGroups[0];
          if (g && g.alert.auditID && p.overlays?.Inspector) {
            r.opening = 'inspector';
            run({ type: 'openInspector', auditID: g.alert.auditID, from: 'alerts' });
          }
        } else {
          const e = cur.top[Math.min(s.top.sel, cur.top.length - 1)];
          if (e) applyFilter(drillDownFilter(s.top.dim, e.key));
        }
        return;
      }
      case 'pause':
        if (p.replay) {
          const st = p.replay.status();
          if (st.paused) p.replay.resume();
          else p.replay.pause();
          store.refresh();
        } else {
          run({ type: 'togglePause', lastSeq: cur.lastSeq });
        }
        return;
      case 'nextPane':
        run({ type: 'focusNext' });
        return;
      case 'prevPane':
        run({ type: 'focusPrev' });
        return;
      case 'zoom':
        run({ type: 'toggleZoom' });
        return;
      case 'up':
      case 'down':
      case 'pageUp':
      case 'pageDown': {
        if (s.overlay?.kind === 'help') {
          const max = layout.kind === 'main' && layout.overlay ? helpMaxScroll(layout.overlay.width, layout.overlay.height, t) : 0;
          const page = layout.kind === 'main' && layout.overlay ? Math.max(1, layout.overlay.height - 2) : 10;
          const delta = cmd === 'up' ? -1 : cmd === 'down' ? 1 : cmd === 'pageUp' ? -page : page;
          run({ type: 'helpScroll', delta, max });
          return;
        }
        const v = view();
        if (!v) return;
        const delta = cmd === 'up' ? -1 : cmd === 'down' ? 1 : cmd;
        run({ type: 'move', delta, view: v });
        return;
      }
      case 'first': {
        const v = view();
        if (v) run({ type: 'first', view: v });
        return;
      }
      case 'last':
        run({ type: 'last' });
        return;
      case 'topDim': {
        const d = dimensionForKey(Number(k));
        if (d) run({ type: 'setTopDim', dim: d });
        return;
      }
      case 'topWindow':
        run({ type: 'cycleWindow' });
        return;
      case 'speedUp':
      case 'speedDown': {
        if (!p.replay) return;
        const sp = p.replay.status().speed;
        if (!Number.isFinite(sp)) {
          // from "max", slowing down lands on the fastest paced speed; there is nothing above max
          if (cmd === 'speedDown') p.replay.setSpeed(MAX_SPEED);
        } else {
          p.replay.setSpeed(Math.min(MAX_SPEED, Math.max(MIN_SPEED, cmd === 'speedUp' ? sp * 2 : sp / 2)));
        }
        store.refresh();
        return;
      }
      case 'jump':
        if (p.replay) {
          p.replay.jump(JUMP_MS);
          store.refresh();
        }
        return;
      case 'reveal':
      case 'copy':
      case 'apply':
        return;
    }
  };
  useInput(onInput);

  if (layout.kind === 'too-small') {
    const msg = [`terminal too small: ${p.cols}${t.g.times}${p.rows}`, `auditop needs at least ${layout.minWidth}${t.g.times}${layout.minHeight}`];
    return (
      <Box flexDirection="column" width={Math.max(1, layout.width)} height={Math.max(1, layout.height)}>
        {msg.map((m, i) => (
          <Text key={i} wrap="truncate">
            {fit(m, Math.max(1, layout.width))}
          </Text>
        ))}
      </Box>
    );
  }

  const l = layout;
  const feedR = l.panes.feed;
  const alertsR = l.panes.alerts;
  const topR = l.panes.top;
  const emptyText = snap.notices.length > 0 ? snap.notices[snap.notices.length - 1]!.message : undefined;
  const feed = feedR ? (
    <Feed
      width={feedR.width}
      height={feedR.height}
      theme={t}
      focused={state.focus === 'feed'}
      rows={snap.rows}
      selSeq={state.feed.sel}
      header={feedHasHeader(feedR)}
      newRows={snap.newRows}
      following={state.feed.end === null}
      requests={snap.requestsShown}
      {...(emptyText !== undefined ? { emptyText } : {})}
    />
  ) : null;
  const alerts = alertsR ? (
    <Alerts
      width={alertsR.width}
      height={alertsR.height}
      theme={t}
      focused={state.focus === 'alerts'}
      groups={snap.alertGroups}
      selId={state.alertSel}
      twoLines={alertsTwoLines(alertsR)}
      total={snap.alertTotal}
    />
  ) : null;
  const top = topR ? (
    <Top width={topR.width} height={topR.height} theme={t} focused={state.focus === 'top'} entries={snap.top} dim={state.top.dim} window={state.top.window} sel={state.top.sel} />
  ) : null;

  let body: ReactNode;
  const o = state.overlay;
  const or = l.overlay;
  if (o && or && o.kind !== 'filter') {
    if (o.kind === 'help') body = <Help width={or.width} height={or.height} theme={t} scroll={o.scroll} />;
    else if (o.kind === 'search' && p.overlays?.Search) {
      const S = p.overlays.Search;
      body = <S width={or.width} height={or.height} theme={t} engine={p.engine} onOpen={(id) => act({ type: 'openInspector', auditID: id, from: 'search' })} onClose={() => act({ type: 'back' })} />;
    } else if (o.kind === 'inspector' && p.overlays?.Inspector) {
      const I = p.overlays.Inspector;
      body = <I width={or.width} height={or.height} theme={t} auditID={o.auditID} row={inspected} onClose={() => act({ type: 'back' })} />;
    }
  } else if (l.arrangement === 'wide') {
    body = (
      <Box flexDirection="row" width={l.body.width} height={feedR?.height ?? 0}>
        {feed}
        <Box flexDirection="column" width={alertsR?.width ?? 0}>
          {alerts}
          {top}
        </Box>
      </Box>
    );
  } else {
    body = (
      <Box flexDirection="column" width={l.body.width}>
        {feed}
        {alerts}
        {top}
      </Box>
    );
  }
  let prompt: ReactNode = null;
  if (o?.kind === 'filter' && or && p.overlays?.FilterPrompt) {
    const F = p.overlays.FilterPrompt;
    prompt = <F width={or.width} height={or.height} theme={t} current={filterRef.current} onApply={applyFilter} onClose={() => act({ type: 'back' })} />;
  }

  return (
    <Box flexDirection="column" width={l.width} height={l.height}>
      <StatusBar width={l.width} theme={t} snap={snap} source={p.source} mode={p.mode} filter={filterRef.current} externalClock={p.externalClock === true} {...(p.now !== undefined ? { now: p.now } : {})} />
      <Box flexDirection="column" width={l.width} height={l.body.height}>
        {body}
        {prompt}
      </Box>
      <Hints width={l.width} theme={t} ctx={keyCtx} />
    </Box>
  );
}
