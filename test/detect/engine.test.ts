import { describe, expect, it } from 'vitest';
import { createDetector } from '../../src/detect/index.js';
import { audit, decode, ev, feed, podSpec, rules, T0 } from './helpers.js';
import { BoundedMap, Cooldown, DistinctCounter, RecentSet, WindowCounter } from '../../src/detect/state.js';
import { cleanText } from '../../src/detect/text.js';

const EXEC = { verb: 'create', resource: 'pods', subresource: 'exec', namespace: 'prod', name: 'api-1', query: 'command=sh&command=-c&command=id', code: 101 };

describe('detection engine', () => {
  it('alerts once per request and rule even when the request is logged at several stages', () => {
    const d = createDetector();
    const id = 'aaaaaaaa-0000-4000-8000-000000000001';
    const alerts = feed(d, [
      audit({ ...EXEC, auditID: id, stage: 'RequestReceived' }),
      audit({ ...EXEC, auditID: id, stage: 'ResponseStarted' }),
      audit({ ...EXEC, auditID: id, stage: 'ResponseComplete', at: T0 + 5000 }),
      // the same line shipped twice
      audit({ ...EXEC, auditID: id, stage: 'ResponseComplete', at: T0 + 5000 }),
    ]);
    expect(rules(alerts)).toEqual(['exec-into-pod']);
    expect(alerts[0]?.auditID).toBe(id);
  });

  it('waits for the stage that carries the outcome: a denied exec does not alert', () => {
    const d = createDetector();
    const id = 'aaaaaaaa-0000-4000-8000-000000000002';
    expect(feed(d, [audit({ ...EXEC, auditID: id, stage: 'RequestReceived' }), audit({ ...EXEC, auditID: id, code: 403 })])).toEqual([]);
  });

  it('fills the SPEC §3 fields and a group key of rule + key', () => {
    const d = createDetector();
    const [a] = feed(d, [audit({ ...EXEC, user: 'mallory@example.com', sourceIP: '10.1.2.3' })]);
    expect(a).toMatchObject({
      rule: 'exec-into-pod',
      severity: 'high',
      title: 'Exec/attach into pod',
      user: 'mallory@example.com',
      verb: 'create',
      resource: 'pods',
      subresource: 'exec',
      namespace: 'prod',
      name: 'api-1',
      sourceIP: '10.1.2.3',
      code: 101,
      tsMs: T0,
    });
    expect(a?.ts).toBe('2026-11-21T10:00:00.000000Z');
    expect(a?.groupKey.startsWith('exec-into-pod\u0000mallory@example.com')).toBe(true);
    expect(a?.message).toBe('mallory@example.com exec into pod prod/api-1: sh -c id');
  });

  it('strips control characters and escape sequences from messages', () => {
    const d = createDetector();
    const [a] = feed(d, [audit({ ...EXEC, user: 'eve\u001b]0;pwned\u0007\u001b[2J\u202e', query: 'command=echo&command=%1B%5B31mred%0Aline' })]);
    expect(a?.message).toBe("eve exec into pod prod/api-1: echo 'red line'");
    // eslint-disable-next-line no-control-regex
    expect(a?.message).not.toMatch(/[\u0000-\u001f\u007f-\u009f\u202a-\u202e]/);
  });

  it('merges a family into one alert: privileged hostPath pod is one alert naming both', () => {
    const d = createDetector();
    const alerts = feed(d, [
      audit({
        verb: 'create',
        namespace: 'prod',
        requestObject: { kind: 'Pod', metadata: { name: 'x' }, spec: podSpec({ volumes: [{ name: 'root', hostPath: { path: '/' } }] }, { securityContext: { privileged: true } }) },
      }),
    ]);
    expect(rules(alerts)).toEqual(['privileged-pod']);
    expect(alerts[0]?.message).toBe("alice@example.com created pod prod/x with privileged container 'app'; also hostPath / (volume 'root')");
  });

  it('never alerts on health endpoints, even anonymous and refused ones', () => {
    const d = createDetector();
    const probes = ['/healthz', '/livez?verbose', '/readyz/etcd', '/healthz/poststarthook/x'].flatMap((uri) =>
      [200, 403, 500].map((code) => audit({ user: 'system:anonymous', groups: ['system:unauthenticated'], resource: '', uri, code, latencyMs: 30_000 })),
    );
    expect(feed(d, [...probes, ...probes, ...probes, ...probes])).toEqual([]);
  });

  it('raises the same alerts whatever the wall-clock speed: windows run on event time', () => {
    const events = Array.from({ length: 30 }, (_, i) => audit({ user: 'bob', verb: 'list', resource: 'secrets', namespace: 'x', code: 403, at: T0 + i * 3000 }));
    const decoded = decode(events);
    const a1 = feed(createDetector(), decoded);
    const a2 = feed(createDetector(), decoded);
    expect(rules(a1)).toEqual(['auth-failure-burst', 'auth-failure-burst']);
    expect(a2).toEqual(a1);
  });

  it('reports event time jumping backwards within one source once per jump', () => {
    const d = createDetector();
    const alerts = feed(d, [
      audit({ at: T0 }),
      audit({ at: T0 + 10_000 }),
      audit({ at: T0 - 3_600_000 }),
      audit({ at: T0 - 3_599_000 }),
      // small reordering between concurrent requests is normal
      audit({ at: T0 - 3_599_500 }),
    ]);
    expect(rules(alerts)).toEqual(['audit-gap']);
    expect(alerts[0]?.severity).toBe('medium');
    expect(alerts[0]?.message).toMatch(/^test\.log: event time jumped back 60 min/);
  });

  it('does not repeat a time-backwards jump the follower reports for a source it already flagged', () => {
    const d = createDetector();
    expect(rules(feed(d, [audit({ at: T0 }), audit({ at: T0 - 600_000 })]))).toEqual(['audit-gap']);
    expect(d.gap({ ts: T0, source: 'test.log', kind: 'time-backwards', message: 'time went backwards' })).toEqual([]);
    expect(rules(d.gap({ ts: T0, source: 'other.log', kind: 'time-backwards', message: 'time went backwards' }))).toEqual(['audit-gap']);
    expect(rules(d.gap({ ts: T0, source: 'test.log', kind: 'truncated', message: 'file truncated' }))).toEqual(['audit-gap']);
  });

  it('turns a follower gap into an audit-gap alert', () => {
    const d = createDetector();
    const [a] = d.gap({ ts: T0, source: '/var/log/audit.log', kind: 'rotated-unread', message: 'rotated file vanished before it was read', bytes: 1024 });
    expect(a).toMatchObject({ rule: 'audit-gap', severity: 'high', name: '/var/log/audit.log', ts: '2026-11-21T10:00:00.000Z' });
    expect(a?.message).toBe('/var/log/audit.log: rotated file vanished before it was read (1024 bytes lost)');
    const [b] = d.gap({ ts: T0, source: '/var/log/audit.log', kind: 'truncated', message: '/var/log/audit.log was truncated' });
    expect(b?.message).toBe('/var/log/audit.log was truncated');
  });

  it('says once per resource that body rules are blind when requests carry no bodies', () => {
    const d = createDetector();
    const meta = (i: number) => audit({ verb: 'create', resource: 'deployments', namespace: 'app', name: `d${i}`, level: 'Metadata' });
    const alerts = feed(d, [meta(1), meta(2), meta(3), audit({ verb: 'create', resource: 'pods', namespace: 'app', level: 'Metadata' })]);
    expect(rules(alerts)).toEqual(['no-request-bodies', 'no-request-bodies']);
    expect(alerts[0]).toMatchObject({ severity: 'info', user: '', resource: 'deployments' });
    expect(alerts[0]?.message).toMatch(/^deployments create requests are logged without request bodies \(audit level Metadata\)/);
  });

  it('does not throw on junk fields and a rule bug raises nothing', () => {
    const d = createDetector();
    const e = ev({ verb: 'create', resource: 'pods', requestObject: { spec: { containers: 'nope', volumes: [null, 1, { hostPath: 3 }] } } });
    expect(() => d.evaluate(e, { firstStage: true, finalStage: true })).not.toThrow();
    const bad = { ...e, raw: '{not json', hasRequestObject: true };
    expect(d.evaluate(bad, { firstStage: true, finalStage: true })).toEqual([]);
  });

  it('keeps every state structure bounded', () => {
    const d = createDetector({ limits: { maxKeys: 50, dedupe: 100, dispatchCache: 10, identityCache: 20, sources: 5 } });
    for (let i = 0; i < 2000; i++) {
      feed(d, [
        audit({ user: `u${i}`, verb: `v${i % 40}`, resource: `r${i}`, at: T0 + i, code: 403, sourceIP: `10.9.${i % 250}.${i % 7}` }),
        audit({ ...EXEC, user: `u${i}`, at: T0 + i }),
        audit({ user: `u${i}`, impersonate: `t${i}`, verb: 'delete', resource: 'pods', namespace: 'x', name: 'y', at: T0 + i }),
        audit({ user: `u${i}`, verb: 'create', resource: 'selfsubjectaccessreviews', code: 201, at: T0 + i }),
        audit({ user: `n${i}`, verb: 'create', resource: 'configmaps', namespace: 'x', code: 201, at: T0 + 3_600_000 + i }),
      ]);
      decode([audit({ at: T0 + i })], `src${i}`).forEach((e) => d.evaluate(e, { firstStage: true, finalStage: true }));
    }
    // every rule's keyed state (counters, cooldowns, first-seen maps) stays within the key cap
    const rulesState = d.ruleStateSizes();
    expect(new Set(rulesState.map((r) => r.rule))).toEqual(new Set(['auth-failure-burst', 'permission-enumeration', 'bulk-delete', 'impersonation', 'request-rate-spike', 'new-identity-mass-create']));
    for (const r of rulesState) expect(r.size, r.rule).toBeLessThanOrEqual(r.capacity);
    expect(rulesState.some((r) => r.size === r.capacity)).toBe(true);
    const s = d.stateSizes();
    expect(s.fired).toBeLessThanOrEqual(100);
    expect(s.identities).toBeLessThanOrEqual(20);
    expect(s.sources).toBeLessThanOrEqual(5);
    expect(s.dispatch).toBeLessThanOrEqual(10);
  });
});

describe('bounded state', () => {
  it('BoundedMap evicts the least recently written key', () => {
    const m = new BoundedMap<string, number>(2);
    m.set('a', 1);
    m.set('b', 2);
    m.set('a', 3);
    m.set('c', 4);
    expect(m.get('b')).toBeUndefined();
    expect(m.get('a')).toBe(3);
    expect(m.size).toBe(2);
  });

  it('RecentSet remembers at least cap/2 recent keys and never more than cap', () => {
    const s = new RecentSet(10);
    for (let i = 0; i < 100; i++) s.add(`k${i}`);
    expect(s.size).toBeLessThanOrEqual(10);
    for (let i = 95; i < 100; i++) expect(s.has(`k${i}`)).toBe(true);
    expect(s.has('k0')).toBe(false);
  });

  it('WindowCounter counts within the window of event time and caps keys', () => {
    const c = new WindowCounter(60_000, 3);
    for (let i = 0; i < 10; i++) c.add('a', T0 + i * 1000);
    expect(c.add('a', T0 + 10_000)).toBe(11);
    expect(c.add('a', T0 + 200_000)).toBe(1);
    for (const k of ['b', 'c', 'd', 'e']) c.add(k, T0);
    expect(c.size).toBe(3);
  });

  it('DistinctCounter counts distinct values in the window and caps values per key', () => {
    const c = new DistinctCounter(60_000, 10, 5);
    expect(c.add('u', 'a', T0)).toBe(1);
    expect(c.add('u', 'a', T0 + 1)).toBe(1);
    expect(c.add('u', 'b', T0 + 2)).toBe(2);
    expect(c.add('u', 'c', T0 + 120_000)).toBe(1);
    for (let i = 0; i < 50; i++) c.add('u', `v${i}`, T0 + 130_000);
    expect(c.add('u', 'z', T0 + 130_001)).toBe(5);
  });

  it('Cooldown lets a key fire once per period', () => {
    const q = new Cooldown(1000, 10);
    expect(q.take('k', 0)).toBe(true);
    expect(q.take('k', 999)).toBe(false);
    expect(q.take('k', 1000)).toBe(true);
  });
});

describe('cleanText', () => {
  it('removes C0/C1, DEL, bidi overrides and whole escape sequences', () => {
    expect(cleanText('a\u001b[31mb\u001b]52;c;ZXZpbA==\u0007c\u007f\u0085d\u202ee\u2066f')).toBe('abc def');
  });
});

describe('clock', () => {
  it('uses event time only: the wall clock does not change the alerts', async () => {
    const { vi } = await import('vitest');
    const { scriptIncident, incidentEvents } = await import('../../src/demo/incident.js');
    const events = decode(incidentEvents(scriptIncident({ start: T0 })));
    vi.useFakeTimers();
    try {
      vi.setSystemTime(new Date('2001-01-01T00:00:00Z'));
      const a = feed(createDetector(), events);
      vi.setSystemTime(new Date('2099-12-31T00:00:00Z'));
      const b = feed(createDetector(), events);
      expect(b).toEqual(a);
      expect(a).toHaveLength(8);
    } finally {
      vi.useRealTimers();
    }
  });
});
