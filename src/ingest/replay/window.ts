/**
 * --since / --until: the event-time window of a replay.
 *
 * Accepted forms (README "Replaying saved logs"):
 *   2026-11-20T14:02:00Z, 2026-11-20T16:02:00+02:00, 2026-11-20T14:02, 2026-11-20
 *                                          RFC 3339; no offset means UTC, the zone the API server logs in
 *   -2h, -90m, -1h30m, -1d                                             back from the END of the log
 *   +15m                                                               forward from the START of the log
 *   now-2h                                                             back from the wall clock
 * Relative values count from the log, not from the wall clock, because a replay is of old logs: the
 * log's last event is the "now" of the replay (the same "now" its 1m/5m/1h windows use). `now-…` is
 * there for the day's own logs copied off a node.
 */

export type TimeBound =
  | { kind: 'absolute'; ms: number }
  /** offset in ms from the log's start (`+`, offset ≥ 0) or end (`-`, offset ≤ 0) */
  | { kind: 'log'; from: 'start' | 'end'; offsetMs: number }
  | { kind: 'now'; offsetMs: number };

export interface TimeWindow {
  /** inclusive bounds in event-time ms; -Infinity / +Infinity when open */
  since: number;
  until: number;
}

export const OPEN_WINDOW: TimeWindow = { since: -Infinity, until: Infinity };

const UNIT_MS: Record<string, number> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 };
const DURATION = /^(?:\d+(?:\.\d+)?(?:ms|s|m|h|d))+$/;
const DURATION_PART = /(\d+(?:\.\d+)?)(ms|s|m|h|d)/g;
const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})(?:[Tt ](\d{2}):(\d{2})(?::(\d{2})(\.\d+)?)?([Zz]|[+-]\d{2}:?\d{2})?)?$/;

/** "1h30m" → 5,400,000; NaN when it is not a duration. */
export function parseDuration(s: string): number {
  if (!DURATION.test(s)) return Number.NaN;
  let ms = 0;
  for (const m of s.matchAll(DURATION_PART)) ms += Number(m[1]) * UNIT_MS[m[2]!]!;
  return ms;
}

/** Parses a --since/--until value; a string is the one-line reason it is not one (usage error). */
export function parseTimeBound(value: string): TimeBound | string {
  const v = value.trim();
  const hint = 'expected RFC 3339 (2026-11-20T14:02:00Z) or relative (-2h from the end of the log, +15m from its start, now-2h)';
  if (v.startsWith('now')) {
    const rest = v.slice(3);
    if (rest === '') return { kind: 'now', offsetMs: 0 };
    const sign = rest[0];
    const d = parseDuration(rest.slice(1));
    if ((sign !== '-' && sign !== '+') || Number.isNaN(d)) return `bad time "${value}": ${hint}`;
    return { kind: 'now', offsetMs: sign === '-' ? -d : d };
  }
  if (v.startsWith('-') || v.startsWith('+')) {
    const d = parseDuration(v.slice(1));
    if (Number.isNaN(d)) return `bad time "${value}": ${hint}`;
    return v.startsWith('-') ? { kind: 'log', from: 'end', offsetMs: -d } : { kind: 'log', from: 'start', offsetMs: d };
  }
  const m = RFC3339.exec(v);
  if (m === null) return `bad time "${value}": ${hint}`;
  const zone = m[8] ?? 'Z';
  const iso = `${m[1]}-${m[2]}-${m[3]}T${m[4] ?? '00'}:${m[5] ?? '00'}:${m[6] ?? '00'}${m[7] ?? ''}${zone === 'z' ? 'Z' : zone.length === 5 ? `${zone.slice(0, 3)}:${zone.slice(3)}` : zone}`;
  const ms = Date.parse(iso);
  // Date.parse rolls 2026-02-31 over into March; compare the date back to catch it.
  if (Number.isNaN(ms) || (zone.toUpperCase() === 'Z' && new Date(ms).toISOString().slice(0, 10) !== iso.slice(0, 10))) {
    return `bad time "${value}": ${hint}`;
  }
  return { kind: 'absolute', ms };
}

/** Whether resolving the bound needs the log's first or last event time. */
export function needsLogSpan(b: TimeBound | undefined): 'start' | 'end' | null {
  return b?.kind === 'log' ? b.from : null;
}

/** The bound in event-time ms, given the log's first and last event times (NaN when unknown) and the wall clock. */
export function resolveBound(b: TimeBound, span: { first: number; last: number }, nowMs: number): number {
  switch (b.kind) {
    case 'absolute':
      return b.ms;
    case 'now':
      return nowMs + b.offsetMs;
    case 'log':
      return (b.from === 'start' ? span.first : span.last) + b.offsetMs;
  }
}

/** "2026-11-20T14:02:00Z" for notices; "start"/"end" for open bounds. */
export function formatBound(ms: number): string {
  if (ms === -Infinity) return 'start';
  if (ms === Infinity) return 'end';
  return new Date(ms).toISOString().replace('.000Z', 'Z');
}
