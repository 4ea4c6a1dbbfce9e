import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import type { Alert } from '../../src/detect/types.js';
import { alertRecord, eventRecord, LineWriter, summaryRecord } from '../../src/print.js';
import { T0, mkEvent } from '../model/events.js';

describe('eventRecord (--print events)', () => {
  it('has the SPEC §3 fields in order, absent values omitted', () => {
    const ev = mkEvent({
      ts: T0,
      time: '2026-11-21T10:00:00.123456Z',
      auditID: 'x',
      stage: 'ResponseComplete',
      verb: 'create',
      user: 'mallory',
      groups: ['system:authenticated'],
      impersonatedUser: 'system:admin',
      sourceIP: '203.0.113.9',
      userAgent: 'curl/8',
      apiGroup: 'rbac.authorization.k8s.io',
      resource: 'clusterrolebindings',
      subresource: '',
      namespace: '',
      name: 'pwn',
      code: 201,
      decision: 'allow',
      uri: '/apis/rbac.authorization.k8s.io/v1/clusterrolebindings',
      level: 'RequestResponse',
      latencyMs: 7,
      source: 'audit.log',
    });
    const r = eventRecord(ev);
    expect(Object.keys(r)).toEqual([
      'ts', 'auditID', 'stage', 'verb', 'user', 'groups', 'impersonatedUser', 'sourceIP', 'userAgent', 'apiGroup',
      'resource', 'name', 'code', 'decision', 'uri', 'level', 'latencyMs', 'source',
    ]);
    expect(r.ts).toBe('2026-11-21T10:00:00.123456Z');
    expect(r.code).toBe(201);
  });

  it('omits unknown code, latency, empty groups and missing time', () => {
    const r = eventRecord(mkEvent({ code: 0, latencyMs: -1, groups: [], time: '', user: '', source: '' }));
    for (const k of ['code', 'latencyMs', 'groups', 'ts', 'user', 'source']) expect(r).not.toHaveProperty(k);
  });
});

describe('alertRecord (--print alerts)', () => {
  it('names the event that raised it', () => {
    const a: Alert = {
      ts: '2026-11-21T10:00:00Z', tsMs: T0, rule: 'exec-into-pod', severity: 'high', title: 'Exec into a pod',
      message: "mallory ran sh -c 'id' in prod/api", auditID: 'x', user: 'mallory', verb: 'create', resource: 'pods',
      subresource: 'exec', namespace: 'prod', name: 'api', sourceIP: '203.0.113.9', code: 0, groupKey: 'k',
    };
    const r = alertRecord(a);
    expect(Object.keys(r)).toEqual(['ts', 'rule', 'severity', 'title', 'message', 'auditID', 'user', 'verb', 'resource', 'subresource', 'namespace', 'name', 'sourceIP']);
    expect(r).not.toHaveProperty('groupKey');
    expect(r).not.toHaveProperty('tsMs');
  });
});

describe('summaryRecord', () => {
  it('omits first/last when no event had a time', () => {
    const top = { users: [], verbs: [], resources: [], namespaces: [], sourceIPs: [], userAgents: [], codes: [] };
    const r = summaryRecord({ events: 0, requests: 0, malformed: 2, skippedLong: 1, gaps: 0, first: null, last: null, top, alerts: {} });
    expect(r).toEqual({ events: 0, requests: 0, malformed: 2, skippedLong: 1, gaps: 0, top, alerts: {} });
  });
});

describe('LineWriter', () => {
  it('coalesces lines and reports backpressure until the reader drains', async () => {
    const out = new PassThrough({ highWaterMark: 16 });
    const w = new LineWriter(out);
    w.line('a'.repeat(100));
    const p = w.flush();
    expect(p).toBeInstanceOf(Promise);
    let drained = false;
    void p?.then(() => (drained = true));
    await Promise.resolve();
    expect(drained).toBe(false);
    out.read();
    await p;
    expect(drained).toBe(true);
  });

  it('many flushes while the reader is behind share one wait (no listener pile-up, no warning)', async () => {
    const out = new PassThrough({ highWaterMark: 16 });
    const w = new LineWriter(out);
    const waits: Promise<void>[] = [];
    for (let i = 0; i < 50; i++) {
      w.line(`line ${i} ${'x'.repeat(20)}`);
      const p = w.flush();
      if (p) waits.push(p);
    }
    expect(waits.length).toBe(50);
    expect(new Set(waits).size).toBe(1);
    // lines big enough to flush themselves, as a batch of events does
    for (let i = 0; i < 20; i++) w.line('z'.repeat(70_000));
    expect(out.listenerCount('drain')).toBe(1);
    out.resume();
    await Promise.all(waits);
    expect(out.listenerCount('drain')).toBe(0);
    // and the next wait is a new one
    out.pause();
    w.line('y'.repeat(100));
    const again = w.flush();
    expect(again).toBeInstanceOf(Promise);
    expect(again).not.toBe(waits[0]);
    out.resume();
    await again;
  });

  it('goes quiet when the reader is gone (EPIPE) and says so once', () => {
    const out = new PassThrough();
    const w = new LineWriter(out);
    let calls = 0;
    w.whenBroken(() => calls++);
    out.emit('error', Object.assign(new Error('write EPIPE'), { code: 'EPIPE' }));
    out.emit('error', Object.assign(new Error('write EPIPE'), { code: 'EPIPE' }));
    w.line('x');
    expect(w.flush()).toBeUndefined();
    expect(w.broken).toBe(true);
    expect(calls).toBe(1);
  });
});
