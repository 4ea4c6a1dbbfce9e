import { describe, expect, it } from 'vitest';
import type { Alert, Detector, GapInfo, RequestContext } from '../../src/detect/types.js';
import { NO_DETECTOR } from '../../src/detect/types.js';
import type { AuditEvent } from '../../src/model/event.js';
import { Engine, KEYS_PER_DIMENSION, MALFORMED_KEPT, MAX_OPEN_EVICTED } from '../../src/model/engine.js';
import { MAX_KEY_CHARS } from '../../src/model/topn.js';
import { T0, mkEvent } from './events.js';

function engine(over: Partial<ConstructorParameters<typeof Engine>[0]> = {}): Engine {
  return new Engine({ bufferEvents: 1000, bufferBytes: 1 << 30, detector: NO_DETECTOR, ...over });
}

function alertFor(ev: AuditEvent, rule: string, severity: Alert['severity']): Alert {
  return {
    ts: ev.time,
    tsMs: ev.ts,
    rule,
    severity,
    title: rule,
    message: `${ev.user} did ${ev.verb}`,
    auditID: ev.auditID,
    user: ev.user,
    verb: ev.verb,
    resource: ev.resource,
    subresource: ev.subresource,
    namespace: ev.namespace,
    name: ev.name,
    sourceIP: ev.sourceIP,
    code: ev.code,
    groupKey: `${rule}|${ev.user}`,
  };
}

describe('Engine: requests, not lines', () => {
  it('merges the stages of one auditID into one row with its latency', () => {
    const e = engine();
    e.event(mkEvent({ auditID: 'a', stage: 'RequestReceived', ts: T0, code: 0 }));
    expect(e.rows.size).toBe(1);
    expect(e.rows.at(0)?.open).toBe(true);
    e.event(mkEvent({ auditID: 'a', stage: 'ResponseComplete', ts: T0 + 12, code: 201, latencyMs: 12 }));
    expect(e.rows.size).toBe(1);
    const row = e.rows.at(0);
    expect(row?.open).toBe(false);
    expect(row?.stages).toEqual(['RequestReceived', 'ResponseComplete']);
    expect(row?.ev.latencyMs).toBe(12);
    expect(row?.ev.code).toBe(201);
    expect(row?.rev).toBe(1);
    expect(e.counts).toMatchObject({ events: 2, requests: 1 });
  });

  it('stage lists stay right when many requests share them and when a log invents hundreds of stages', () => {
    const e = engine();
    for (let i = 0; i < 50; i++) {
      e.event(mkEvent({ auditID: `r${i}`, stage: 'RequestReceived', ts: T0 + i }));
      if (i % 2) e.event(mkEvent({ auditID: `r${i}`, stage: 'ResponseStarted', ts: T0 + i }));
      e.event(mkEvent({ auditID: `r${i}`, stage: 'ResponseComplete', ts: T0 + i }));
    }
    // hostile: every request its own invented stages (the shared lists are bounded, these are fresh)
    for (let i = 0; i < 300; i++) {
      e.event(mkEvent({ auditID: `h${i}`, stage: `S${i}`, ts: T0 + 100 }));
      e.event(mkEvent({ auditID: `h${i}`, stage: `T${i}`, ts: T0 + 100 }));
      e.event(mkEvent({ auditID: `h${i}`, stage: 'ResponseComplete', ts: T0 + 100 }));
    }
    const byId = new Map(e.rows.since(-1).map((r) => [r.auditID, r.stages]));
    expect(byId.get('r0')).toEqual(['RequestReceived', 'ResponseComplete']);
    expect(byId.get('r1')).toEqual(['RequestReceived', 'ResponseStarted', 'ResponseComplete']);
    expect(byId.get('r48')).toEqual(['RequestReceived', 'ResponseComplete']);
    expect(byId.get('h0')).toEqual(['S0', 'T0', 'ResponseComplete']);
    expect(byId.get('h299')).toEqual(['S299', 'T299', 'ResponseComplete']);
    // a list a later stage extends is never changed under the rows that hold it
    expect(Object.isFrozen(byId.get('r0'))).toBe(true);
  });

  it('keeps the most complete stage even when stages arrive out of order', () => {
    const e = engine();
    e.event(mkEvent({ auditID: 'w', stage: 'ResponseComplete', ts: T0 + 5 }));
    e.event(mkEvent({ auditID: 'w', stage: 'RequestReceived', ts: T0 }));
    expect(e.rows.at(0)?.ev.stage).toBe('ResponseComplete');
    expect(e.rows.at(0)?.open).toBe(false);
  });

  it('a watch stays open through ResponseStarted until ResponseComplete', () => {
    const e = engine();
    e.event(mkEvent({ auditID: 'w', stage: 'ResponseStarted', verb: 'watch', ts: T0 }));
    expect(e.rows.at(0)?.open).toBe(true);
    e.event(mkEvent({ auditID: 'w', stage: 'ResponseComplete', verb: 'watch', ts: T0 + 300_000 }));
    expect(e.rows.at(0)?.open).toBe(false);
  });

  it('events without an auditID are each their own request', () => {
    const e = engine();
    e.event(mkEvent({ ts: T0 }));
    e.event(mkEvent({ ts: T0 }));
    expect(e.counts.requests).toBe(2);
    expect(e.rows.size).toBe(2);
  });

  it('tells the detector which stage is first and which is final', () => {
    const seen: RequestContext[] = [];
    const detector: Detector = { evaluate: (_ev, ctx) => (seen.push({ ...ctx }), []), gap: () => [] };
    const e = engine({ detector });
    e.event(mkEvent({ auditID: 'a', stage: 'RequestReceived', ts: T0 }));
    e.event(mkEvent({ auditID: 'a', stage: 'ResponseComplete', ts: T0 }));
    e.event(mkEvent({ auditID: 'b', stage: 'Panic', ts: T0 }));
    expect(seen).toEqual([
      { firstStage: true, finalStage: false },
      { firstStage: false, finalStage: true },
      { firstStage: true, finalStage: true },
    ]);
  });
});

describe('Engine: bounds', () => {
  it('the ring is bounded by count; the auditID index only covers rows still held', () => {
    const e = engine({ bufferEvents: 100 });
    for (let i = 0; i < 10_000; i++) e.event(mkEvent({ auditID: `id-${i}`, stage: 'ResponseComplete', ts: T0 + i }));
    expect(e.rows.size).toBe(100);
    expect(e.stats().index).toBe(100);
    expect(e.rows.at(0)?.auditID).toBe('id-9900');
  });

  it('the ring is bounded by raw bytes', () => {
    const raw = 'x'.repeat(1000);
    const e = engine({ bufferEvents: 10_000, bufferBytes: 50_000 });
    for (let i = 0; i < 1000; i++) e.event(mkEvent({ auditID: `id-${i}`, ts: T0 + i, raw }));
    expect(e.rows.size).toBe(50);
    expect(e.stats().rowBytes).toBeLessThanOrEqual(50_000);
    expect(e.stats().index).toBe(50);
  });

  it('a later, bigger stage counts against the byte bound', () => {
    const e = engine({ bufferEvents: 10_000, bufferBytes: 10_000 });
    for (let i = 0; i < 10; i++) e.event(mkEvent({ auditID: `id-${i}`, stage: 'RequestReceived', ts: T0, raw: 'x'.repeat(900) }));
    expect(e.rows.size).toBe(10);
    e.event(mkEvent({ auditID: 'id-9', stage: 'ResponseComplete', ts: T0, raw: 'y'.repeat(5000) }));
    expect(e.stats().rowBytes).toBeLessThanOrEqual(10_000);
    expect(e.rows.at(e.rows.size - 1)?.ev.raw.length).toBe(5000);
  });

  it('a flood of RequestReceived without completions cannot grow memory', () => {
    const e = engine({ bufferEvents: 1000 });
    const n = MAX_OPEN_EVICTED + 50_000;
    for (let i = 0; i < n; i++) e.event(mkEvent({ auditID: `open-${i}`, stage: 'RequestReceived', ts: T0 + i, code: 0 }));
    const s = e.stats();
    expect(s.rows).toBe(1000);
    expect(s.index).toBe(1000);
    expect(s.openEvicted).toBeLessThanOrEqual(MAX_OPEN_EVICTED);
    expect(e.counts.requests).toBe(n);
  });

  it('completions of open requests that left the ring count once while remembered, anew once forgotten', () => {
    const e = engine({ bufferEvents: 100 });
    const open = MAX_OPEN_EVICTED + 20_000;
    for (let i = 0; i < open; i++) e.event(mkEvent({ auditID: `w-${i}`, stage: 'ResponseStarted', verb: 'watch', ts: T0 + i, code: 200 }));
    // 100 finished requests push the last open ones out of the ring too (and later rows out are all finished)
    for (let i = 0; i < 100; i++) e.event(mkEvent({ auditID: `done-${i}`, ts: T0 + open, code: 200 }));
    expect(e.counts.requests).toBe(open + 100);
    expect(e.stats().openEvicted).toBe(MAX_OPEN_EVICTED);
    // the oldest 20,000 were forgotten: their completions are new requests
    let forgotten = 0;
    for (let i = 0; i < open; i += 37) {
      e.event(mkEvent({ auditID: `w-${i}`, stage: 'ResponseComplete', verb: 'watch', ts: T0 + open + i, code: 200 }));
      if (i < open - MAX_OPEN_EVICTED) forgotten++;
    }
    expect(forgotten).toBeGreaterThan(0);
    expect(e.counts.requests).toBe(open + 100 + forgotten);
    expect(e.top('codes', 'all')).toEqual([{ key: '200', count: open + 100 + forgotten }]);
  });

  it('a request that outlives the ring is still counted once when it completes', () => {
    const e = engine({ bufferEvents: 10 });
    e.event(mkEvent({ auditID: 'watch', stage: 'ResponseStarted', verb: 'watch', user: 'kubelet', ts: T0, code: 200 }));
    for (let i = 0; i < 100; i++) e.event(mkEvent({ auditID: `x-${i}`, ts: T0 + i, user: 'other' }));
    e.event(mkEvent({ auditID: 'watch', stage: 'ResponseComplete', verb: 'watch', user: 'kubelet', ts: T0 + 600_000, code: 200 }));
    expect(e.counts.requests).toBe(101);
    expect(e.top('users', 'all')).toEqual([
      { key: 'other', count: 100 },
      { key: 'kubelet', count: 1 },
    ]);
    expect(e.top('codes', 'all')).toEqual([{ key: '200', count: 101 }]);
    // and the completion shows in the feed again
    expect(e.rows.at(e.rows.size - 1)?.auditID).toBe('watch');
  });

  it('hostile user agents cannot grow the top-N maps without bound', () => {
    const e = engine({ bufferEvents: 100 });
    for (let i = 0; i < 60_000; i++) {
      e.event(mkEvent({ auditID: `h-${i}`, ts: T0 + i * 10, userAgent: `evil-${i}-${'z'.repeat(1000)}`, sourceIP: `10.${i >> 16}.${(i >> 8) & 255}.${i & 255}` }));
      if (i % 20 === 0) e.event(mkEvent({ auditID: `s-${i}`, ts: T0 + i * 10, userAgent: 'kubectl/steady' }));
    }
    const k = e.stats().keys;
    expect(k.userAgents.all).toBeLessThan(2 * KEYS_PER_DIMENSION);
    expect(k.sourceIPs.all).toBeLessThan(2 * KEYS_PER_DIMENSION);
    for (const w of ['1m', '5m', '1h'] as const) expect(k.userAgents[w]).toBeLessThan(2 * KEYS_PER_DIMENSION);
    expect(e.top('userAgents', 'all', 1)[0]).toEqual({ key: 'kubectl/steady', count: 3000 });
    expect(e.top('userAgents', '5m', 1)[0]?.key).toBe('kubectl/steady');
    for (const t of e.top('userAgents', 'all', 10)) expect(t.key.length).toBeLessThanOrEqual(MAX_KEY_CHARS);
  });

  it('keeps the last few malformed lines and counts all of them', () => {
    const e = engine();
    for (let i = 0; i < 100; i++) e.malformed({ source: 'f', reason: 'invalid JSON', excerpt: `line ${i}` });
    expect(e.counts.malformed).toBe(100);
    const kept = e.recentMalformed();
    expect(kept.length).toBe(MALFORMED_KEPT);
    expect(kept[kept.length - 1]?.excerpt).toBe('line 99');
  });

  it('the alerts ring is bounded, the per-rule counts are not lost', () => {
    const detector: Detector = { evaluate: (ev) => [alertFor(ev, 'r1', 'low')], gap: () => [] };
    const e = engine({ detector, alertCapacity: 50 });
    for (let i = 0; i < 500; i++) e.event(mkEvent({ auditID: `a-${i}`, ts: T0 + i }));
    expect(e.alerts.size).toBe(50);
    expect(e.summary().alerts).toEqual({ r1: 500 });
  });
});

describe('Engine: counting', () => {
  it('top-N counts requests once, codes when first known', () => {
    const e = engine();
    e.event(mkEvent({ auditID: 'a', stage: 'RequestReceived', ts: T0, user: 'alice', verb: 'get', code: 0 }));
    e.event(mkEvent({ auditID: 'a', stage: 'ResponseComplete', ts: T0 + 1, user: 'alice', verb: 'get', code: 404 }));
    e.event(mkEvent({ auditID: 'b', ts: T0 + 2, user: 'bob', verb: 'list', resource: 'pods', subresource: 'log', code: 200 }));
    e.event(mkEvent({ auditID: 'c', ts: T0 + 3, user: 'bob', verb: 'get', namespace: '', resource: '', code: 200 }));
    expect(e.top('users', 'all')).toEqual([
      { key: 'bob', count: 2 },
      { key: 'alice', count: 1 },
    ]);
    expect(e.top('verbs', 'all')).toEqual([
      { key: 'get', count: 2 },
      { key: 'list', count: 1 },
    ]);
    expect(e.top('codes', 'all')).toEqual([
      { key: '200', count: 2 },
      { key: '404', count: 1 },
    ]);
    expect(e.top('resources', 'all')).toEqual([
      { key: 'pods', count: 1 },
      { key: 'pods/log', count: 1 },
    ]);
    // absent values are not counted as a key
    expect(e.top('namespaces', 'all')).toEqual([{ key: 'default', count: 2 }]);
  });

  it('windows follow event time, not wall time', () => {
    const e = engine();
    e.event(mkEvent({ auditID: 'old', ts: T0, user: 'early' }));
    e.event(mkEvent({ auditID: 'mid', ts: T0 + 10 * 60_000, user: 'middle' }));
    e.event(mkEvent({ auditID: 'new', ts: T0 + 20 * 60_000, user: 'late' }));
    expect(e.top('users', '1m').map((t) => t.key)).toEqual(['late']);
    expect(e.top('users', '5m').map((t) => t.key)).toEqual(['late']);
    expect(e.top('users', '1h').map((t) => t.key).sort()).toEqual(['early', 'late', 'middle']);
    expect(e.top('users', 'all').length).toBe(3);
    expect(e.nowTs()).toBe(T0 + 20 * 60_000);
  });

  it('rate() gives events per second of event time', () => {
    const e = engine();
    for (let i = 0; i < 5; i++) e.event(mkEvent({ ts: T0 }));
    for (let i = 0; i < 3; i++) e.event(mkEvent({ ts: T0 + 2000 }));
    expect(e.rate(3)).toEqual([5, 0, 3]);
  });

  it('first() and last() are the earliest and latest event-time strings', () => {
    const e = engine();
    expect(e.first()).toBeNull();
    e.event(mkEvent({ ts: T0 + 1000, time: '2026-11-21T10:00:01.000000Z' }));
    e.event(mkEvent({ ts: T0, time: '2026-11-21T10:00:00.000000Z' }));
    e.event(mkEvent({ ts: T0 + 5000, time: '2026-11-21T10:00:05.000000Z' }));
    e.event(mkEvent({ ts: NaN, time: '' }));
    expect(e.first()).toBe('2026-11-21T10:00:00.000000Z');
    expect(e.last()).toBe('2026-11-21T10:00:05.000000Z');
  });

  it('the filter drops non-matching events from everything', () => {
    const e = engine({ filter: (ev) => ev.user === 'alice' });
    e.event(mkEvent({ auditID: '1', user: 'alice', ts: T0 }));
    e.event(mkEvent({ auditID: '2', user: 'bob', ts: T0 }));
    expect(e.counts.events).toBe(1);
    expect(e.rows.size).toBe(1);
    expect(e.filteredOut).toBe(1);
    expect(e.top('users', 'all')).toEqual([{ key: 'alice', count: 1 }]);
  });
});

describe('Engine: alerts, listeners, version', () => {
  it('marks the row with the highest severity and notifies listeners in order', () => {
    const detector: Detector = {
      evaluate: (ev) => (ev.user === 'mallory' ? [alertFor(ev, 'low-one', 'low'), alertFor(ev, 'bad', 'high')] : []),
      gap: () => [],
    };
    const e = engine({ detector });
    const log: string[] = [];
    e.subscribe({ onEvent: (ev, row) => log.push(`event ${ev.user} ${row.alert}`), onAlert: (a) => log.push(`alert ${a.rule}`) });
    e.event(mkEvent({ auditID: '1', user: 'alice', ts: T0 }));
    e.event(mkEvent({ auditID: '2', user: 'mallory', ts: T0 }));
    expect(log).toEqual(['event alice ', 'event mallory high', 'alert low-one', 'alert bad']);
    expect(e.alerts.size).toBe(2);
    expect(e.summary().alerts).toEqual({ bad: 1, 'low-one': 1 });
  });

  it('a throwing detector does not stop ingest and is reported once', () => {
    const detector: Detector = {
      evaluate: () => {
        throw new Error('boom');
      },
      gap: () => [],
    };
    const e = engine({ detector });
    const notices: string[] = [];
    e.subscribe({ onNotice: (_s, m) => notices.push(m) });
    e.event(mkEvent({ ts: T0 }));
    e.event(mkEvent({ ts: T0 }));
    expect(e.counts.events).toBe(2);
    expect(notices.length).toBe(1);
    expect(notices[0]).toContain('boom');
  });

  it('gaps are counted, announced and handed to the detector', () => {
    const gaps: GapInfo[] = [];
    const detector: Detector = { evaluate: () => [], gap: (g) => (gaps.push(g), []) };
    const e = engine({ detector });
    const notices: string[] = [];
    e.subscribe({ onNotice: (_s, m) => notices.push(m) });
    e.gap({ ts: T0, source: 'audit.log', kind: 'truncated', message: 'audit.log was truncated: 4096 bytes lost' });
    expect(e.counts.gaps).toBe(1);
    expect(gaps.length).toBe(1);
    expect(notices).toEqual(['audit.log was truncated: 4096 bytes lost']);
  });

  it('version bumps on every change and unsubscribe stops notifications', () => {
    const e = engine();
    let v = e.version;
    const seen: string[] = [];
    const off = e.subscribe({ onEvent: (ev) => seen.push(ev.auditID) });
    e.event(mkEvent({ auditID: 'a', ts: T0 }));
    expect(e.version).toBeGreaterThan(v);
    v = e.version;
    e.malformed({ source: 's', reason: 'x', excerpt: '' });
    expect(e.version).toBeGreaterThan(v);
    v = e.version;
    e.skippedLong(1 << 30, 's');
    expect(e.version).toBeGreaterThan(v);
    expect(e.counts.skippedLong).toBe(1);
    off();
    e.event(mkEvent({ auditID: 'b', ts: T0 }));
    expect(seen).toEqual(['a']);
  });

  it('summary() has the SPEC §3 shape with up to 10 entries per dimension', () => {
    const e = engine();
    for (let i = 0; i < 30; i++) e.event(mkEvent({ auditID: `${i}`, user: `u${i % 15}`, ts: T0 + i }));
    const s = e.summary();
    expect(Object.keys(s.top).sort()).toEqual(['codes', 'namespaces', 'resources', 'sourceIPs', 'userAgents', 'users', 'verbs']);
    expect(s.top.users.length).toBe(10);
    expect(s.events).toBe(30);
    expect(s.requests).toBe(30);
  });
});
