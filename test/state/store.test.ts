import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { BUSY_CHECK_MS, BUSY_PUBLISH_INTERVAL_MS, PUBLISH_INTERVAL_MS, Store, type ViewRequest } from '../../src/state/store.js';
import { FakeEngine } from './fake-engine.js';

const view: ViewRequest = { feedEnd: null, feedPage: 5, topDim: 'users', topWindow: '5m', topN: 3, paused: false };

describe('Store', () => {
  let engine: FakeEngine;
  let store: Store;
  let wakes: number;
  beforeEach(() => {
    vi.useFakeTimers();
    engine = new FakeEngine();
    store = new Store(engine, view, { now: () => Date.now() });
    wakes = 0;
    store.subscribe(() => wakes++);
  });
  afterEach(() => {
    store.dispose();
    vi.useRealTimers();
  });

  it('returns the same snapshot object until it publishes (useSyncExternalStore needs that)', () => {
    const a = store.getSnapshot();
    engine.add();
    expect(store.getSnapshot()).toBe(a);
    vi.advanceTimersByTime(PUBLISH_INTERVAL_MS);
    expect(store.getSnapshot()).not.toBe(a);
    expect(store.getSnapshot().counts.events).toBe(1);
  });

  it('wakes the UI at most ~10 times a second however fast events arrive', () => {
    for (let ms = 0; ms < 1000; ms++) {
      engine.add({ user: `u${ms % 7}` });
      engine.add();
      vi.advanceTimersByTime(1);
    }
    vi.advanceTimersByTime(PUBLISH_INTERVAL_MS);
    expect(wakes).toBeGreaterThanOrEqual(9);
    expect(wakes).toBeLessThanOrEqual(11);
    expect(store.getSnapshot().counts.events).toBe(2000);
  });

  it('shows a lone event quickly after a quiet spell, and never wakes while nothing changes', () => {
    vi.advanceTimersByTime(5000);
    expect(wakes).toBe(0);
    engine.add();
    vi.advanceTimersByTime(20);
    expect(wakes).toBe(1);
    vi.advanceTimersByTime(10_000);
    expect(wakes).toBe(1);
  });

  it('gives the newest feed page oldest first while following, and a fixed page when scrolled', () => {
    for (let i = 0; i < 20; i++) engine.add();
    vi.advanceTimersByTime(PUBLISH_INTERVAL_MS);
    let s = store.getSnapshot();
    expect(s.rows.map((r) => r.seq)).toEqual([15, 16, 17, 18, 19]);
    expect(s.newRows).toBe(0);
    store.setView({ ...view, feedEnd: 10 });
    s = store.getSnapshot();
    expect(s.rows.map((r) => r.seq)).toEqual([6, 7, 8, 9, 10]);
    expect(s.newRows).toBe(9);
  });

  it('freezes the panes while paused, counts what arrives, and thaws on resume', () => {
    for (let i = 0; i < 10; i++) engine.add();
    engine.alert();
    vi.advanceTimersByTime(PUBLISH_INTERVAL_MS);
    store.setView({ ...view, feedEnd: 9, paused: true });
    const frozen = store.getSnapshot();
    for (let i = 0; i < 30; i++) engine.add({ user: 'bob' });
    engine.alert({ groupKey: 'other', rule: 'secret-read' });
    vi.advanceTimersByTime(PUBLISH_INTERVAL_MS * 3);
    const s = store.getSnapshot();
    expect(s.paused).toBe(true);
    expect(s.rows).toBe(frozen.rows);
    expect(s.alertGroups).toBe(frozen.alertGroups);
    expect(s.top).toBe(frozen.top);
    expect(s.newWhilePaused).toBe(30);
    expect(s.requestsShown).toBe(10);
    expect(s.newRows).toBe(30);
    expect(s.counts.events).toBe(40);
    store.setView({ ...view, paused: false });
    const t = store.getSnapshot();
    expect(t.rows[t.rows.length - 1]!.seq).toBe(39);
    expect(t.alertGroups).toHaveLength(2);
    expect(t.top[0]).toEqual({ key: 'bob', count: 30 });
  });

  it('does not let a frozen row change when a later stage updates the ring row in place', () => {
    const r = engine.add({ stage: 'RequestReceived', code: 0 });
    vi.advanceTimersByTime(PUBLISH_INTERVAL_MS);
    store.setView({ ...view, paused: true, feedEnd: 0 });
    r.ev = { ...r.ev, stage: 'ResponseComplete', code: 201 };
    r.stages.push('ResponseComplete');
    engine.add();
    vi.advanceTimersByTime(PUBLISH_INTERVAL_MS);
    expect(store.getSnapshot().rows[0]!.ev.code).toBe(0);
    expect(store.getSnapshot().rows[0]!.stages).toEqual(['RequestReceived']);
  });

  it('groups repeats of one group key into one row with a count, newest group first', () => {
    const t0 = Date.parse('2026-11-21T10:00:00Z');
    engine.alert({ groupKey: 'k1', tsMs: t0 });
    engine.alert({ groupKey: 'k2', tsMs: t0 + 1000, rule: 'secret-read' });
    engine.alert({ groupKey: 'k1', tsMs: t0 + 2000 });
    engine.alert({ groupKey: 'k1', tsMs: t0 + 3000 });
    vi.advanceTimersByTime(PUBLISH_INTERVAL_MS);
    let g = store.getSnapshot().alertGroups;
    expect(g.map((x) => [x.alert.groupKey, x.count])).toEqual([['k1', 3], ['k2', 1]]);
    // outside the grouping window the same key starts a new row
    engine.alert({ groupKey: 'k2', tsMs: t0 + 10 * 60_000 });
    vi.advanceTimersByTime(PUBLISH_INTERVAL_MS);
    g = store.getSnapshot().alertGroups;
    expect(g.map((x) => [x.alert.groupKey, x.count])).toEqual([['k2', 1], ['k1', 3], ['k2', 1]]);
    expect(store.getSnapshot().alertTotal).toBe(5);
  });

  it('keeps notices for the status bar and finds buffered rows by auditID', () => {
    engine.notice('audit.log', 'rotated');
    const r = engine.add({ auditID: 'wanted' });
    engine.add();
    vi.advanceTimersByTime(PUBLISH_INTERVAL_MS);
    expect(store.getSnapshot().notices.map((n) => n.message)).toEqual(['rotated']);
    expect(store.findRow('wanted')).toBe(r);
    expect(store.findRow('gone')).toBeUndefined();
  });

  it('publishes at once when the view changes, and not when it does not', () => {
    const before = wakes;
    store.setView({ ...view });
    expect(wakes).toBe(before);
    store.setView({ ...view, topDim: 'verbs' });
    expect(wakes).toBe(before + 1);
    expect(store.getSnapshot().topDim).toBe('verbs');
  });

  it('stops waking anyone after dispose', () => {
    store.dispose();
    engine.add();
    vi.advanceTimersByTime(1000);
    expect(wakes).toBe(0);
  });

  it('publishes ~2 times a second while ingest runs flat out, and the final state within ~100 ms of going quiet', () => {
    // 50k events/s for 2 s: a backlog building
    for (let ms = 0; ms < 2000; ms++) {
      for (let i = 0; i < 50; i++) engine.add();
      vi.advanceTimersByTime(1);
    }
    // 2,000 ms / BUSY_PUBLISH_INTERVAL_MS, give or take the first (quiet) publish
    expect(wakes).toBeGreaterThanOrEqual(Math.floor(2000 / BUSY_PUBLISH_INTERVAL_MS) - 1);
    expect(wakes).toBeLessThanOrEqual(Math.ceil(2000 / BUSY_PUBLISH_INTERVAL_MS) + 1);
    const before = wakes;
    vi.advanceTimersByTime(BUSY_CHECK_MS + 1);
    expect(wakes).toBe(before + 1);
    expect(store.getSnapshot().counts.events).toBe(100_000);
  });

  it('still renders a keystroke at once while ingest runs flat out', () => {
    for (let ms = 0; ms < 500; ms++) {
      for (let i = 0; i < 50; i++) engine.add();
      vi.advanceTimersByTime(1);
    }
    const before = wakes;
    engine.add();
    store.setView({ ...view, topDim: 'verbs' });
    expect(wakes).toBe(before + 1);
    expect(store.getSnapshot().topDim).toBe('verbs');
  });
});
