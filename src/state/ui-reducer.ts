/**
 * Everything the screen remembers about the user's interaction — focus, scroll, pause, overlays,
 * selection, top-N dimension and window, zoom — in one pure reducer (ink-ui's select state, gemini's
 * reducers). It never reads the engine: actions that depend on what is buffered carry a ViewContext,
 * so every transition is a plain function of (state, action) and is tested without rendering.
 */
import { DIMENSIONS, WINDOWS, type Dimension, type Window } from '../model/types.js';

export type PaneId = 'feed' | 'alerts' | 'top';
export const PANES: readonly PaneId[] = ['feed', 'alerts', 'top'];

export type Overlay =
  | { kind: 'help'; scroll: number }
  | { kind: 'search' }
  | { kind: 'inspector'; auditID: string; from: 'feed' | 'alerts' | 'search' }
  | { kind: 'filter' };

export interface FeedState {
  /** seq of the bottom row on screen; null = following the newest row */
  end: number | null;
  /** seq of the selected row; null = nothing selected */
  sel: number | null;
}

export interface UiState {
  focus: PaneId;
  /** the focused pane fills the body */
  zoom: boolean;
  /** the whole view is frozen while ingest continues (SPEC §4 "freeze, don't stop") */
  paused: boolean;
  feed: FeedState;
  /** id of the selected alert group; null = the newest */
  alertSel: number | null;
  top: { dim: Dimension; window: Window; sel: number };
  overlay: Overlay | null;
}

/** What a movement needs to know about the data on screen (supplied by the caller, so the reducer stays pure). */
export interface ViewContext {
  /** oldest and newest request seq still buffered (firstSeq > lastSeq when empty) */
  firstSeq: number;
  lastSeq: number;
  /** rows the feed shows */
  feedPage: number;
  /** alert group ids as listed, newest first */
  alertIds: readonly number[];
  alertsPage: number;
  /** entries in the top-N list */
  topCount: number;
  topPage: number;
}

export type UiAction =
  | { type: 'focusNext' }
  | { type: 'focusPrev' }
  | { type: 'focus'; pane: PaneId }
  | { type: 'toggleZoom' }
  /** lastSeq: the newest seq now, where a following feed freezes */
  | { type: 'togglePause'; lastSeq: number }
  /** move the focused pane's selection by delta rows (negative = up); 'page' deltas are ±page */
  | { type: 'move'; delta: number | 'pageUp' | 'pageDown'; view: ViewContext }
  | { type: 'first'; view: ViewContext }
  /** back to the newest row: follow again and unpause */
  | { type: 'last' }
  | { type: 'setTopDim'; dim: Dimension }
  | { type: 'cycleWindow' }
  | { type: 'openHelp' }
  | { type: 'helpScroll'; delta: number; max: number }
  | { type: 'openSearch' }
  | { type: 'openFilter' }
  | { type: 'openInspector'; auditID: string; from: 'feed' | 'alerts' | 'search' }
  | { type: 'back' }
  /** a new filter changed what the lists hold: back to the newest of each */
  | { type: 'filterApplied' };

export function initialUiState(over: Partial<UiState> = {}): UiState {
  return {
    focus: 'feed',
    zoom: false,
    paused: false,
    feed: { end: null, sel: null },
    alertSel: null,
    top: { dim: 'users', window: '5m', sel: 0 },
    overlay: null,
    ...over,
  };
}

const clamp = (x: number, lo: number, hi: number): number => (x < lo ? lo : x > hi ? hi : x);

function stepDelta(delta: number | 'pageUp' | 'pageDown', page: number): number {
  if (delta === 'pageUp') return -Math.max(1, page);
  if (delta === 'pageDown') return Math.max(1, page);
  return delta;
}

function moveFeed(feed: FeedState, delta: number | 'pageUp' | 'pageDown', v: ViewContext): FeedState {
  if (v.lastSeq < v.firstSeq) return feed;
  const page = Math.max(1, v.feedPage);
  const end0 = clamp(feed.end ?? v.lastSeq, v.firstSeq, v.lastSeq);
  // the first movement out of follow selects the bottom row rather than skipping it
  const base = feed.sel === null ? end0 : clamp(feed.sel, v.firstSeq, v.lastSeq);
  const d = feed.sel === null && delta === -1 ? 0 : stepDelta(delta, page);
  const sel = clamp(base + d, v.firstSeq, v.lastSeq);
  // keep the selection on screen, scrolling no more than needed (less/k9s)
  let end = end0;
  if (sel > end) end = sel;
  if (sel < end - page + 1) end = sel + page - 1;
  end = clamp(end, v.firstSeq, v.lastSeq);
  return { end, sel };
}

function moveAlerts(sel: number | null, delta: number | 'pageUp' | 'pageDown', v: ViewContext): number | null {
  if (v.alertIds.length === 0) return sel;
  let i = sel === null ? 0 : v.alertIds.indexOf(sel);
  if (i < 0) i = 0;
  // alerts are listed newest first: "up" goes to a newer one
  i = clamp(i + stepDelta(delta, v.alertsPage), 0, v.alertIds.length - 1);
  return v.alertIds[i] ?? null;
}

export function uiReducer(s: UiState, a: UiAction): UiState {
  switch (a.type) {
    case 'focusNext':
    case 'focusPrev': {
      const i = PANES.indexOf(s.focus);
      const n = PANES.length;
      const focus = PANES[(i + (a.type === 'focusNext' ? 1 : n - 1)) % n] ?? 'feed';
      return { ...s, focus };
    }
    case 'focus':
      return s.focus === a.pane ? s : { ...s, focus: a.pane };
    case 'toggleZoom':
      return { ...s, zoom: !s.zoom };
    case 'togglePause':
      if (s.paused) return { ...s, paused: false, feed: { end: null, sel: null } };
      return { ...s, paused: true, feed: s.feed.end === null ? { end: a.lastSeq, sel: s.feed.sel } : s.feed };
    case 'move':
      switch (s.focus) {
        case 'feed':
          return { ...s, feed: moveFeed(s.feed, a.delta, a.view) };
        case 'alerts':
          return { ...s, alertSel: moveAlerts(s.alertSel, a.delta, a.view) };
        case 'top': {
          const max = Math.max(0, a.view.topCount - 1);
          return { ...s, top: { ...s.top, sel: clamp(s.top.sel + stepDelta(a.delta, a.view.topPage), 0, max) } };
        }
      }
      return s;
    case 'first':
      switch (s.focus) {
        case 'feed': {
          const v = a.view;
          if (v.lastSeq < v.firstSeq) return s;
          const end = Math.min(v.lastSeq, v.firstSeq + Math.max(1, v.feedPage) - 1);
          return { ...s, feed: { end, sel: v.firstSeq } };
        }
        case 'alerts':
          return { ...s, alertSel: a.view.alertIds[a.view.alertIds.length - 1] ?? null };
        case 'top':
          return { ...s, top: { ...s.top, sel: 0 } };
      }
      return s;
    case 'last':
      switch (s.focus) {
        case 'alerts':
          return { ...s, alertSel: null };
        case 'top':
          return { ...s, top: { ...s.top, sel: 0 } };
        case 'feed':
          return { ...s, paused: false, feed: { end: null, sel: null } };
      }
      return s;
    case 'setTopDim':
      return { ...s, top: { ...s.top, dim: a.dim, sel: 0 } };
    case 'cycleWindow': {
      const i = WINDOWS.indexOf(s.top.window);
      return { ...s, top: { ...s.top, window: WINDOWS[(i + 1) % WINDOWS.length] ?? 'all', sel: 0 } };
    }
    case 'openHelp':
      return { ...s, overlay: { kind: 'help', scroll: 0 } };
    case 'helpScroll':
      if (s.overlay?.kind !== 'help') return s;
      return { ...s, overlay: { kind: 'help', scroll: clamp(s.overlay.scroll + a.delta, 0, Math.max(0, a.max)) } };
    case 'openSearch':
      return { ...s, overlay: { kind: 'search' } };
    case 'openFilter':
      return { ...s, overlay: { kind: 'filter' } };
    case 'openInspector':
      return { ...s, overlay: { kind: 'inspector', auditID: a.auditID, from: a.from } };
    case 'filterApplied':
      return { ...s, feed: s.paused ? s.feed : { end: null, sel: null }, alertSel: null, top: { ...s.top, sel: 0 } };
    case 'back':
      // the inspector opened from a search result goes back to the results, as a browser's back would
      if (s.overlay?.kind === 'inspector' && s.overlay.from === 'search') return { ...s, overlay: { kind: 'search' } };
      return s.overlay === null ? s : { ...s, overlay: null };
  }
}

/** Dimension picked by the n-th top key (1-based), in SPEC §4 order. */
export function dimensionForKey(n: number): Dimension | undefined {
  return DIMENSIONS[n - 1];
}
