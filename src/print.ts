/**
 * Headless output (SPEC §3): JSON lines on stdout for `--no-tui --print events|alerts|summary`.
 * Absent values are omitted; `ts` is the event-time string as written in the log.
 */
import type { Alert } from './detect/types.js';
import type { Engine } from './model/engine.js';
import type { AuditEvent } from './model/event.js';
import type { Summary } from './model/types.js';

export const PRINT_MODES = ['events', 'alerts', 'summary'] as const;
export type PrintMode = (typeof PRINT_MODES)[number];

type Rec = Record<string, unknown>;

function put(o: Rec, k: string, v: string): void {
  if (v !== '') o[k] = v;
}

/** `--print events`: one object per input event line. */
export function eventRecord(ev: AuditEvent): Rec {
  const o: Rec = {};
  put(o, 'ts', ev.time);
  put(o, 'auditID', ev.auditID);
  put(o, 'stage', ev.stage);
  put(o, 'verb', ev.verb);
  put(o, 'user', ev.user);
  if (ev.groups.length > 0) o.groups = ev.groups;
  put(o, 'impersonatedUser', ev.impersonatedUser);
  put(o, 'sourceIP', ev.sourceIP);
  put(o, 'userAgent', ev.userAgent);
  put(o, 'apiGroup', ev.apiGroup);
  put(o, 'resource', ev.resource);
  put(o, 'subresource', ev.subresource);
  put(o, 'namespace', ev.namespace);
  put(o, 'name', ev.name);
  if (ev.code !== 0) o.code = ev.code;
  put(o, 'decision', ev.decision);
  put(o, 'uri', ev.uri);
  put(o, 'level', ev.level);
  if (ev.latencyMs >= 0) o.latencyMs = ev.latencyMs;
  // which log it came from, so merged sources (several API servers) stay tellable apart (issue 3)
  put(o, 'source', ev.source);
  return o;
}

/** `--print alerts`: one object per alert occurrence. */
export function alertRecord(a: Alert): Rec {
  const o: Rec = {};
  put(o, 'ts', a.ts);
  o.rule = a.rule;
  o.severity = a.severity;
  put(o, 'title', a.title);
  put(o, 'message', a.message);
  put(o, 'auditID', a.auditID);
  put(o, 'user', a.user);
  put(o, 'verb', a.verb);
  put(o, 'resource', a.resource);
  put(o, 'subresource', a.subresource);
  put(o, 'namespace', a.namespace);
  put(o, 'name', a.name);
  put(o, 'sourceIP', a.sourceIP);
  if (a.code !== 0) o.code = a.code;
  return o;
}

/** `--print summary`: one object at the end. */
export function summaryRecord(s: Summary): Rec {
  const o: Rec = {
    events: s.events,
    requests: s.requests,
    malformed: s.malformed,
    skippedLong: s.skippedLong,
    gaps: s.gaps,
  };
  if (s.first !== null) o.first = s.first;
  if (s.last !== null) o.last = s.last;
  o.top = s.top;
  o.alerts = s.alerts;
  return o;
}

/** Coalesce lines into large writes, flush on demand, and surface stdout backpressure. */
const FLUSH_AT_CHARS = 64 * 1024;

export class LineWriter {
  private parts: string[] = [];
  private chars = 0;
  /** the reader went away (EPIPE, e.g. `| head`): stop writing, the run should end quietly */
  broken = false;
  /** why, when broken */
  error: NodeJS.ErrnoException | undefined;
  private onBroken: (() => void) | undefined;
  /** resolves when the reader has taken what was written (while it is behind) */
  private drained: Promise<void> | undefined;

  constructor(private readonly out: NodeJS.WritableStream) {
    // EPIPE (the reader of `| head` went away) or any other write failure: stop writing and let
    // the run end; an unhandled 'error' would crash with a stack trace instead.
    out.on('error', (err: NodeJS.ErrnoException) => {
      if (this.broken) return;
      this.broken = true;
      this.error = err;
      this.parts = [];
      this.onBroken?.();
    });
  }

  /** called once when the reader goes away */
  whenBroken(f: () => void): void {
    this.onBroken = f;
  }

  line(s: string): void {
    if (this.broken) return;
    this.parts.push(s, '\n');
    this.chars += s.length + 1;
    if (this.chars >= FLUSH_AT_CHARS) void this.flush();
  }

  /** Write what is buffered; resolves once the stream accepts more (undefined when it already does). */
  flush(): Promise<void> | undefined {
    if (this.parts.length === 0 || this.broken) return undefined;
    const chunk = this.parts.join('');
    this.parts = [];
    this.chars = 0;
    if (this.out.write(chunk)) return undefined;
    // One wait for all the flushes made while the reader is behind (a batch of events can flush
    // many times): a listener pair per flush passed Node's limit of 10 and warned on stderr.
    this.drained ??= new Promise<void>((resolve) => {
      const done = (): void => {
        this.out.off('drain', done);
        this.out.off('close', done);
        this.drained = undefined;
        resolve();
      };
      this.out.once('drain', done);
      this.out.once('close', done);
    });
    return this.drained;
  }
}

/**
 * Subscribe the printer for `mode` to the engine. `summary` prints nothing per event: the caller
 * writes `summaryRecord(engine.summary())` at the end. Returns the unsubscribe function.
 */
export function attachPrinter(engine: Engine, mode: PrintMode, w: LineWriter): () => void {
  if (mode === 'events') return engine.subscribe({ onEvent: (ev) => w.line(JSON.stringify(eventRecord(ev))) });
  if (mode === 'alerts') return engine.subscribe({ onAlert: (a) => w.line(JSON.stringify(alertRecord(a))) });
  return () => undefined;
}
