/**
 * `/` search overlay: a query line, and the matches as you type (newest first, matched text
 * highlighted); Enter opens the selected match in the inspector, Esc closes.
 *
 * Props (App.tsx's SearchOverlayProps):
 *   width, height  the overlay rectangle (the pane never reads stdout)
 *   theme          colours and glyphs
 *   engine         the EngineView whose `rows` ring is searched (pass the same, possibly filtered,
 *                  view the store reads, so a match can always be opened by the inspector)
 *   onOpen(id)     open the request with this auditID in the inspector
 *   onClose()      close the overlay
 *
 * The query uses the filter syntax (`user:alice code:>=400 secrets`): structured terms narrow, free
 * words match substrings anywhere, a typo still finds close field values, and words found only in
 * the raw JSON (an image, a body) come last. The search runs in slices (src/state/search.ts) and
 * results reach React at most every RESULTS_THROTTLE_MS, so typing never waits for a frame.
 *
 * The query line edits like a shell's (src/ui/line-edit.ts: ←/→, Home/End, Ctrl-A/E/U/K/W).
 * The query and selection survive closing the overlay (Esc from the inspector comes back here) and
 * the searcher's caches survive with them: both are kept per engine.
 */
import { useInput, type Key } from 'ink';
import { memo, useEffect, useMemo, useRef, useState } from 'react';
import { displayWidth, fit, sanitize, truncate } from '../../model/sanitize.js';
import { fieldText, Searcher, type Range, type SearchHit, type SearchState } from '../../state/search.js';
import type { EngineView } from '../../state/engine-view.js';
import type { FilterContext } from '../../model/filter.js';
import type { RequestRow } from '../../model/types.js';
import type { SearchOverlayProps } from '../App.js';
import { blank, borderBottom, borderTop, clock, codeTone, framed, grouped, verbTone } from '../format.js';
import { keyName, resolveCommand } from '../keymap.js';
import { editLine, lineAtEnd, renderLine, type Line } from '../line-edit.js';
import { severityTone, type Theme, type Tone } from '../theme.js';
import { useEarlyKeys } from '../use-early-keys.js';
import { Lines } from './Lines.js';

/**
 * Results are handed to React at most this often while a search is running: every slice (~8 ms)
 * would re-render the overlay for nothing a person can see; 50 ms still feels instant.
 */
export const RESULTS_THROTTLE_MS = 50;
/**
 * New rows are folded into the search caches this often (a few ms each time, proportional to the rows
 * that arrived), so a search never pays for the whole buffer at once: faster while the overlay is
 * open, slower in the background once it has been used (or after warmSearch).
 */
export const WARM_INTERVAL_MS = 250;
export const BACKGROUND_WARM_MS = 1000;
/**
 * While the overlay is open the results are refreshed every REFRESH_TICKS warm ticks (~1 s) when new
 * requests arrived: often enough to watch an incident unfold, rare enough to cost little.
 */
export const REFRESH_TICKS = 4;

/** Seq of the newest buffered request (-1 when empty): tells whether anything arrived. */
function newestSeq(engine: EngineView): number {
  const rows = engine.rows;
  return rows.size > 0 ? (rows.at(rows.size - 1)?.seq ?? -1) : -1;
}

interface Memory {
  searcher: Searcher;
  query: string;
  sel: number;
}
const memory = new WeakMap<EngineView, Memory>();

/** The searcher (and last query) for an engine view, created on first use and kept. */
export function searcherFor(engine: EngineView): Searcher {
  return memoryFor(engine).searcher;
}

function memoryFor(engine: EngineView): Memory {
  let m = memory.get(engine);
  if (!m) {
    // the screen's filtered view knows the alerts of each request (alert:/rule: terms in a query)
    const withAlerts = engine as EngineView & { alertContext?: (row: RequestRow) => FilterContext };
    const ctx = withAlerts.alertContext?.bind(engine);
    const searcher = new Searcher(() => engine.rows, ctx ? { context: ctx } : {});
    m = { searcher, query: '', sel: 0 };
    memory.set(engine, m);
    const timer = setInterval(() => searcher.warm(), BACKGROUND_WARM_MS);
    // warming must never keep a finished process alive
    timer.unref?.();
  }
  return m;
}

/**
 * Start keeping the search caches of `engine` current in the background (call once at startup), so
 * even the first search after `/` finds its haystacks and vocabulary built.
 */
export function warmSearch(engine: EngineView): void {
  memoryFor(engine);
}

// ---------------------------------------------------------------------------------------------
// pure formatting

/** Fixed columns: mark 1, time 8, verb 7, code 4, four separating spaces = 24. */
const FIXED = 24;

function columns(width: number): { user: number; object: number } {
  const flex = Math.max(0, width - FIXED);
  const user = Math.max(4, Math.min(32, Math.round(flex * 0.35)));
  return { user, object: Math.max(0, flex - user) };
}

/**
 * `text` cut to `width` columns with `ranges` painted, padded to exactly `width`. Ranges index the
 * text in UTF-16 units; truncation keeps a prefix, so they stay valid up to the cut.
 */
export function highlightCell(text: string, ranges: readonly Range[] | undefined, width: number, t: Theme, base: Tone | null = null): string {
  const cut = truncate(text, width, t.g.ellipsis);
  const keep = cut === text ? text.length : cut.length - t.g.ellipsis.length;
  const pad = ' '.repeat(Math.max(0, width - displayWidth(cut)));
  if (!ranges || ranges.length === 0 || !t.color) return t.paint(cut, base) + pad;
  const sorted = [...ranges].filter(([a, b]) => b > a && a < keep).sort((x, y) => x[0] - y[0]);
  let out = '';
  let at = 0;
  for (const [a0, b0] of sorted) {
    const a = Math.max(a0, at);
    const b = Math.min(b0, keep);
    if (b <= a) continue;
    out += t.paint(cut.slice(at, a), base) + t.paint(cut.slice(a, b), 'denied');
    at = b;
  }
  out += t.paint(cut.slice(at), base);
  return out + pad;
}

/** "pods/exec prod/api-7c9d" plus the highlight ranges of resource, namespace and name shifted into it. */
function objectCell(hit: SearchHit, t: Theme): { text: string; ranges: Range[] } {
  const ev = hit.row.ev;
  if (hit.kind === 'raw' && hit.snippet) {
    const sn = hit.snippet;
    const head = `json: ${sn.cutStart ? t.g.ellipsis : ''}`;
    const off = head.length;
    return { text: head + sn.text + (sn.cutEnd ? t.g.ellipsis : ''), ranges: sn.ranges.map(([a, b]) => [a + off, b + off] as Range) };
  }
  const res = fieldText(ev, 'resource');
  const ns = fieldText(ev, 'namespace');
  const name = fieldText(ev, 'name');
  if (!res) return { text: fieldText(ev, 'uri'), ranges: hit.highlights.uri ?? [] };
  const ranges: Range[] = [...(hit.highlights.resource ?? [])];
  let text = res;
  if (ns || name) text += ' ';
  if (ns) {
    const off = text.length;
    for (const [a, b] of hit.highlights.namespace ?? []) ranges.push([a + off, b + off]);
    text += ns;
    if (name) text += '/';
  }
  if (name) {
    const off = text.length;
    for (const [a, b] of hit.highlights.name ?? []) ranges.push([a + off, b + off]);
    text += name;
  }
  return { text, ranges };
}

/** One result row at exactly `width` columns. */
export function searchRow(hit: SearchHit, width: number, t: Theme, selected: boolean): string {
  const c = columns(width);
  const ev = hit.row.ev;
  // without colour the selection bar is invisible: mark the selected row with '>'
  // the mark column: how it matched (~ typo, { in the JSON), else the feed's alert mark for a request
  // that raised an alert
  const sev = hit.row.alert;
  const mark = selected && !t.color ? '>' : hit.kind === 'fuzzy' ? '~' : hit.kind === 'raw' ? '{' : sev ? t.g.alertMark : ' ';
  const time = clock(Number.isNaN(ev.receivedTs) ? ev.ts : ev.receivedTs);
  const obj = objectCell(hit, t);
  const code = hit.row.open ? '   -' : ev.code ? String(ev.code).padStart(4).slice(-4) : '   -';
  if (selected) {
    // one tone for the whole row: nested SGR resets would cut the selection bar short
    const plain = `${mark}${time} ${fit(fieldText(ev, 'user'), c.user, t.g.ellipsis)} ${fit(sanitize(ev.verb), 7, t.g.ellipsis)} ${fit(obj.text, c.object, t.g.ellipsis)} ${code}`;
    return t.paint(fit(plain, width), 'selected');
  }
  const row =
    t.paint(mark, hit.kind === 'field' && sev ? severityTone(sev) : 'accent') +
    t.paint(time, 'dim') +
    ' ' +
    highlightCell(fieldText(ev, 'user'), hit.highlights.user, c.user, t) +
    ' ' +
    highlightCell(sanitize(ev.verb), hit.highlights.verb, 7, t, verbTone(ev.verb, ev.subresource)) +
    ' ' +
    highlightCell(obj.text, obj.ranges, c.object, t, hit.kind === 'raw' ? 'dim' : null) +
    ' ' +
    t.paint(code, codeTone(ev.code));
  const used = FIXED + c.user + c.object;
  return used < width ? row + ' '.repeat(width - used) : row;
}

export interface SearchViewProps {
  width: number;
  height: number;
  theme: Theme;
  query: string;
  /** cursor position in the query (default: at the end) */
  cursor?: number;
  state: SearchState | null;
  sel: number;
  /** first result shown (scroll position) */
  top: number;
}

/** Rows of results that fit: the overlay minus borders, the query line and the column header. */
export function searchPageRows(height: number): number {
  return Math.max(1, height - 4);
}

function statusText(s: SearchState | null, ascii: boolean): string {
  if (!s) return '';
  const n = s.hits.length;
  const busy = s.phase !== 'done';
  const count = n === 0 ? (busy ? 'searching' : 'no matches') : `${grouped(n)}${s.full ? '+' : ''} ${n === 1 ? 'match' : 'matches'}`;
  const where = busy ? (s.phase === 'raw' ? `, searching JSON${ascii ? '...' : '…'}` : `${ascii ? '...' : '…'}`) : '';
  return `${count}${where} in ${grouped(s.total)}`;
}

/** All lines of the overlay (pure: what the component draws). */
export function searchLines(p: SearchViewProps): string[] {
  const { width, height, theme: t } = p;
  const inner = Math.max(0, width - 2);
  const innerH = Math.max(0, height - 2);
  const out = [borderTop('Search', width, t, true, statusText(p.state, t.ascii))];
  const body: string[] = [];
  const q = sanitize(p.query);
  const line: Line = { text: q, cursor: q === p.query ? Math.min(p.cursor ?? q.length, q.length) : q.length };
  body.push(` ${t.paint('/', 'title')} ${renderLine(line, Math.max(1, inner - 3), t)}`);
  const err = p.state?.error;
  if (err) body.push(t.paint(fit(` ${t.g.ellipsis === '…' ? '⚠' : '!'} ${err.reason} (ignored for now)`, inner, t.g.ellipsis), 'warn'));
  else if (p.query.trim() === '') body.push(t.paint(fit(' user:alice ns:prod code:>=400, or any words; Enter opens, Esc closes', inner, t.g.ellipsis), 'dim'));
  else body.push(t.paint(fit(` ${fit('TIME', 8)} ${fit('USER', columns(inner).user)} ${fit('VERB', 7)} ${fit('OBJECT', columns(inner).object)} CODE`, inner), 'dim'));
  const hits = p.state?.hits ?? [];
  const page = searchPageRows(height);
  for (let i = p.top; i < Math.min(hits.length, p.top + page); i++) body.push(searchRow(hits[i]!, inner, t, i === p.sel));
  if (hits.length === 0 && p.state?.phase === 'done' && p.query.trim() !== '') body.push(t.paint(fit(' no buffered event matches', inner), 'dim'));
  for (let i = 0; i < innerH; i++) out.push(framed(body[i] ?? blank(inner), t, true));
  const legend = hits.some((h) => h.kind !== 'field') ? t.paint(' ~ close match  { in JSON ', 'dim') : '';
  out.push(borderBottom(width, t, true, legend));
  return out;
}

/** Keep the selection on the page, scrolling no more than needed. */
export function scrollFor(sel: number, top: number, page: number, count: number): number {
  let tp = Math.min(top, Math.max(0, count - page));
  if (sel < tp) tp = sel;
  if (sel >= tp + page) tp = sel - page + 1;
  return Math.max(0, tp);
}

// ---------------------------------------------------------------------------------------------
// the component

export const Search = memo(function Search(p: SearchOverlayProps) {
  const mem = memoryFor(p.engine);
  const [line, setLine] = useState<Line>(() => lineAtEnd(mem.query));
  const query = line.text;
  // keys can arrive faster than renders (typing, pasting): edits apply to the latest line, not the rendered one
  const lineRef = useRef(line);
  const [sel, setSel] = useState(mem.sel);
  const [top, setTop] = useState(0);
  const [state, setState] = useState<SearchState | null>(null);
  const latest = useRef<SearchState | null>(null);
  const timer = useRef<ReturnType<typeof setTimeout> | null>(null);
  // re-running the same query picks up requests that arrived since (follow mode)
  const [round, setRound] = useState(0);
  const refreshing = useRef(false);
  const searchedSeq = useRef(-1);
  // the selected match, by request: a refresh that adds newer matches above keeps it selected
  const selId = useRef<string | null>(null);
  const selRef = useRef(sel);
  selRef.current = sel;

  // search whenever the query changes (or a refresh is due); the searcher cancels the previous one
  useEffect(() => {
    mem.query = query;
    searchedSeq.current = newestSeq(p.engine);
    const flush = (): void => {
      timer.current = null;
      const s = latest.current;
      setState(s);
      // keep the selected request selected; at the top the list follows the newest match
      if (s && selId.current !== null && selRef.current > 0) {
        const i = s.hits.findIndex((h) => h.row.auditID === selId.current);
        if (i >= 0 && i !== selRef.current) {
          mem.sel = i;
          setSel(i);
        }
      }
    };
    mem.searcher.search(query, (s) => {
      latest.current = s;
      if (s.phase === 'done') {
        if (timer.current) clearTimeout(timer.current);
        refreshing.current = false;
        flush();
      } else if (!timer.current && !refreshing.current) {
        // a refresh swaps the list once, when complete: no partial list flickers in between
        timer.current = setTimeout(flush, RESULTS_THROTTLE_MS);
      }
    });
    return () => {
      mem.searcher.cancel();
      if (timer.current) clearTimeout(timer.current);
      timer.current = null;
    };
  }, [query, mem, round]);

  // fold newly arrived rows into the caches while the overlay is open, and refresh the results
  // when requests arrived and the last search is complete
  useEffect(() => {
    let ticks = 0;
    const h = setInterval(() => {
      mem.searcher.warm();
      if (++ticks % REFRESH_TICKS !== 0) return;
      if (latest.current?.phase !== 'done' || newestSeq(p.engine) === searchedSeq.current) return;
      refreshing.current = true;
      setRound((r) => r + 1);
    }, WARM_INTERVAL_MS);
    mem.searcher.warm();
    return () => clearInterval(h);
  }, [mem, p.engine]);

  const hits = state?.hits ?? [];
  const page = searchPageRows(p.height);
  const selClamped = Math.max(0, Math.min(sel, hits.length - 1));
  const topNow = scrollFor(selClamped, top, page, hits.length);
  // the key handler reads the latest render's values through a ref: Ink can deliver keys to a
  // handler registered by an earlier render (several keys arrive before React commits)
  const cur = useRef({ hits, selClamped, topNow, page, onOpen: p.onOpen, onClose: p.onClose });
  cur.current = { hits, selClamped, topNow, page, onOpen: p.onOpen, onClose: p.onClose };

  const onInput = (input: string, key: Key): void => {
    const { hits, selClamped, topNow, page } = cur.current;
    const k = keyName(input, key);
    const cmd = resolveCommand(k, { overlay: 'search', replay: false });
    switch (cmd) {
      case 'back':
        cur.current.onClose();
        return;
      case 'apply': {
        const h = hits[selClamped];
        if (h) cur.current.onOpen(h.row.auditID);
        return;
      }
      case 'up':
      case 'down': {
        const next = Math.max(0, Math.min(hits.length - 1, selClamped + (cmd === 'up' ? -1 : 1)));
        selId.current = hits[next]?.row.auditID ?? null;
        mem.sel = next;
        setSel(next);
        setTop(scrollFor(next, topNow, page, hits.length));
        return;
      }
      case 'quit':
        return; // App handles quitting
    }
    if (k === 'pageup' || k === 'pagedown') {
      const next = Math.max(0, Math.min(hits.length - 1, selClamped + (k === 'pageup' ? -page : page)));
      selId.current = hits[next]?.row.auditID ?? null;
      mem.sel = next;
      setSel(next);
      setTop(scrollFor(next, topNow, page, hits.length));
      return;
    }
    const next = editLine(lineRef.current, k, input);
    if (next === undefined) return;
    const changed = next.text !== lineRef.current.text;
    lineRef.current = next;
    setLine(next);
    if (changed) {
      selId.current = null;
      refreshing.current = false;
      mem.sel = 0;
      setSel(0);
      setTop(0);
    }
    // "text⏎" in one chunk: the results for the new text are not there yet, so Enter is not taken as
    // "open" here; the user sees the new results and presses Enter again
  };
  useInput(onInput);
  useEarlyKeys();

  const lines = useMemo(
    () => searchLines({ width: p.width, height: p.height, theme: p.theme, query, cursor: line.cursor, state, sel: selClamped, top: topNow }),
    [p.width, p.height, p.theme, query, line.cursor, state, selClamped, topNow],
  );
  return <Lines lines={lines} width={p.width} height={p.height} />;
});
