/**
 * Where each pane goes, as a pure function of the terminal size and the UI state (lazygit's window
 * arrangement, Shopify's calculateLayout). Panes receive their width/height as props and never read
 * stdout, so the whole arrangement is table-tested here without rendering.
 */
import type { PaneId } from '../state/ui-reducer.js';

export interface Rect {
  x: number;
  y: number;
  width: number;
  height: number;
}

export type Arrangement = 'wide' | 'stacked' | 'zoomed';

export interface MainLayout {
  kind: 'main';
  /** the root box: one row shorter than the terminal (a frame as tall as the terminal makes Ink 6 clear the screen every frame) */
  width: number;
  height: number;
  arrangement: Arrangement;
  status: Rect;
  hints: Rect;
  /** the area between status bar and hints line */
  body: Rect;
  /** the panes drawn (a zoomed layout draws only the focused one); absent when an overlay covers the body */
  panes: Partial<Record<PaneId, Rect>>;
  /** the overlay's area (help, search, inspector cover the body; the filter prompt takes the bottom rows) */
  overlay: Rect | null;
}

export interface TooSmallLayout {
  kind: 'too-small';
  width: number;
  height: number;
  minWidth: number;
  minHeight: number;
}

export type Layout = MainLayout | TooSmallLayout;

export interface LayoutState {
  focus: PaneId;
  zoom: boolean;
  overlay: 'help' | 'search' | 'inspector' | 'filter' | null;
}

/** Below this the feed cannot show time, user, verb, object and code on one row. */
export const MIN_COLS = 60;
/** Status + hints + a pane with borders and at least a handful of rows. */
export const MIN_ROWS = 12;
/** From this width the feed and the side column (alerts over top-N) sit side by side. */
export const WIDE_COLS = 110;
/** Rows of the filter prompt (a bordered one-line input). */
export const FILTER_ROWS = 3;

const clamp = (x: number, lo: number, hi: number): number => (x < lo ? lo : x > hi ? hi : x);

export function computeLayout(cols: number, rows: number, st: LayoutState): Layout {
  const width = Math.max(0, Math.floor(cols));
  const height = Math.max(0, Math.floor(rows) - 1);
  if (width < MIN_COLS || rows < MIN_ROWS) {
    return { kind: 'too-small', width, height, minWidth: MIN_COLS, minHeight: MIN_ROWS };
  }
  const status: Rect = { x: 0, y: 0, width, height: 1 };
  const hints: Rect = { x: 0, y: height - 1, width, height: 1 };
  const body: Rect = { x: 0, y: 1, width, height: height - 2 };

  if (st.overlay === 'help' || st.overlay === 'search' || st.overlay === 'inspector') {
    return { kind: 'main', width, height, arrangement: 'zoomed', status, hints, body, panes: {}, overlay: { ...body } };
  }

  // the filter prompt takes the bottom rows of the body; the panes stay visible above it
  let area = body;
  let overlay: Rect | null = null;
  if (st.overlay === 'filter') {
    overlay = { x: 0, y: body.y + body.height - FILTER_ROWS, width, height: FILTER_ROWS };
    area = { ...body, height: body.height - FILTER_ROWS };
  }

  if (st.zoom) {
    return { kind: 'main', width, height, arrangement: 'zoomed', status, hints, body, panes: { [st.focus]: { ...area } }, overlay };
  }

  if (width >= WIDE_COLS) {
    const side = clamp(Math.round(width * 0.38), 44, 80);
    const feedW = width - side;
    const alertsH = Math.ceil(area.height * 0.55);
    return {
      kind: 'main',
      width,
      height,
      arrangement: 'wide',
      status,
      hints,
      body,
      overlay,
      panes: {
        feed: { x: 0, y: area.y, width: feedW, height: area.height },
        alerts: { x: feedW, y: area.y, width: side, height: alertsH },
        top: { x: feedW, y: area.y + alertsH, width: side, height: area.height - alertsH },
      },
    };
  }

  // Narrow: the panes stack and the focused one gets the room (Tab moves the room with the focus);
  // the others keep a few rows so a new alert is still seen.
  const mini = clamp(Math.floor(area.height * 0.22), 3, 12);
  const order: PaneId[] = ['feed', 'alerts', 'top'];
  const panes: Partial<Record<PaneId, Rect>> = {};
  let y = area.y;
  for (const p of order) {
    const h = p === st.focus ? area.height - 2 * mini : mini;
    panes[p] = { x: 0, y, width, height: h };
    y += h;
  }
  return { kind: 'main', width, height, arrangement: 'stacked', status, hints, body, panes, overlay };
}

/** Rows inside a bordered pane. */
export function innerRows(r: Rect | undefined): number {
  return r ? Math.max(0, r.height - 2) : 0;
}

/** Columns inside a bordered pane. */
export function innerCols(r: Rect | undefined): number {
  return r ? Math.max(0, r.width - 2) : 0;
}

/** Inner rows at which the feed spends one on a column header. */
const FEED_HEADER_MIN_ROWS = 10;

export function feedHasHeader(r: Rect | undefined): boolean {
  return innerRows(r) >= FEED_HEADER_MIN_ROWS;
}

/** Request rows the feed shows in its rectangle (the store is asked for exactly this many). */
export function feedPageRows(r: Rect | undefined): number {
  return Math.max(0, innerRows(r) - (feedHasHeader(r) ? 1 : 0));
}

/** Alerts get a second line (the message) when the pane has room for a few of them. */
export function alertsTwoLines(r: Rect | undefined): boolean {
  return innerRows(r) >= 8;
}

export function alertsPageGroups(r: Rect | undefined): number {
  return Math.max(1, Math.floor(innerRows(r) / (alertsTwoLines(r) ? 2 : 1)));
}

/** Entries the top-N pane lists. */
export function topPageRows(r: Rect | undefined): number {
  return Math.max(1, innerRows(r));
}
