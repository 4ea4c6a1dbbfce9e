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
  const stageTime = str(obj.stageTimestamp);
  const receivedTime = str(obj.requestReceivedTimestamp);
  const time = stageTime || receivedTime || str(obj.timestamp);
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

// Timestamps of one log share their date and hour-minute prefix for long runs: cache the epoch
// milliseconds of the last "YYYY-MM-DDTHH:MM" seen and only parse seconds and fraction per call.
let cachedPrefix = '';
let cachedPrefixMs = 0;

const DIGIT0 = 48;

function digits(s: string, from: number, count: number): number {
  let n = 0;
  for (let i = from; i < from + count; i++) {
    const d = s.charCodeAt(i) - DIGIT0;
    if (d < 0 || d > 9) return -1;
    n = n * 10 + d;
  }
  return n;
}

/**
 * RFC 3339 timestamp → ms since the epoch, keeping microseconds as a fraction (latency of fast
 * requests is well under a millisecond). NaN when it does not parse.
 *
 * The API server writes UTC with microseconds ("2024-07-02T17:02:26.406288Z"). That shape is parsed
 * by hand with the minute prefix cached (measured ~10× faster than Date.parse, which also drops the
 * microseconds); anything else (offsets, no seconds) goes to Date.parse.
 */
export function parseTimestamp(s: string): number {
  const n = s.length;
  if (n >= 20 && s.charCodeAt(n - 1) === 90 /* Z */ && s.charCodeAt(16) === 58 /* : */) {
    let base: number;
    if (cachedPrefix !== '' && s.startsWith(cachedPrefix)) base = cachedPrefixMs;
    else {
      const y = digits(s, 0, 4);
      const mo = digits(s, 5, 2);
      const d = digits(s, 8, 2);
      const h = digits(s, 11, 2);
      const mi = digits(s, 14, 2);
      const t = s.charCodeAt(10);
      if (
        y < 0 || mo < 1 || mo > 12 || d < 1 || d > 31 || h < 0 || h > 23 || mi < 0 || mi > 59 ||
        s.charCodeAt(4) !== 45 || s.charCodeAt(7) !== 45 || s.charCodeAt(13) !== 58 ||
        (t !== 84 && t !== 116 && t !== 32) /* T, t or space */
      ) {
        return Date.parse(s);
      }
      base = Date.UTC(y, mo - 1, d, h, mi);
      // Date.UTC rolls 31 February over into March; a real log never writes that, so treat it as junk.
      if (new Date(base).getUTCDate() !== d) return NaN;
      cachedPrefix = s.slice(0, 16);
      cachedPrefixMs = base;
    }
    const sec = digits(s, 17, 2);
    if (sec < 0 || sec > 60) return Date.parse(s);
    let ms = sec * 1000;
    if (n > 20) {
      if (s.charCodeAt(19) !== 46 /* . */) return Date.parse(s);
      let frac = 0;
      let scale = 1;
      // Microseconds are the log's resolution; ViaQ's nanoseconds beyond that are dropped.
      const end = Math.min(n - 1, 26);
      for (let i = 20; i < end; i++) {
        const dg = s.charCodeAt(i) - DIGIT0;
        if (dg < 0 || dg > 9) return Date.parse(s);
        frac = frac * 10 + dg;
        scale *= 10;
      }
      for (let i = end; i < n - 1; i++) {
        const dg = s.charCodeAt(i) - DIGIT0;
        if (dg < 0 || dg > 9) return Date.parse(s);
      }
      ms += (frac * 1000) / scale;
    }
    return base + ms;
  }
  return Date.parse(s);
}
