import type { AuditEvent } from '../model/event.js';
import type { MalformedLine } from '../model/types.js';
import { normalise } from '../model/normalise.js';

/** Where decoded events and rejected lines go (the Engine implements it). */
export interface DecodeSink {
  event(ev: AuditEvent): void;
  malformed(m: MalformedLine): void;
}

/** How much of a rejected line is kept for display. */
export const EXCERPT_CHARS = 200;

/**
 * EventList documents are re-emitted by the file source in slices of this many items, so one huge
 * webhook batch does not become one synchronous decode that freezes the screen.
 */
export const EVENT_LIST_SLICE = 1000;

type Obj = Record<string, unknown>;

/**
 * Decodes one line of input into zero or more audit events. Never throws: anything that is not an
 * audit event is reported to `sink.malformed` and decoding goes on with the next line.
 *
 * Accepted (README "Input formats"): an audit Event object; an EventList (items expanded in order);
 * an array of events; Azure (AKS) diagnostic records, alone or in `{"records":[…]}`, whose
 * `properties.log` holds the event as a JSON string; OpenTelemetry (OTLP) log exports whose log
 * record bodies hold the event as a JSON string (OpenShift's log forwarder).
 */
export function decodeLine(line: string, source: string, sink: DecodeSink): void {
  try {
    decodeText(line, source, sink, true);
  } catch (err) {
    // Only a bug or a throwing sink gets here; the line is counted rather than killing ingest.
    sink.malformed({ source, reason: `decoder error: ${String(err)}`, excerpt: excerpt(line) });
  }
}

function decodeText(line: string, source: string, sink: DecodeSink, unwrap: boolean): void {
  const first = firstNonSpace(line);
  if (first === -1) {
    sink.malformed({ source, reason: 'blank line', excerpt: '' });
    return;
  }
  const c = line.charCodeAt(first);
  if (c !== LBRACE && c !== LBRACK) {
    // Scalars are valid JSON but never events; say which so the operator can tell junk from JSON.
    const v = tryParse(line);
    const reason = v === FAILED ? 'invalid JSON' : `not an audit event (${v === null ? 'null' : typeof v})`;
    sink.malformed({ source, reason, excerpt: excerpt(line) });
    return;
  }

  let value: unknown = FAILED;
  let cut: Cut | null = null;
  // An EventList's bodies belong to its items: never cut those (see below).
  if (c === LBRACE && !line.startsWith('{"kind":"EventList"', first)) {
    cut = cutBodies(line);
    if (cut !== null) {
      value = tryParse(cut.text);
      // The cut is only trusted for a single event: in a wrapper (EventList, records) the first
      // requestObject belongs to one item, and cutting it would drop that item's body from its raw.
      if (value === FAILED || !isObject(value) || !isAuditEvent(value)) {
        value = FAILED;
        cut = null;
      }
    }
  }
  if (value === FAILED) value = tryParse(line);
  if (value === FAILED) {
    sink.malformed({ source, reason: 'invalid JSON', excerpt: excerpt(line) });
    return;
  }

  if (Array.isArray(value)) {
    if (!unwrap || value.length === 0) {
      sink.malformed({ source, reason: value.length === 0 ? 'empty array' : 'not an audit event (array)', excerpt: excerpt(line) });
      return;
    }
    for (const item of value) {
      if (isObject(item) && isAuditEvent(item)) sink.event(normalise(item, JSON.stringify(item), source));
      else sink.malformed({ source, reason: 'array element is not an audit event', excerpt: excerpt(JSON.stringify(item) ?? '') });
    }
    return;
  }
  if (!isObject(value)) {
    sink.malformed({ source, reason: 'not an audit event', excerpt: excerpt(line) });
    return;
  }
  if (isAuditEvent(value)) {
    const ev = normalise(value, line, source);
    if (cut !== null) {
      ev.hasRequestObject = cut.request;
      ev.hasResponseObject = cut.response;
    }
    sink.event(ev);
    return;
  }
  if (unwrap && expandWrapper(value, source, sink)) return;
  sink.malformed({ source, reason: 'not an audit event', excerpt: excerpt(line) });
}

/**
 * SPEC §2 / issue 2: an event says so (`kind: Event`, `apiVersion: audit.k8s.io/…`) or has the shape
 * of one (log shippers often drop kind and apiVersion).
 */
export function isAuditEvent(o: Obj): boolean {
  if (o.kind === 'Event') return true;
  const av = o.apiVersion;
  if (o.auditID !== undefined && o.stage !== undefined && o.verb !== undefined) return true;
  // audit.k8s.io also has EventList and Policy; a list without its kind still has its items.
  return typeof av === 'string' && av.startsWith('audit.k8s.io/') && o.kind !== 'EventList' && o.kind !== 'Policy' && !Array.isArray(o.items);
}

/** Inside an EventList the list vouches for its items: an auditID or a verb is enough. */
function isEventListItem(o: unknown): o is Obj {
  return isObject(o) && (o.auditID !== undefined || o.verb !== undefined);
}

function isEventList(o: Obj): boolean {
  if (!Array.isArray(o.items)) return false;
  const av = o.apiVersion;
  return o.kind === 'EventList' || (o.kind === undefined && typeof av === 'string' && av.startsWith('audit.k8s.io/'));
}

/**
 * Wrapped events: EventList items, AKS diagnostic records (`properties.log` is the event JSON as a
 * string), OTLP log exports (`logRecords[].body.stringValue`). Returns false when `o` is none of these.
 */
function expandWrapper(o: Obj, source: string, sink: DecodeSink): boolean {
  if (isEventList(o)) {
    for (const item of o.items as unknown[]) {
      if (isEventListItem(item)) sink.event(normalise(item, JSON.stringify(item), source));
      else sink.malformed({ source, reason: 'EventList item is not an audit event', excerpt: excerpt(JSON.stringify(item) ?? '') });
    }
    return true;
  }
  const texts = wrappedTexts(o);
  if (texts === null) return false;
  if (texts.length === 0) {
    sink.malformed({ source, reason: 'wrapper holds no events', excerpt: '' });
    return true;
  }
  for (const t of texts) {
    if (typeof t === 'string') decodeText(t, source, sink, false);
    else sink.malformed({ source, reason: t.reason, excerpt: t.excerpt });
  }
  return true;
}

type WrappedText = string | { reason: string; excerpt: string };

/** The event texts inside an AKS or OTLP wrapper, or null when `o` is not such a wrapper. */
function wrappedTexts(o: Obj): WrappedText[] | null {
  if (Array.isArray(o.records)) {
    return (o.records as unknown[]).map(aksLog);
  }
  if (isObject(o.properties) && 'log' in o.properties) return [aksLog(o)];
  if (Array.isArray(o.resourceLogs)) {
    const out: WrappedText[] = [];
    for (const rl of o.resourceLogs as unknown[]) {
      if (!isObject(rl) || !Array.isArray(rl.scopeLogs)) continue;
      for (const sl of rl.scopeLogs as unknown[]) {
        if (!isObject(sl) || !Array.isArray(sl.logRecords)) continue;
        for (const lr of sl.logRecords as unknown[]) {
          const body = isObject(lr) && isObject(lr.body) ? lr.body.stringValue : undefined;
          out.push(typeof body === 'string' ? body : { reason: 'OTLP log record without a string body', excerpt: excerpt(JSON.stringify(lr) ?? '') });
        }
      }
    }
    return out;
  }
  return null;
}

function aksLog(r: unknown): WrappedText {
  const log = isObject(r) && isObject(r.properties) ? r.properties.log : undefined;
  if (typeof log === 'string') return log;
  return { reason: 'AKS record without properties.log', excerpt: excerpt(JSON.stringify(r) ?? '') };
}

/**
 * The lines a whole-file JSON document stands for (the file source's pretty-printed-file path):
 * one line per event where the document lists them, so pacing, progress and batching work as for a
 * line-per-event log. EventLists are re-emitted as EventList slices so their items keep the lenient
 * item test and the same raw text (JSON.stringify(item)) as an EventList line would give.
 */
export function documentLines(doc: unknown): string[] {
  if (Array.isArray(doc)) return doc.map((x) => JSON.stringify(x) ?? 'null');
  if (!isObject(doc)) return [JSON.stringify(doc) ?? 'null'];
  if (isEventList(doc) && !isAuditEvent(doc)) {
    const items = doc.items as unknown[];
    const out: string[] = [];
    for (let i = 0; i < items.length; i += EVENT_LIST_SLICE) {
      out.push(JSON.stringify({ kind: 'EventList', apiVersion: doc.apiVersion, items: items.slice(i, i + EVENT_LIST_SLICE) }));
    }
    // An empty EventList is still one (empty) line, so it shows up as what it is.
    return out.length > 0 ? out : [JSON.stringify(doc)];
  }
  if (!isAuditEvent(doc)) {
    const texts = wrappedTexts(doc);
    if (texts !== null && texts.length > 0) {
      return texts.map((t) => (typeof t === 'string' ? oneLine(t) : JSON.stringify({ malformed: t.reason })));
    }
  }
  return [JSON.stringify(doc)];
}

/** A wrapped event text as one line: re-serialised only if it spans lines (it then must be JSON to be an event). */
function oneLine(t: string): string {
  if (t.indexOf('\n') === -1 && t.indexOf('\r') === -1) return t;
  const v = tryParse(t);
  return v === FAILED ? JSON.stringify(t) : JSON.stringify(v);
}

export interface Cut {
  /** the line with requestObject/responseObject removed */
  text: string;
  request: boolean;
  response: boolean;
}

const REQ_KEY = ',"requestObject":';
const RESP_KEY = ',"responseObject":';

/**
 * Removes requestObject/responseObject from a compact event line before JSON.parse: they are most of a
 * RequestResponse line's bytes and almost nobody reads them (parseBodies gets them from raw on demand).
 *
 * The API server writes them after responseStatus as `,"requestObject":{…}` then
 * `,"responseObject":{…}`. The end of each value is found exactly by hopping from quote to quote with
 * indexOf (a `"` inside a JSON string is always escaped, so braces are only counted between strings);
 * a value that cannot be delimited leaves the line uncut, and the caller falls back to a whole parse.
 */
export function cutBodies(line: string): Cut | null {
  let at = line.indexOf(REQ_KEY);
  const respAt = line.indexOf(RESP_KEY);
  if (at === -1 && respAt === -1) return null;
  let request = false;
  let response = false;
  if (at === -1 || (respAt !== -1 && respAt < at)) at = respAt;
  let end = at;
  // At most the two keys, in either order, back to back.
  for (let k = 0; k < 2; k++) {
    let key: string;
    if (!request && line.startsWith(REQ_KEY, end)) key = REQ_KEY;
    else if (!response && line.startsWith(RESP_KEY, end)) key = RESP_KEY;
    else break;
    const valueEnd = skipValue(line, end + key.length);
    if (valueEnd === -1) return null;
    if (key === REQ_KEY) request = true;
    else response = true;
    end = valueEnd;
  }
  return { text: line.slice(0, at) + line.slice(end), request, response };
}

const QUOTE = 34;
const BACKSLASH = 92;
const LBRACE = 123;
const RBRACE = 125;
const LBRACK = 91;
const RBRACK = 93;
const COMMA = 44;

/** Index just past the JSON value starting at `i`, or -1 when it cannot be delimited. */
function skipValue(s: string, i: number): number {
  const c = s.charCodeAt(i);
  if (c === QUOTE) return skipString(s, i);
  if (c !== LBRACE && c !== LBRACK) {
    // A scalar (null, number, true/false) runs to the next comma or closing brace.
    for (let k = i; k < s.length; k++) {
      const ch = s.charCodeAt(k);
      if (ch === COMMA || ch === RBRACE || ch === RBRACK) return k === i ? -1 : k;
    }
    return -1;
  }
  let depth = 0;
  let p = i;
  for (;;) {
    const q = s.indexOf('"', p);
    const segEnd = q === -1 ? s.length : q;
    for (let k = p; k < segEnd; k++) {
      const ch = s.charCodeAt(k);
      if (ch === LBRACE || ch === LBRACK) depth++;
      else if ((ch === RBRACE || ch === RBRACK) && --depth === 0) return k + 1;
    }
    if (q === -1) return -1;
    p = skipString(s, q);
    if (p === -1) return -1;
  }
}

/** Index just past the string whose opening quote is at `q`, or -1 when it never closes. */
function skipString(s: string, q: number): number {
  let e = q;
  for (;;) {
    e = s.indexOf('"', e + 1);
    if (e === -1) return -1;
    let b = e - 1;
    while (s.charCodeAt(b) === BACKSLASH) b--;
    // An even number of backslashes before the quote means they escape each other, not the quote.
    if ((e - 1 - b) % 2 === 0) return e + 1;
  }
}

const FAILED: unique symbol = Symbol('parse failed');

function tryParse(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return FAILED;
  }
}

function isObject(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function firstNonSpace(s: string): number {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c !== 32 && c !== 9 && c !== 10 && c !== 13) return i;
  }
  return -1;
}

function excerpt(line: string): string {
  return line.length > EXCERPT_CHARS ? line.slice(0, EXCERPT_CHARS) : line;
}
