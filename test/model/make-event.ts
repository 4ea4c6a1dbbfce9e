import type { AuditEvent } from '../../src/model/event.js';
import type { RequestRow } from '../../src/model/types.js';

/** A complete AuditEvent with every field present (as normalise() makes them), overridden by `p`. */
export function makeEvent(p: Partial<AuditEvent> = {}): AuditEvent {
  const base: AuditEvent = {
    ts: Date.parse('2026-11-21T10:00:00Z'),
    time: '2026-11-21T10:00:00.000000Z',
    receivedTs: Date.parse('2026-11-21T10:00:00Z'),
    auditID: 'id-0',
    stage: 'ResponseComplete',
    verb: 'get',
    user: 'alice@example.com',
    groups: ['system:authenticated'],
    impersonatedUser: '',
    impersonatedGroups: [],
    sourceIP: '10.0.0.5',
    userAgent: 'kubectl/v1.29.0 (linux/amd64) kubernetes/abc',
    apiGroup: '',
    apiVersion: 'v1',
    resource: 'pods',
    subresource: '',
    namespace: 'default',
    name: 'web-1',
    code: 200,
    reason: '',
    decision: 'allow',
    uri: '/api/v1/namespaces/default/pods/web-1',
    level: 'Metadata',
    latencyMs: 12,
    hasRequestObject: false,
    hasResponseObject: false,
    raw: '',
    source: 'test.log',
  };
  const ev = { ...base, ...p };
  if (!p.raw) {
    ev.raw = JSON.stringify({
      kind: 'Event',
      apiVersion: 'audit.k8s.io/v1',
      level: ev.level,
      auditID: ev.auditID,
      stage: ev.stage,
      requestURI: ev.uri,
      verb: ev.verb,
      user: { username: ev.user, groups: ev.groups },
      sourceIPs: [ev.sourceIP],
      userAgent: ev.userAgent,
      objectRef: { resource: ev.resource, namespace: ev.namespace, name: ev.name, apiVersion: ev.apiVersion },
      responseStatus: { code: ev.code },
      stageTimestamp: ev.time,
    });
  }
  return ev;
}

/** A RequestRow around an event, as the Engine's ring holds them. */
export function makeRow(seq: number, p: Partial<AuditEvent> = {}): RequestRow {
  const ev = makeEvent({ auditID: `id-${seq}`, ...p });
  return { seq, rev: 0, auditID: ev.auditID, ev, stages: [ev.stage], open: false, alert: '', bytes: ev.raw.length };
}
