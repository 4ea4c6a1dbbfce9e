import type { AuditEvent } from './event.js';

/**
 * Turns one parsed audit event object into the flat AuditEvent record.
 *
 * Input is untrusted JSON from log shippers of every kind, so every field is read defensively:
 * a wrong type gives the absent value ('' / 0 / []) or the obvious coercion (code "201" → 201,
 * `user: "alice"` → username alice). Nothing here throws.
 */
export function normalise(obj: Record<string, unknown>, raw: string, source: string): AuditEvent {
  const user = obj.user;
  let username = '';
  let groups: string[] = NO_GROUPS;
  if (typeof user === 'string') username = user;
  else if (isObject(user)) {
    username = str(user.username);
    groups = strList(user.groups);
  }

  const imp = obj.impersonatedUser;
  let impUser = '';
  let impGroups: string[] = NO_GROUPS;
  if (typeof imp === 'string') impUser = imp;
  else if (isObject(imp)) {
    impUser = str(imp.username);
    impGroups = strList(imp.groups);
  }

  const ips = obj.sourceIPs;
  const sourceIP = Array.isArray(ips) ? str(ips[0]) : str(ips);

  const ref = isObject(obj.objectRef) ? obj.objectRef : EMPTY;
  const status = isObject(obj.responseStatus) ? obj.responseStatus : EMPTY;
  const annotations = isObject(obj.annotations) ? obj.annotations : EMPTY;

  // SPEC §2: event time is stageTimestamp, else requestReceivedTimestamp, else v1beta1's timestamp.
  // Only strings are times: a number here is no known format, and Date.parse(String(12345)) is year 12345.
  const stageTime = typeof obj.stageTimestamp === 'string' ? obj.stageTimestamp : '';
  const receivedTime = typeof obj.requestReceivedTimestamp === 'string' ? obj.requestReceivedTimestamp : '';
  const time = stageTime || receivedTime || (typeof obj.timestamp === 'string' ? obj.timestamp : '');
  const tsPrecise = time === '' ? NaN : parseTimestamp(time);
  const receivedPrecise = receivedTime === '' ? NaN : parseTimestamp(receivedTime);
  let latencyMs = -1;
  if (stageTime !== '' && receivedTime !== '') {
    const d = tsPrecise - receivedPrecise;
    // Round to whole microseconds: the log's resolution; float subtraction leaves noise below it.
    // A negative difference is clock junk, not a latency: report it as unknown.
    if (d >= 0) latencyMs = Math.round(d * 1000) / 1000;
  }

  return {
    ts: Math.floor(tsPrecise),
    time,
    receivedTs: Math.floor(receivedPrecise),
    auditID: str(obj.auditID),
    stage: str(obj.stage),
    verb: str(obj.verb),
    user: username,
    groups,
    impersonatedUser: impUser,
    impersonatedGroups: impGroups,
    sourceIP,
    userAgent: str(obj.userAgent),
    apiGroup: str(ref.apiGroup),
    apiVersion: str(ref.apiVersion),
    resource: str(ref.resource),
    subresource: str(ref.subresource),
    namespace: str(ref.namespace),
    name: str(ref.name),
    code: toCode(status.code),
    reason: (str(status.reason) || str(status.message)).trim(),
    decision: str(annotations['authorization.k8s.io/decision']),
    uri: str(obj.requestURI),
    level: auditLevel(obj),
    latencyMs,
    hasRequestObject: obj.requestObject !== undefined,
    hasResponseObject: obj.responseObject !== undefined,
    raw,
    source,
  };
}

// Shared, frozen: most events have no impersonation, and one empty array for all of them saves an
// allocation per event. Frozen so no consumer can push into everyone's groups by accident.
const NO_GROUPS: string[] = Object.freeze([]) as unknown as string[];
const EMPTY: Record<string, unknown> = Object.freeze({}) as Record<string, unknown>;

const LEVELS = new Set(['None', 'Metadata', 'Request', 'RequestResponse']);

/**
 * OpenShift's ViaQ normalisation overwrites `level` with its own log level ("default") and keeps the
 * audit level in k8s_audit_level / openshift_audit_level; prefer that so level filters still work.
 */
function auditLevel(obj: Record<string, unknown>): string {
  const level = str(obj.level);
  if (level === '' || LEVELS.has(level)) return level;
  const viaq = str(obj.k8s_audit_level) || str(obj.openshift_audit_level);
  return viaq || level;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function str(v: unknown): string {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return '';
}

function strList(v: unknown): string[] {
  if (!Array.isArray(v)) return typeof v === 'string' && v !== '' ? [v] : NO_GROUPS;
  // The common case (all strings) keeps the parsed array itself: no copy per event.
  for (const x of v) if (typeof x !== 'string') return v.map(str).filter((s) => s !== '');
  return v as string[];
}

function toCode(v: unknown): number {
  if (typeof v === 'number') return Number.isInteger(v) && v >= 0 ? v : 0;
  if (typeof v === 'string' && /^\s*\d{1,4}\s*$/.test(v)) return Number(v);
  return 0;
}

// Timestamps of one log share their date, hour and minute for long runs: cache the epoch ms of the
// last minute seen (keyed by its digits as one integer) and only parse seconds and fraction per call.
let cachedMinuteKey = -1;
let cachedMinuteMs = 0;

const DIGIT0 = 48;
/** Poison for a non-digit: pushes any field it is part of far out of its valid range. */
const BAD = -1e9;

/** Two decimal digits at s[i], s[i+1]; BAD when either is not a digit. */
function two(s: string, i: number): number {
  const a = s.charCodeAt(i) - DIGIT0;
  const b = s.charCodeAt(i + 1) - DIGIT0;
  return a >>> 0 > 9 || b >>> 0 > 9 ? BAD : a * 10 + b;
}

/**
 * RFC 3339 timestamp → ms since the epoch, keeping microseconds as a fraction (latency of fast
 * requests is well under a millisecond). NaN when it does not parse.
 *
 * The API server writes UTC with microseconds ("2024-07-02T17:02:26.406288Z"). That shape is parsed
 * by hand with the minute cached: measured 40 ns against 170 ns for Date.parse, which also drops the
 * microseconds. Anything else (offsets, no seconds) goes to Date.parse.
 */
export function parseTimestamp(s: string): number {
  const n = s.length;
  if (
    n < 20 || s.charCodeAt(n - 1) !== 90 /* Z */ || s.charCodeAt(4) !== 45 /* - */ ||
    s.charCodeAt(7) !== 45 || s.charCodeAt(13) !== 58 /* : */ || s.charCodeAt(16) !== 58
  ) {
    return Date.parse(s);
  }
  const t = s.charCodeAt(10);
  if (t !== 84 && t !== 116 && t !== 32) return Date.parse(s); // T, t or space (RFC 3339 allows all three)
  const y = two(s, 0) * 100 + two(s, 2);
  const mo = two(s, 5);
  const d = two(s, 8);
  const h = two(s, 11);
  const mi = two(s, 14);
  const sec = two(s, 17);
  if (y < 0 || mo < 1 || mo > 12 || d < 1 || d > 31 || h < 0 || h > 23 || mi < 0 || mi > 59 || sec < 0 || sec > 60) {
    return NaN;
  }
  const key = (((y * 100 + mo) * 100 + d) * 100 + h) * 100 + mi;
  if (key !== cachedMinuteKey) {
    const base = Date.UTC(y, mo - 1, d, h, mi);
    // Date.UTC rolls 31 February over into March; a real log never writes that, so treat it as junk.
    if (new Date(base).getUTCDate() !== d) return NaN;
    cachedMinuteKey = key;
    cachedMinuteMs = base;
  }
  let ms = sec * 1000;
  if (n > 20) {
    if (s.charCodeAt(19) !== 46 /* . */) return Date.parse(s);
    let frac = 0;
    let scale = 1;
    for (let i = 20; i < n - 1; i++) {
      const dg = s.charCodeAt(i) - DIGIT0;
      if (dg >>> 0 > 9) return NaN;
      // Microseconds are the log's resolution; ViaQ's nanoseconds beyond that are dropped.
      if (scale < 1e6) {
        frac = frac * 10 + dg;
        scale *= 10;
      }
    }
    ms += (frac * 1000) / scale;
  }
  return cachedMinuteMs + ms;
}
