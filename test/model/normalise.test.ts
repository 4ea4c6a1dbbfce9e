import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { normalise, parseTimestamp } from '../../src/model/normalise.js';
import { decodeAll, fixture } from '../ingest/collect.js';

const full = {
  kind: 'Event',
  apiVersion: 'audit.k8s.io/v1',
  level: 'RequestResponse',
  auditID: 'f7e1',
  stage: 'ResponseComplete',
  requestURI: '/api/v1/namespaces/prod/pods/api-7c9d/exec?command=sh',
  verb: 'create',
  user: { username: 'mallory@example.com', groups: ['devs', 'system:authenticated'] },
  impersonatedUser: { username: 'system:admin', groups: ['system:masters'] },
  sourceIPs: ['203.0.113.66', '10.0.0.1'],
  userAgent: 'kubectl/v1.30.1',
  objectRef: { resource: 'pods', subresource: 'exec', namespace: 'prod', name: 'api-7c9d', apiGroup: '', apiVersion: 'v1' },
  responseStatus: { metadata: {}, status: 'Failure', reason: ' Forbidden ', message: 'pods is forbidden', code: 403 },
  requestReceivedTimestamp: '2026-11-21T14:02:10.999900Z',
  stageTimestamp: '2026-11-21T14:02:11.000450Z',
  annotations: { 'authorization.k8s.io/decision': 'forbid', 'authorization.k8s.io/reason': '' },
};

describe('normalise', () => {
  it('flattens every field of a complete event', () => {
    const ev = normalise(full, 'RAW', 'audit.log');
    expect(ev).toEqual({
      ts: Date.UTC(2026, 10, 21, 14, 2, 11, 0),
      time: '2026-11-21T14:02:11.000450Z',
      receivedTs: Date.UTC(2026, 10, 21, 14, 2, 10, 999),
      auditID: 'f7e1',
      stage: 'ResponseComplete',
      verb: 'create',
      user: 'mallory@example.com',
      groups: ['devs', 'system:authenticated'],
      impersonatedUser: 'system:admin',
      impersonatedGroups: ['system:masters'],
      sourceIP: '203.0.113.66',
      userAgent: 'kubectl/v1.30.1',
      apiGroup: '',
      apiVersion: 'v1',
      resource: 'pods',
      subresource: 'exec',
      namespace: 'prod',
      name: 'api-7c9d',
      code: 403,
      reason: 'Forbidden',
      decision: 'forbid',
      uri: '/api/v1/namespaces/prod/pods/api-7c9d/exec?command=sh',
      level: 'RequestResponse',
      // crosses a second boundary: 0.000450 − (−0.000100) s
      latencyMs: 0.55,
      hasRequestObject: false,
      hasResponseObject: false,
      raw: 'RAW',
      source: 'audit.log',
    });
  });

  it('gives the absent values for an empty object, so every record has the same shape', () => {
    const ev = normalise({}, '{}', 's');
    expect(ev).toMatchObject({ ts: NaN, time: '', receivedTs: NaN, user: '', groups: [], code: 0, latencyMs: -1, decision: '', level: '' });
    expect(Object.keys(ev)).toEqual(Object.keys(normalise(full, '', '')));
  });

  it('tolerates every wrong-typed field in the fixture, keeping what can be read', () => {
    const { events, malformed } = decodeAll(readFileSync(fixture('wrong-types.log'), 'utf8').trimEnd().split('\n'));
    expect(malformed).toEqual([]);
    expect(events).toHaveLength(6);
    const [a, b, c, d, e, f] = events as [typeof events[0], typeof events[0], typeof events[0], typeof events[0], typeof events[0], typeof events[0]];
    expect([a.code, a.user, a.groups]).toEqual([201, 'bob', []]);
    expect([b.user, b.groups, b.sourceIP, b.resource]).toEqual(['42', ['system:masters'], '192.0.2.9', '']);
    expect([c.code, c.decision, c.impersonatedUser, c.time, c.latencyMs]).toEqual([0, '', 'mallory', '', -1]);
    expect(Number.isNaN(c.ts)).toBe(true);
    expect([d.verb, d.stage, d.resource, d.namespace, d.name, d.user]).toEqual(['', '7', '', '5', '', '']);
    expect([e.groups, e.code]).toEqual([['ok', '3', 'also-ok'], 0]);
    // unparseable times: the string is kept for display, the number is NaN, latency unknown
    expect([f.time, Number.isNaN(f.ts), Number.isNaN(f.receivedTs), f.latencyMs]).toEqual(['yesterday', true, true, -1]);
  });

  it('takes event time from stageTimestamp, else requestReceivedTimestamp, else v1beta1 timestamp', () => {
    const { stageTimestamp: _s, ...noStage } = full;
    expect(normalise(noStage, '', '').time).toBe('2026-11-21T14:02:10.999900Z');
    expect(normalise(noStage, '', '').latencyMs).toBe(-1);
    const { events } = decodeAll(readFileSync(fixture('v1beta1.log'), 'utf8').trimEnd().split('\n'));
    expect(events[0]).toMatchObject({ time: '2017-09-11T19:55:05Z', ts: Date.UTC(2017, 8, 11, 19, 55, 5), code: 403, latencyMs: -1 });
  });

  it('reports a negative stage−received difference as unknown latency, not a negative one', () => {
    const ev = normalise({ ...full, stageTimestamp: '2026-11-21T14:02:09.000000Z' }, '', '');
    expect(ev.latencyMs).toBe(-1);
  });

  it('uses the ViaQ audit level when ViaQ overwrote level with "default"', () => {
    expect(normalise({ ...full, level: 'default', k8s_audit_level: 'Metadata' }, '', '').level).toBe('Metadata');
    expect(normalise({ ...full, level: 'default', openshift_audit_level: 'Request' }, '', '').level).toBe('Request');
    expect(normalise({ ...full, level: 'default' }, '', '').level).toBe('default');
  });

  it('falls back to the status message when there is no reason, and accepts a numeric-string code', () => {
    const ev = normalise({ ...full, responseStatus: { message: ' boom ', code: ' 503 ' } }, '', '');
    expect([ev.reason, ev.code]).toEqual(['boom', 503]);
    expect(normalise({ ...full, responseStatus: { code: '20x' } }, '', '').code).toBe(0);
    expect(normalise({ ...full, responseStatus: { code: 2.5 } }, '', '').code).toBe(0);
  });

  it('does not let one record mutate the shared empty groups of another', () => {
    const a = normalise({}, '', '');
    expect(() => a.groups.push('x')).toThrow();
    expect(normalise({}, '', '').groups).toEqual([]);
  });
});

describe('parseTimestamp', () => {
  it('agrees with Date.parse to the millisecond and keeps the microseconds', () => {
    for (const s of ['2024-07-02T17:02:26.406288Z', '2000-02-29T23:59:59.999999Z', '1999-12-31T23:59:60Z', '2026-01-01T00:00:00Z', '2026-11-21T09:00:01.1Z']) {
      const ours = parseTimestamp(s);
      const theirs = Date.parse(s.replace(/(\.\d{3})\d+Z$/, '$1Z'));
      // 23:59:60 (a leap second) is not in Date.parse's grammar; we read it as the next second
      if (!Number.isNaN(theirs)) expect(Math.floor(ours)).toBe(theirs);
    }
    expect(parseTimestamp('2024-07-02T17:02:26.406288Z') - Date.UTC(2024, 6, 2, 17, 2, 26)).toBeCloseTo(406.288, 3);
    expect(parseTimestamp('2023-10-18T17:34:31.892301560Z') - Date.UTC(2023, 9, 18, 17, 34, 31)).toBeCloseTo(892.301, 3);
  });

  it('handles offsets through Date.parse and rejects junk', () => {
    expect(parseTimestamp('2026-11-21T10:00:00+01:00')).toBe(Date.UTC(2026, 10, 21, 9));
    for (const s of ['', 'yesterday', '2026-02-31T00:00:00Z', '2026-13-01T00:00:00Z', '2026-1x-01T00:00:00Z', '2026-11-21T09:00:0xZ', '2026-11-21T09:00:00.12a4Z']) {
      expect(parseTimestamp(s), s).toBeNaN();
    }
  });

  it('a cached minute is not reused for a different minute', () => {
    const a = parseTimestamp('2026-11-21T09:00:59.000000Z');
    const b = parseTimestamp('2026-11-21T09:01:00.000000Z');
    const c = parseTimestamp('2026-11-22T09:01:00.000000Z');
    expect([b - a, c - b]).toEqual([1000, 86_400_000]);
  });
});
