import type { Alert } from '../../src/detect/types.js';
import type { AuditEvent } from '../../src/model/event.js';
import type { Counts, Dimension, MalformedLine, RequestRow, TopEntry, Window } from '../../src/model/types.js';
import type { EngineListener, EngineView, RingView } from '../../src/state/engine-view.js';
import { makeRow } from '../model/make-event.js';

/** Bounded array ring with seqs, like the Engine's (at(0) = oldest). */
export class FakeRing<T> implements RingView<T> {
  items: T[] = [];
  lastSeq = -1;
  constructor(readonly capacity: number) {}
  get size(): number {
    return this.items.length;
  }
  at(i: number): T | undefined {
    return this.items[i];
  }
  push(x: T): void {
    this.items.push(x);
    this.lastSeq++;
    if (this.items.length > this.capacity) this.items.shift();
  }
}

let alertN = 0;
export function makeAlert(p: Partial<Alert> = {}): Alert {
  alertN++;
  return {
    ts: '2026-11-21T10:00:00Z', tsMs: Date.parse('2026-11-21T10:00:00Z'), rule: 'exec-into-pod', severity: 'high',
    title: 'Exec into pod', message: 'mallory@example.com exec into prod/api-1: sh', auditID: `a-${alertN}`,
    user: 'mallory@example.com', verb: 'create', resource: 'pods', subresource: 'exec', namespace: 'prod', name: 'api-1',
    sourceIP: '203.0.113.66', code: 101, groupKey: 'exec-into-pod|mallory@example.com', ...p,
  };
}

/** A small engine honouring the EngineView contract, driven by tests. */
export class FakeEngine implements EngineView {
  rows: FakeRing<RequestRow>;
  alerts = new FakeRing<Alert>(100);
  counts: Counts = { events: 0, requests: 0, malformed: 0, skippedLong: 0, gaps: 0 };
  version = 0;
  malformedLines: MalformedLine[] = [];
  rates: number[] = [];
  private listeners = new Set<EngineListener>();
  private byUser = new Map<string, number>();
  private nextSeq = 0;
  now = Date.parse('2026-11-21T10:00:00Z');

  constructor(capacity = 1000) {
    this.rows = new FakeRing(capacity);
  }
  subscribe(l: EngineListener): () => void {
    this.listeners.add(l);
    return () => this.listeners.delete(l);
  }
  add(p: Partial<AuditEvent> = {}): RequestRow {
    const row = makeRow(this.nextSeq++, p);
    this.rows.push(row);
    this.counts.events++;
    this.counts.requests++;
    this.byUser.set(row.ev.user, (this.byUser.get(row.ev.user) ?? 0) + 1);
    this.version++;
    for (const l of this.listeners) l.onEvent?.(row.ev, row);
    return row;
  }
  alert(p: Partial<Alert> = {}): Alert {
    const a = makeAlert(p);
    this.alerts.push(a);
    this.version++;
    for (const l of this.listeners) l.onAlert?.(a);
    return a;
  }
  notice(source: string, message: string): void {
    this.version++;
    for (const l of this.listeners) l.onNotice?.(source, message);
  }
  recentMalformed(): MalformedLine[] {
    return this.malformedLines;
  }
  top(_dim: Dimension, _w: Window, n = 10): TopEntry[] {
    return [...this.byUser].map(([key, count]) => ({ key, count })).sort((a, b) => b.count - a.count).slice(0, n);
  }
  rate(seconds: number): number[] {
    return this.rates.slice(-seconds);
  }
  nowTs(): number {
    return this.now;
  }
}
