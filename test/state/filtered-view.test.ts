import { describe, expect, it } from 'vitest';
import type { Alert, Detector } from '../../src/detect/types.js';
import { Engine } from '../../src/model/engine.js';
import type { AuditEvent } from '../../src/model/event.js';
import { FilteredView } from '../../src/state/filtered-view.js';
import { Searcher, type SearchState } from '../../src/state/search.js';
import { Store } from '../../src/state/store.js';
import { makeEvent } from '../model/make-event.js';
import { ManualScheduler } from './fake-ring.js';

/** Raises one alert per delete, like a rule would. */
const deletes: Detector = {
  evaluate(ev: AuditEvent): Alert[] {
    if (ev.verb !== 'delete') return [];
    return [
      {
        ts: ev.time, tsMs: ev.ts, rule: 'delete', severity: 'high', title: 'Delete', message: `${ev.user} deleted ${ev.name}`,
        auditID: ev.auditID, user: ev.user, verb: ev.verb, resource: ev.resource, subresource: ev.subresource,
        namespace: ev.namespace, name: ev.name, sourceIP: ev.sourceIP, code: ev.code, groupKey: `delete:${ev.user}`,
      },
    ];
  },
  gap: (g) => [{ ts: '', tsMs: g.ts, rule: 'log-gap', severity: 'high', title: 'Gap', message: g.message, auditID: '', user: '', verb: '', resource: '', subresource: '', namespace: '', name: '', sourceIP: '', code: 0, groupKey: 'gap' }],
};

let n = 0;
function ev(p: Partial<AuditEvent>): AuditEvent {
  n++;
  const ts = Date.parse('2026-11-21T10:00:00Z') + n * 1000;
  return makeEvent({ auditID: `r-${n}`, ts, receivedTs: ts, time: new Date(ts).toISOString(), ...p });
}

function setup(capacity = 1000) {
  const engine = new Engine({ bufferEvents: capacity, bufferBytes: 1e9, detector: deletes });
  const sched = new ManualScheduler();
  const view = new FilteredView(engine, { schedule: sched.schedule });
  return { engine, sched, view };
}

function rows(view: FilteredView) {
  const out = [];
  for (let i = 0; i < view.rows.size; i++) out.push(view.rows.at(i)!);
  return out;
}

describe('FilteredView', () => {
  it('passes everything through without a filter', () => {
    const { engine, view } = setup();
    engine.event(ev({ user: 'alice' }));
    engine.event(ev({ user: 'bob', verb: 'delete' }));
    expect(view.rows.size).toBe(2);
    expect(view.alerts.size).toBe(1);
    expect(view.counts.requests).toBe(2);
    expect(view.top('users', 'all')).toEqual(engine.top('users', 'all'));
  });

  it('filters buffered and live requests, alerts and counts, and clearing brings everything back', () => {
    const { engine, sched, view } = setup();
    for (let i = 0; i < 50; i++) engine.event(ev({ user: i % 5 === 0 ? 'bob' : 'alice', verb: i % 10 === 0 ? 'delete' : 'get' }));
    expect(view.setFilter('user:bob')).toBeNull();
    sched.drain();
    expect(view.expr).toBe('user:bob');
    expect(rows(view).every((r) => r.ev.user === 'bob')).toBe(true);
    expect(view.rows.size).toBe(10);
    expect(view.counts.requests).toBe(10);
    expect(view.top('users', 'all')).toEqual([{ key: 'bob', count: 10 }]);
    expect(view.alerts.size).toBe(5); // the deletes are all bob's (i % 10 === 0)
    // rows that alerted keep their severity in the filtered feed
    expect(rows(view).filter((r) => r.alert === 'high').length).toBe(5);
    // live events
    engine.event(ev({ user: 'alice', verb: 'delete' }));
    engine.event(ev({ user: 'bob', verb: 'delete' }));
    expect(view.rows.size).toBe(11);
    expect(view.alerts.size).toBe(6);
    expect(view.setFilter('')).toBeNull();
    expect(view.rows.size).toBe(52);
    expect(view.alerts.size).toBe(7);
  });

  it('reports a parse error with its column and keeps the current view', () => {
    const { engine, sched, view } = setup();
    engine.event(ev({ user: 'alice' }));
    expect(view.setFilter('user:alice')).toBeNull();
    sched.drain();
    expect(view.setFilter('usr:bob')).toMatch(/unknown key 'usr'.*column 1/);
    expect(view.expr).toBe('user:alice');
  });

  it('a request appears when it starts to match (code known only at the last stage)', () => {
    const { engine, sched, view } = setup();
    view.setFilter('code:>=400');
    sched.drain();
    engine.event(ev({ auditID: 'x', stage: 'RequestReceived', code: 0, user: 'eve' }));
    expect(view.rows.size).toBe(0);
    engine.event(ev({ auditID: 'x', stage: 'ResponseComplete', code: 403, user: 'eve' }));
    expect(view.rows.size).toBe(1);
    expect(view.rows.at(0)!.ev.code).toBe(403);
  });

  it('counts each stage of a buffered request as an event, as it does for requests arriving after the filter', () => {
    // the same traffic, the filter applied before it (`live`) or after it, to what is buffered (`late`):
    // requests logged at RequestReceived and ResponseComplete, one logged once, one denied
    const traffic: AuditEvent[] = [];
    const t0 = Date.parse('2026-11-21T10:00:00Z');
    for (let i = 0; i < 30; i++) {
      const at = t0 + i * 400;
      const req = { auditID: `s-${i}`, user: i % 3 ? 'alice' : 'bob', receivedTs: at };
      if (i % 5 !== 4) traffic.push(makeEvent({ ...req, stage: 'RequestReceived', ts: at, time: new Date(at).toISOString(), code: 0, latencyMs: 0 }));
      const done = at + 250;
      traffic.push(makeEvent({ ...req, stage: 'ResponseComplete', ts: done, time: new Date(done).toISOString(), code: i === 7 ? 403 : 200, latencyMs: 250 }));
    }
    for (const expr of ['user:alice', 'code:>=400', 'stage:RequestReceived']) {
      const live = setup();
      live.view.setFilter(expr);
      live.sched.drain();
      for (const e of traffic) live.engine.event(e);
      const late = setup();
      for (const e of traffic) late.engine.event(e);
      late.view.setFilter(expr);
      late.sched.drain();
      expect(late.view.counts, expr).toEqual(live.view.counts);
      // events/s on the status bar and its sparkline
      expect(late.view.rate(20), expr).toEqual(live.view.rate(20));
      // the inspector's "stages:" line
      expect(rows(late.view).map((r) => r.stages), expr).toEqual(rows(live.view).map((r) => r.stages));
    }
    // with a filter that keeps everything, the events are the unfiltered view's
    const all = setup();
    for (const e of traffic) all.engine.event(e);
    all.view.setFilter('user:alice,bob');
    all.sched.drain();
    expect(all.view.counts.events).toBe(all.engine.counts.events);
  });

  it('a later stage arriving while the filter is built counts once', () => {
    const { engine, sched, view } = setup(100_000);
    for (let i = 0; i < 10_000; i++) engine.event(ev({ auditID: `b-${i}`, stage: 'RequestReceived', code: 0 }));
    view.setFilter('user:alice');
    expect(view.pending).toBe(true);
    // the first slice has fed the first request, not yet the last
    engine.event(ev({ auditID: 'b-0', stage: 'ResponseComplete' }));
    engine.event(ev({ auditID: 'b-9999', stage: 'ResponseComplete' }));
    sched.drain();
    expect(view.counts.events).toBe(10_002);
    expect(engine.counts.events).toBe(10_002);
    expect(rows(view)[0]!.stages).toEqual(['RequestReceived', 'ResponseComplete']);
    expect(rows(view).at(-1)!.stages).toEqual(['RequestReceived', 'ResponseComplete']);
  });

  it('builds in slices; events arriving meanwhile are kept, in order', () => {
    const { engine, sched, view } = setup(100_000);
    for (let i = 0; i < 10_000; i++) engine.event(ev({ user: i % 2 ? 'alice' : 'bob' }));
    view.setFilter('user:alice');
    expect(view.pending).toBe(true);
    expect(view.rows.size).toBe(10_000); // still the old view
    sched.step();
    engine.event(ev({ user: 'alice', name: 'late-1' }));
    engine.event(ev({ user: 'bob', name: 'late-2' }));
    sched.drain();
    expect(view.pending).toBe(false);
    expect(view.rows.size).toBe(5001);
    expect(view.rows.at(view.rows.size - 1)!.ev.name).toBe('late-1');
  });

  it('the store regroups alerts when the view switches', async () => {
    const { engine, sched, view } = setup();
    let t = 0;
    const store = new Store(view, { feedEnd: null, feedPage: 10, topDim: 'users', topWindow: 'all', topN: 10, paused: false }, { now: () => t });
    for (let i = 0; i < 6; i++) engine.event(ev({ user: i < 3 ? 'alice' : 'bob', verb: 'delete' }));
    const groups = () => store.getSnapshot().alertGroups.map((g) => `${g.alert.user}×${g.count}`).sort();
    store.refresh();
    expect(groups()).toEqual(['alice×3', 'bob×3']);
    view.setFilter('user:bob');
    sched.drain();
    t += 1000;
    store.refresh();
    expect(groups()).toEqual(['bob×3']);
    // the "Alerts N" title counts the filtered alerts, and follows live ones
    expect(store.getSnapshot().alertTotal).toBe(3);
    engine.event(ev({ user: 'bob', verb: 'delete' }));
    engine.event(ev({ user: 'alice', verb: 'delete' }));
    t += 1000;
    store.refresh();
    expect(store.getSnapshot().alertTotal).toBe(4);
    expect(store.getSnapshot().rows.every((r) => r.ev.user === 'bob')).toBe(true);
    view.setFilter('');
    t += 1000;
    store.refresh();
    expect(groups()).toEqual(['alice×4', 'bob×4']);
    expect(store.getSnapshot().alertTotal).toBe(8);
    store.dispose();
  });

  it('alert: and rule: keep the requests that raised alerts (buffered and live), and their alerts', () => {
    const { engine, sched, view } = setup();
    for (let i = 0; i < 20; i++) engine.event(ev({ user: i % 4 === 0 ? 'bob' : 'alice', verb: i % 4 === 0 ? 'delete' : 'get' }));
    view.setFilter('alert:high');
    sched.drain();
    expect(view.rows.size).toBe(5);
    expect(rows(view).every((r) => r.ev.verb === 'delete' && r.alert === 'high')).toBe(true);
    expect(view.alerts.size).toBe(5);
    engine.event(ev({ user: 'carol', verb: 'delete' }));
    engine.event(ev({ user: 'carol', verb: 'get' }));
    expect(view.rows.size).toBe(6);
    view.setFilter('rule:del* user:carol');
    sched.drain();
    expect(rows(view).map((r) => r.ev.user)).toEqual(['carol']);
    // live: the rule is known only when the alert arrives, right after the event
    engine.event(ev({ user: 'carol', verb: 'delete' }));
    expect(view.rows.size).toBe(2);
    expect(view.counts.requests).toBe(2);
    view.setFilter('alert:none');
    sched.drain();
    expect(rows(view).every((r) => r.ev.verb === 'get')).toBe(true);
  });

  it("gives search the alerts of each request, so rule: works in a query", async () => {
    const { engine, view } = setup();
    for (let i = 0; i < 12; i++) engine.event(ev({ user: i % 3 === 0 ? 'bob' : 'alice', verb: i % 3 === 0 ? 'delete' : 'get' }));
    const searcher = new Searcher(() => view.rows, { context: (r) => view.alertContext(r) });
    const st = await new Promise<SearchState>((res) => searcher.search('rule:delete', (s) => s.phase === 'done' && res(s)));
    expect(st.hits.length).toBe(4);
    expect(st.hits.every((h) => h.row.ev.user === 'bob')).toBe(true);
  });

  it('gap alerts (about the log, not a request) show under any filter', () => {
    const { engine, sched, view } = setup();
    view.setFilter('user:nobody');
    sched.drain();
    engine.gap({ ts: Date.now(), source: 'a.log', kind: 'truncated', message: 'a.log was truncated' });
    expect(view.alerts.size).toBe(1);
  });

  it('keeps no per-event state without a filter, yet a later filter still matches alerts of requests gone from the buffer', () => {
    const { engine, sched, view } = setup(10);
    engine.event(ev({ auditID: 'old-del', verb: 'delete', userAgent: 'kubectl/1.31', stage: 'ResponseStarted' }));
    engine.event(ev({ auditID: 'old-del', verb: 'delete', userAgent: 'kubectl/1.31', stage: 'ResponseComplete', code: 503 }));
    for (let i = 0; i < 200; i++) engine.event(ev({ userAgent: 'curl/8' }));
    // only the request that raised an alert is kept, not 200 events' worth
    expect(view.remembered).toBe(1);
    expect(engine.alerts.size).toBe(2); // one per stage
    // the alert says nothing of the user agent or of the last stage's code: its request's event does
    view.setFilter('ua:kubectl code:503');
    sched.drain();
    expect(view.alerts.size).toBe(2);
    view.setFilter('ua:curl');
    sched.drain();
    expect(view.alerts.size).toBe(0);
    expect(view.rows.size).toBe(10);
  });
});
