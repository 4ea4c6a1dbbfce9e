import { memo, useEffect, useMemo, useState } from 'react';
import { displayWidth, fit, sanitize, truncate } from '../../model/sanitize.js';
import type { Snapshot } from '../../state/store.js';
import { CLOCK_COLS, clock, compact, grouped, progressBar, sparkline } from '../format.js';
import type { Theme, Tone } from '../theme.js';
import { Lines } from './Lines.js';

/** A notice (rotation, gap, waiting for a file) stays on the status bar this long. */
export const NOTICE_MS = 30_000;
/** Longest notice shown (the rest of a follower's message is in `--no-tui`'s stderr). */
const NOTICE_MAX_COLS = 48;
/** Seconds of history in the sparkline. */
const SPARK_WIDTH = 16;

export interface StatusBarProps {
  width: number;
  theme: Theme;
  snap: Snapshot;
  /** the sources being read, e.g. "follow /var/log/kubernetes/audit/audit.log" */
  source: string;
  mode: 'follow' | 'replay' | 'stdin' | 'demo';
  /** active filter expression ('' = none) */
  filter: string;
  /** wall clock, ms */
  now: number;
  /**
   * The clock is drawn by the screen writer straight onto the terminal (src/ui/screen-writer.ts), so a
   * ticking clock costs no frame: the line leaves its eight columns blank.
   */
  externalClock?: boolean;
}

interface Segment {
  text: string;
  tone: Tone | null;
  /** lower goes first when the bar is too narrow */
  keep: number;
  /** part of the title and mode (the source is placed after these) */
  lead?: boolean;
}

/** Events/s of the last complete second of event time (the current second is still filling). */
export function eventsPerSecond(rate: readonly number[]): number {
  if (rate.length >= 2) return rate[rate.length - 2]!;
  return rate[0] ?? 0;
}

export function statusLine(p: StatusBarProps): string {
  const { snap: s, theme: t, width } = p;
  const segs: Segment[] = [];
  segs.push({ text: ' auditop ', tone: 'title', keep: 100, lead: true });
  const r = s.replay;
  if (r) {
    const speed = Number.isFinite(r.speed) ? `${t.g.times}${r.speed >= 10 ? Math.round(r.speed) : Number(r.speed.toFixed(2))}` : 'max';
    // finished when everything read has also gone through the engine (the pacer's `done` comes when
    // reading ends, while decoding may still be catching up)
    const finished = s.ended;
    const state = finished ? 'replay finished' : r.paused ? `replay PAUSED ${speed}` : `replay ${speed}`;
    segs.push({ text: state, tone: r.paused && !finished ? 'paused' : finished ? 'ok' : 'accent', keep: 95 });
    segs.push({ text: clock(r.clock), tone: 'bold', keep: 90 });
    if (Number.isFinite(r.progress)) segs.push({ text: `${progressBar(r.progress, 10, t)} ${Math.floor(r.progress * 100)}%`, tone: null, keep: 60 });
  } else if (s.paused) {
    segs.push({ text: `PAUSED +${grouped(s.newWhilePaused)} new`, tone: 'paused', keep: 95 });
  } else if (p.mode === 'replay') {
    segs.push({ text: s.ended ? 'replay finished' : 'replay max', tone: s.ended ? 'ok' : 'accent', keep: 95 });
  } else if (s.ended) {
    segs.push({ text: p.mode === 'stdin' ? 'stdin closed' : 'input ended', tone: 'warn', keep: 95 });
  } else {
    segs.push({ text: p.mode === 'stdin' ? 'stdin' : p.mode === 'demo' ? 'demo (follow)' : 'follow', tone: 'accent', keep: 90 });
  }
  for (const x of segs) x.lead = true;
  // The source: after the counters that say something is wrong and the buffer fill, before the
  // sparkline. It competes for room with its narrowest form (the file name) and then takes the room
  // left over, dropping directories from the middle of the path first (see shortenPath).
  const src = sanitize(p.source);
  const ell = pathEllipsis(t);
  const source: Segment | null = src ? { text: shortenPath(src, 0, ell, true), tone: null, keep: 49 } : null;
  if (source) segs.push(source);
  const eps = eventsPerSecond(s.rate);
  segs.push({ text: sparkline(s.rate.slice(0, -1), SPARK_WIDTH, t), tone: 'accent', keep: 30 });
  segs.push({ text: `${compact(eps)} ev/s`, tone: null, keep: 80 });
  const fill = s.bufferCapacity > 0 ? Math.round((s.bufferSize / s.bufferCapacity) * 100) : 0;
  segs.push({ text: `buf ${fill}% of ${compact(s.bufferCapacity)}`, tone: fill >= 100 ? 'warn' : null, keep: 50 });
  // a count of zero is not news (it is drawn dim): it gives its room to the source's file name first
  segs.push({ text: `malformed ${grouped(s.counts.malformed)}`, tone: s.counts.malformed > 0 ? 'warn' : 'dim', keep: s.counts.malformed > 0 ? 55 : 45 });
  if (s.counts.skippedLong > 0) segs.push({ text: `skipped ${grouped(s.counts.skippedLong)}`, tone: 'warn', keep: 54 });
  if (s.counts.gaps > 0) segs.push({ text: `gaps ${grouped(s.counts.gaps)}`, tone: 'error', keep: 85 });
  if (p.filter) segs.push({ text: `filter: ${sanitize(p.filter)}`, tone: 'warn', keep: 70 });
  // the filter view announces itself as a notice; the filter segment above already says it
  const n = s.notices.filter((x) => x.source !== 'filter').at(-1);
  if (n && p.now - n.at < NOTICE_MS) {
    const gap = /gap|lost|vanish|truncat|backwards/i.test(n.message);
    // a notice is news, not a log line: cut long ones so the counters stay on the bar
    segs.push({ text: truncate(sanitize(n.message), NOTICE_MAX_COLS, t.g.ellipsis), tone: gap ? 'error' : 'warn', keep: 75 });
  }
  const clk = p.externalClock ? ' '.repeat(CLOCK_COLS) : clock(p.now);
  // drop the least important segments until the line fits: segments, two spaces, clock, one space
  const sep = 2;
  const leftWidth = (xs: Segment[]): number => xs.reduce((a, x) => a + displayWidth(x.text), 0) + sep * Math.max(0, xs.length - 1);
  const fits = (xs: Segment[]): boolean => leftWidth(xs) + sep + clk.length + 1 <= width;
  // most important first, each taken if it still fits (a long notice that cannot fit does not push
  // out the counters before being dropped itself), then back in reading order
  const chosen = new Set<Segment>();
  for (const x of [...segs].sort((a, b) => b.keep - a.keep)) {
    if (chosen.size === 0 || fits(segs.filter((y) => chosen.has(y) || y === x))) chosen.add(x);
  }
  const kept = segs.filter((x) => chosen.has(x));
  const spare = width - (leftWidth(kept) + sep + clk.length + 1);
  if (source && chosen.has(source)) {
    source.text = shortenPath(src, displayWidth(source.text) + spare, ell);
  } else if (source && spare - sep >= 8) {
    // not even the file name fits: the end of the path in what is left says the most
    const at = kept.filter((x) => x.lead).length;
    kept.splice(at, 0, { ...source, text: shortenPath(src, spare - sep, ell) });
  }
  if (!fits(kept)) return fit(kept.map((x) => x.text).join('  '), width, t.g.ellipsis);
  const left = kept.map((x) => t.paint(x.text, x.tone)).join(' '.repeat(sep));
  return left + ' '.repeat(width - leftWidth(kept) - clk.length - 1) + t.paint(clk, 'dim') + ' ';
}

/**
 * The ellipsis that stands for dropped directories: under --ascii '...', as in shells' prompts (the
 * theme's ASCII ellipsis '~' would read as the home directory in a path).
 */
function pathEllipsis(t: Theme): string {
  return t.ascii ? '...' : t.g.ellipsis;
}

/**
 * Narrower forms of one path, in the order they are tried: the whole path; then directories dropped
 * from the middle, nearest the head first, keeping the head ("/var" or the first relative directory)
 * and the directory holding the file; then the head too; then that directory; then the bare file name.
 * /var/log/kubernetes/audit/x.log → /var/…/kubernetes/audit/x.log → /var/…/audit/x.log →
 * …/audit/x.log → …/x.log → x.log
 */
function pathForms(path: string, ell: string): string[] {
  const slash = path.lastIndexOf('/');
  if (slash < 0 || slash === path.length - 1) return [path];
  const base = path.slice(slash + 1);
  const dirs = path.slice(0, slash).split('/');
  const n = dirs.length;
  const head = dirs[0] === '' ? Math.min(2, n) : 1;
  const form = (h: number, j: number): string => [...dirs.slice(0, h), ell, ...dirs.slice(n - j), base].join('/');
  const forms = [path];
  for (let j = n - head - 1; j >= 1; j--) forms.push(form(head, j));
  if (n > 1) forms.push(form(0, 1));
  forms.push(form(0, 0), base);
  return forms;
}

/**
 * `s` (one path, or several joined by ", ") in at most `width` columns: whole when it fits, else each
 * path loses directories from the middle of its directory part (widest path first) down to its file
 * name; only when the file names alone do not fit is the end kept, cut from the left.
 * `narrowest`: the narrowest form that keeps every file name whole, whatever `width` is.
 */
export function shortenPath(s: string, width: number, ell: string, narrowest = false): string {
  if (!narrowest && displayWidth(s) <= width) return s;
  const parts = s.split(', ').map((x) => pathForms(x, ell));
  const at = parts.map(() => 0);
  const join = (): string => parts.map((f, i) => f[at[i]!]!).join(', ');
  for (;;) {
    const text = join();
    if (!narrowest && displayWidth(text) <= width) return text;
    // narrow the widest path that can still lose something
    let pick = -1;
    for (let i = 0; i < parts.length; i++) {
      if (at[i]! + 1 >= parts[i]!.length) continue;
      if (pick < 0 || displayWidth(parts[i]![at[i]!]!) > displayWidth(parts[pick]![at[pick]!]!)) pick = i;
    }
    if (pick < 0) return narrowest ? text : ell + tail(text, width - displayWidth(ell));
    at[pick]!++;
  }
}

/** The last `width` columns of `s`. */
function tail(s: string, width: number): string {
  const chars = [...s];
  let out = '';
  for (let i = chars.length - 1; i >= 0; i--) {
    const next = chars[i]! + out;
    if (displayWidth(next) > width) break;
    out = next;
  }
  return out;
}

export const StatusBar = memo(function StatusBar(p: Omit<StatusBarProps, 'now'> & { now?: number }) {
  const [tick, setTick] = useState(() => Date.now());
  const fixed = p.now !== undefined;
  useEffect(() => {
    if (fixed || p.externalClock) return;
    // one redraw a second for the clock, aligned to the second so it does not drift against the wall clock
    let h: ReturnType<typeof setTimeout>;
    const arm = (): void => {
      h = setTimeout(() => {
        setTick(Date.now());
        arm();
      }, 1000 - (Date.now() % 1000) + 5);
    };
    arm();
    return () => clearTimeout(h);
  }, [fixed, p.externalClock]);
  // with the clock drawn outside, redraw only when the newest notice is due to go
  const newest = p.snap.notices.at(-1);
  useEffect(() => {
    if (fixed || !p.externalClock || !newest) return;
    const due = newest.at + NOTICE_MS - Date.now();
    if (due <= 0) return;
    const h = setTimeout(() => setTick(Date.now()), due + 5);
    return () => clearTimeout(h);
  }, [fixed, p.externalClock, newest]);
  const now = p.now ?? (p.externalClock ? Math.max(tick, Date.now()) : tick);
  const line = useMemo(() => statusLine({ ...p, now }), [p.width, p.theme, p.snap, p.source, p.mode, p.filter, p.externalClock, now]);
  return <Lines lines={[line]} width={p.width} height={1} />;
});
