import { describe, expect, it } from 'vitest';
import { generateTraffic } from '../../src/demo/traffic.js';

const START = Date.UTC(2026, 10, 21, 9, 0, 0);

function take(n: number, seed = 1, eps = 200): Record<string, any>[] {
  const it = generateTraffic({ seed, start: START, eventsPerSecond: eps });
  const out: Record<string, any>[] = [];
  for (let i = 0; i < n; i++) out.push(it.next().value);
  return out;
}

describe('generateTraffic', () => {
  const evs = take(20_000);
  const lines = evs.map((e) => JSON.stringify(e));

  it('is deterministic for a seed and differs between seeds', () => {
    expect(take(500).map((e) => JSON.stringify(e))).toEqual(lines.slice(0, 500));
    expect(JSON.stringify(take(5, 2))).not.toEqual(JSON.stringify(evs.slice(0, 5)));
  });

  it('writes fields in kube-apiserver order', () => {
    const order = ['kind', 'apiVersion', 'level', 'auditID', 'stage', 'requestURI', 'verb', 'user', 'impersonatedUser', 'sourceIPs', 'userAgent', 'objectRef', 'responseStatus', 'requestObject', 'responseObject', 'requestReceivedTimestamp', 'stageTimestamp', 'annotations'];
    for (const e of evs.slice(0, 2000)) {
      const idx = Object.keys(e).map((k) => order.indexOf(k));
      expect(idx.every((x) => x >= 0)).toBe(true);
      expect([...idx].sort((a, b) => a - b)).toEqual(idx);
      expect(e.kind).toBe('Event');
      expect(e.apiVersion).toBe('audit.k8s.io/v1');
    }
  });

  it('has the documented shape: ~1 KB lines, a few % RequestResponse 5–20 KB, ~30% two-stage', () => {
    const avg = lines.reduce((s, l) => s + l.length + 1, 0) / lines.length;
    expect(avg).toBeGreaterThan(800);
    expect(avg).toBeLessThan(1400);
    const bodies = lines.filter((_, i) => evs[i]?.responseObject !== undefined);
    expect(bodies.length / lines.length).toBeGreaterThan(0.01);
    expect(bodies.length / lines.length).toBeLessThan(0.06);
    for (const b of bodies) {
      expect(b.length).toBeGreaterThan(3_000);
      expect(b.length).toBeLessThan(20_000);
    }
    const stages = new Map<string, number>();
    for (const e of evs) stages.set(e.auditID, (stages.get(e.auditID) ?? 0) + 1);
    const received = evs.filter((e) => e.stage === 'RequestReceived').length;
    const requests = new Set(evs.map((e) => e.auditID)).size;
    expect(received / requests).toBeGreaterThan(0.25);
    expect(received / requests).toBeLessThan(0.35);
    // RequestReceived comes before authorization: no status, no decision
    for (const e of evs.filter((x) => x.stage === 'RequestReceived')) {
      expect(e.responseStatus).toBeUndefined();
      expect(e.annotations).toBeUndefined();
    }
    expect(evs.some((e) => e.verb === 'watch' && e.stage === 'ResponseStarted')).toBe(true);
  });

  it('is in stageTimestamp order at the requested rate', () => {
    for (let i = 1; i < evs.length; i++) expect(evs[i]?.stageTimestamp >= evs[i - 1]?.stageTimestamp).toBe(true);
    const first = Date.parse(evs[0]?.stageTimestamp);
    const last = Date.parse(evs[evs.length - 1]?.stageTimestamp);
    const rate = evs.length / ((last - first) / 1000);
    expect(rate).toBeGreaterThan(150);
    expect(rate).toBeLessThan(250);
  });

  it('is normal traffic: no secrets, exec, RBAC edits, denials or anonymous access beyond health checks', () => {
    for (const e of evs) {
      const r = e.objectRef ?? {};
      expect(r.resource).not.toBe('secrets');
      expect(['exec', 'attach', 'portforward', 'proxy', 'ephemeralcontainers']).not.toContain(r.subresource);
      expect(r.apiGroup).not.toBe('rbac.authorization.k8s.io');
      expect(e.annotations?.['authorization.k8s.io/decision'] ?? 'allow').toBe('allow');
      if (e.responseStatus) expect([401, 403]).not.toContain(e.responseStatus.code);
      if (e.user.username === 'system:anonymous') expect(['/healthz', '/readyz', '/livez']).toContain(e.requestURI);
      if (e.verb === 'delete') expect(['kube-system', 'kube-public']).not.toContain(r.namespace);
      if (e.verb === 'create' && r.resource === 'pods' && !r.subresource) expect(r.namespace).not.toMatch(/^kube-/);
    }
  });
});
