import { describe, expect, it } from 'vitest';
import { decodeLine } from '../../src/ingest/decode.js';
import type { AuditEvent } from '../../src/model/event.js';
import { findTextRef, TEXT_REF_MAX_LEN } from '../../src/model/event-texts.js';
import { RawStore } from '../../src/model/raw-store.js';
import { StoredEvent } from '../../src/model/stored-event.js';

function decoded(line: string): AuditEvent {
  const out: AuditEvent[] = [];
  decodeLine(line, 'src.log', { event: (ev) => out.push(ev), malformed: (m) => expect.unreachable(m.reason) });
  expect(out).toHaveLength(1);
  return out[0] as AuditEvent;
}

const line = (extra: Record<string, unknown>): string =>
  JSON.stringify({ kind: 'Event', apiVersion: 'audit.k8s.io/v1', level: 'Metadata', auditID: 'a1', stage: 'ResponseComplete', requestURI: '/api/v1/namespaces/prod/pods/web-1', verb: 'get', objectRef: { resource: 'pods', namespace: 'prod', name: 'web-1' }, stageTimestamp: '2026-01-01T00:00:00.000001Z', ...extra });

describe('time, uri and name kept as places in the raw bytes', () => {
  it('findTextRef: only a value found as it is in an ASCII text, within the size a ref can say', () => {
    const raw = '{"requestURI":"/api/v1/pods","name":"web"}';
    expect(findTextRef('', raw, true)).toBe(0);
    const r = findTextRef('/api/v1/pods', raw, true);
    expect(r >>> 8).toBe(raw.indexOf('/api/v1/pods'));
    expect(r & 255).toBe('/api/v1/pods'.length);
    expect(findTextRef('/api/v2', raw, true)).toBe(-1);
    expect(findTextRef('web', raw, false)).toBe(-1); // not ASCII: offsets in characters are not bytes
    const long = 'x'.repeat(TEXT_REF_MAX_LEN + 1);
    expect(findTextRef(long, `"${long}"`, true)).toBe(-1);
    expect(findTextRef('x'.repeat(TEXT_REF_MAX_LEN), `"${long}"`, true)).toBeGreaterThan(0);
  });

  it('a buffered copy reads them back exactly, as places where it can and as strings where it cannot', () => {
    const store = new RawStore();
    // which of time, uri and name are places (the others are strings)
    const cases: { line: string; refs: [boolean, boolean, boolean] }[] = [
      { line: line({}), refs: [true, true, true] },
      // escaped in the JSON text (Go writes & as \u0026): that value is not there as it is
      { line: line({ requestURI: '/api/v1/pods?labelSelector=a%3Db&limit=5' }).replace('&', '\\u0026'), refs: [true, false, true] },
      // a quote in a name is escaped in the JSON text
      { line: line({ objectRef: { resource: 'pods', name: 'we"b' } }), refs: [true, true, false] },
      // a non-ASCII line: character offsets are not byte offsets, so nothing is referenced
      { line: line({ user: { username: 'zoë' } }), refs: [false, false, false] },
    ];
    for (const c of cases) {
      const ev = decoded(c.line);
      const stored = new StoredEvent(ev, store);
      expect({ time: stored.time, uri: stored.uri, name: stored.name }, c.line).toEqual({ time: ev.time, uri: ev.uri, name: ev.name });
      expect([stored.timeRef, stored.uriRef, stored.nameRef].map((r) => typeof r === 'number'), c.line).toEqual(c.refs);
      expect(stored.raw).toBe(c.line);
    }
    // the well-formed case really reads from the store: no string of its own
    const s = new StoredEvent(decoded(line({})), store);
    expect([typeof s.timeRef, typeof s.uriRef, typeof s.nameRef]).toEqual(['number', 'number', 'number']);
    expect([s.time, s.uri, s.name]).toEqual(['2026-01-01T00:00:00.000001Z', '/api/v1/namespaces/prod/pods/web-1', 'web-1']);
  });

  it('empty values stay empty', () => {
    const ev = decoded(JSON.stringify({ kind: 'Event', auditID: 'e', stage: 'ResponseComplete', verb: 'list' }));
    const stored = new StoredEvent(ev, new RawStore());
    expect([stored.time, stored.uri, stored.name]).toEqual(['', '', '']);
  });
});
