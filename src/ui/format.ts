/**
 * Pre-formatted, pre-truncated rows: every pane line is built here as one string of exactly the
 * pane's width (SGR colour codes included), so Ink lays out one <Text> per row and never wraps or
 * measures nested spans (with this, a 1,000 events/s feed cost 33–43% CPU instead of 63%; issue 5).
 * Every string from the log goes through `cell`/`sanitize` first (SPEC §4 terminal hygiene).
 */
import type { Severity } from '../detect/types.js';
import type { RequestRow, TopEntry } from '../model/types.js';
import { displayWidth, fit, sanitize, truncate } from '../model/sanitize.js';
import type { AlertGroup } from '../state/store.js';
import { severityLabel, severityTone, type Theme, type Tone } from './theme.js';

/** Columns of the HH:MM:SS status clock (one blank column follows it at the end of the bar). */
export const CLOCK_COLS = 8;

const pad2 = (n: number): string => (n < 10 ? `0${n}` : String(n));

/** HH:MM:SS in UTC (audit logs are written in UTC; mixing zones on one screen misleads). */
export function clock(ms: number): string {
  if (!Number.isFinite(ms)) return '--:--:--';
  const d = new Date(ms);
  return `${pad2(d.getUTCHours())}:${pad2(d.getUTCMinutes())}:${pad2(d.getUTCSeconds())}`;
}

/** 12, 999, 1.2k, 12k, 1.2M: counts in four or five columns. */
export function compact(n: number): string {
  if (!Number.isFinite(n)) return '-';
  if (n < 1000) return String(Math.round(n));
  if (n < 10_000) return `${(n / 1000).toFixed(1)}k`;
  if (n < 1_000_000) return `${Math.round(n / 1000)}k`;
  if (n < 10_000_000) return `${(n / 1_000_000).toFixed(1)}M`;
  return `${Math.round(n / 1_000_000)}M`;
}

/** Thousands separators for counters in the status bar. */
export function grouped(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}

export function latency(ms: number): string {
  if (ms < 0 || !Number.isFinite(ms)) return '';
  if (ms < 1000) return `${Math.round(ms)}ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)}s`;
  const m = Math.floor(ms / 60_000);
  return `${m}m${pad2(Math.floor((ms % 60_000) / 1000))}s`;
}

export function verbTone(verb: string, subresource: string): Tone {
  if (subresource === 'exec' || subresource === 'attach' || subresource === 'portforward' || subresource === 'proxy') return 'connect';
  switch (verb) {
    case 'get':
    case 'list':
    case 'watch':
      return 'read';
    case 'delete':
    case 'deletecollection':
      return 'delete';
    default:
      return 'write';
  }
}

export function codeTone(code: number): Tone | null {
  if (code === 0) return 'dim';
  if (code < 300) return 'ok';
  if (code < 400) return 'redirect';
  if (code === 401 || code === 403) return 'denied';
  if (code < 500) return 'warn';
  return 'error';
}

/** "pods/exec prod/api-7c9d", "nodes worker-1", or the URI of a non-resource request (/healthz). */
export function objectLabel(r: RequestRow): string {
  const e = r.ev;
  if (!e.resource) return e.uri;
  const res = e.subresource ? `${e.resource}/${e.subresource}` : e.resource;
  const obj = e.namespace ? (e.name ? `${e.namespace}/${e.name}` : e.namespace) : e.name;
  return obj ? `${res} ${obj}` : res;
}

export interface FeedColumns {
  user: number;
  object: number;
}

/** Fixed columns: mark 1, time 8, verb 7, code 4, latency 6, five separating spaces = 31. */
const FEED_FIXED = 31;

export function feedColumns(width: number): FeedColumns {
  const flex = Math.max(0, width - FEED_FIXED);
  const user = Math.max(4, Math.min(36, Math.round(flex * 0.4)));
  return { user, object: Math.max(0, flex - user) };
}

export function feedHeader(width: number, t: Theme): string {
  const c = feedColumns(width);
  const s = ` ${fit('TIME', 8)} ${fit('USER', c.user)} ${fit('VERB', 7)} ${fit('OBJECT', c.object)} ${fit('CODE', 4)} ${'LAT'.padStart(6)}`;
  return t.paint(fit(s, width), 'dim');
}

/** One feed row at exactly `width` columns. */
export function feedRow(r: RequestRow, width: number, t: Theme, selected: boolean): string {
  const c = feedColumns(width);
  const e = r.ev;
  const el = t.g.ellipsis;
  const time = clock(Number.isNaN(e.receivedTs) ? e.ts : e.receivedTs);
  const user = fit(sanitize(e.impersonatedUser ? `${e.user}→${e.impersonatedUser}` : e.user), c.user, el);
  const verb = fit(sanitize(e.verb), 7, el);
  const obj = fit(sanitize(objectLabel(r)), c.object, el);
  const code = r.open ? el.padStart(4) : e.code ? String(e.code).padStart(4).slice(-4) : '   -';
  const lat = (r.open ? 'open' : latency(e.latencyMs)).padStart(6).slice(-6);
  const sev = r.alert;
  if (selected || sev) {
    // one tone for the whole row: nested SGR resets would cut an outer highlight short
    const body = fit(`${time} ${user} ${verb} ${obj} ${code} ${lat}`, width - 1);
    const mark = sev ? t.g.alertMark : ' ';
    if (selected) return t.paint(mark + body, 'selected');
    return t.paint(mark, severityTone(sev)) + t.paint(body, severityTone(sev));
  }
  return (
    fit(' ', 1) +
    t.paint(time, 'dim') +
    ' ' +
    user +
    ' ' +
    t.paint(verb, verbTone(e.verb, e.subresource)) +
    ' ' +
    obj +
    ' ' +
    t.paint(code, r.open ? 'dim' : codeTone(e.code)) +
    ' ' +
    t.paint(lat, e.latencyMs >= 10_000 ? 'warn' : 'dim') +
    (width > FEED_FIXED + c.user + c.object ? ' '.repeat(width - FEED_FIXED - c.user - c.object) : '')
  );
}

/** Lines of one alert group: two (headline + message) when there is room, else one. */
export function alertLines(g: AlertGroup, width: number, t: Theme, selected: boolean, twoLines: boolean): string[] {
  const a = g.alert;
  const el = t.g.ellipsis;
  const sev = severityLabel(a.severity);
  const count = g.count > 1 ? ` ${t.g.times}${g.count}` : '';
  const who = sanitize(a.user || a.sourceIP);
  const title = sanitize(a.title || a.rule);
  const time = clock(a.tsMs);
  const lead = `${sev} ${time} `;
  // on a narrow pane with a message line (which names who) the headline keeps the room for the title
  const whoW = twoLines && width < 60 ? 0 : Math.min(displayWidth(who), Math.max(0, Math.floor((width - lead.length) * 0.45)));
  const titleW = Math.max(0, width - lead.length - whoW - (whoW > 0 ? 1 : 0));
  const head = fit(truncate(title, Math.max(0, titleW - displayWidth(count)), el) + count, titleW, el) + (whoW > 0 ? ` ${fit(who, whoW, el)}` : '');
  const message = sanitize(a.message);
  if (selected) {
    const l1 = t.paint(fit(lead + head, width, el), 'selected');
    if (!twoLines) return [l1];
    return [l1, t.paint(fit(`     ${message}`, width, el), 'selected')];
  }
  const l1 = t.paint(sev, severityTone(a.severity)) + ' ' + t.paint(time, 'dim') + ' ' + t.paint(head, a.severity === 'critical' || a.severity === 'high' ? 'bold' : null);
  if (!twoLines) return [l1];
  return [l1, t.paint(fit(`     ${message}`, width, el), 'dim')];
}

/** A horizontal bar of `value/max` over `width` cells, in eighths where the glyphs allow. */
export function bar(value: number, max: number, width: number, t: Theme): string {
  if (width <= 0) return '';
  const frac = max > 0 ? Math.max(0, Math.min(1, value / max)) : 0;
  const eighths = Math.round(frac * width * 8);
  const full = Math.floor(eighths / 8);
  const rest = eighths % 8;
  let s = t.g.bar[8]!.repeat(full);
  if (full < width && rest > 0) s += t.g.bar[rest]!;
  // a non-zero count always shows at least a sliver, so a rare user is not mistaken for none
  if (s.trim() === '' && value > 0) s = t.ascii ? '#' : t.g.bar[1]!;
  return s + ' '.repeat(Math.max(0, width - displayWidth(s)));
}

export function topRow(e: TopEntry, max: number, width: number, t: Theme, selected: boolean): string {
  const barW = Math.max(4, Math.min(24, Math.round(width * 0.3)));
  const countW = 6;
  const keyW = Math.max(1, width - barW - countW - 2);
  const key = fit(sanitize(e.key === '' ? '(none)' : e.key), keyW, t.g.ellipsis);
  const count = compact(e.count).padStart(countW);
  if (selected) return t.paint(fit(`${key} ${bar(e.count, max, barW, t)} ${count}`, width), 'selected');
  return `${key} ${t.paint(bar(e.count, max, barW, t), 'bar')} ${count}`;
}

/** Sparkline of the last `width` values scaled to their maximum. */
export function sparkline(values: readonly number[], width: number, t: Theme): string {
  const v = values.slice(-width);
  const max = Math.max(0, ...v);
  const levels = t.g.spark;
  let s = '';
  for (const x of v) s += max <= 0 ? levels[0] : levels[Math.min(levels.length - 1, Math.floor((x / max) * (levels.length - 1) + 0.5))];
  return s.padStart(width, ' ');
}

/** A progress bar of `frac` (0..1) over `width` cells. */
export function progressBar(frac: number, width: number, t: Theme): string {
  const f = Number.isFinite(frac) ? Math.max(0, Math.min(1, frac)) : 0;
  const n = Math.round(f * width);
  return t.g.progressFull.repeat(n) + t.g.progressEmpty.repeat(width - n);
}

/** Top border with a title: "┌ Feed (1,204) ───┐"; `right` is drawn near the right corner. */
export function borderTop(title: string, width: number, t: Theme, focused: boolean, right = ''): string {
  if (width < 2) return '';
  const inner = width - 2;
  // the title leaves room for the leading line cell, so `fill` is never negative
  const ttl = title && inner >= 4 ? ` ${truncate(title, inner - 3, t.g.ellipsis)} ` : '';
  const rgt = right && displayWidth(ttl) + displayWidth(right) + 4 <= inner ? ` ${right} ` : '';
  const fill = Math.max(0, inner - 1 - displayWidth(ttl) - displayWidth(rgt));
  const tone: Tone = focused ? 'focus' : 'dim';
  return (
    t.paint(t.g.tl + t.g.h, tone) +
    t.paint(ttl, focused ? 'title' : 'bold') +
    t.paint(t.g.h.repeat(fill), tone) +
    (rgt ? t.paint(rgt, 'dim') : '') +
    t.paint(t.g.tr, tone)
  );
}

/** Bottom border, optionally carrying a legend (top-N dimensions). */
export function borderBottom(width: number, t: Theme, focused: boolean, legend = ''): string {
  if (width < 2) return '';
  const inner = width - 2;
  const tone: Tone = focused ? 'focus' : 'dim';
  if (!legend || displayWidth(legend) + 2 > inner) return t.paint(t.g.bl + t.g.h.repeat(inner) + t.g.br, tone);
  const fill = inner - displayWidth(legend) - 2;
  return t.paint(t.g.bl + t.g.h, tone) + legend + t.paint(t.g.h.repeat(fill + 1) + t.g.br, tone);
}

/** A content line between side borders; `content` must already be exactly width-2 columns. */
export function framed(content: string, t: Theme, focused: boolean): string {
  const v = t.paint(t.g.v, focused ? 'focus' : 'dim');
  return v + content + v;
}

export function blank(width: number): string {
  return ' '.repeat(Math.max(0, width));
}

export function severityRank(s: Severity | ''): number {
  switch (s) {
    case 'critical':
      return 5;
    case 'high':
      return 4;
    case 'medium':
      return 3;
    case 'low':
      return 2;
    case 'info':
      return 1;
    default:
      return 0;
  }
}
