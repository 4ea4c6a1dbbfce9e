import type { AuditEvent } from '../../src/model/event.js';

/** A normalised event with sensible defaults; `raw` is derived unless given. */
export function mkEvent(p: Partial<AuditEvent> = {}): AuditEvent {
  const ev: AuditEvent = {
    ts: NaN,
    time: '',
    receivedTs: NaN,
    auditID: '',
    stage: 'ResponseComplete',
    verb: 'get',
    user: 'alice',
    groups: [],
    impersonatedUser: '',
    impersonatedGroups: [],
    sourceIP: '10.0.0.1',
    userAgent: 'kubectl',
    apiGroup: '',
    apiVersion: 'v1',
    resource: 'pods',
    subresource: '',
    namespace: 'default',
    name: '',
    code: 200,
    reason: '',
    decision: 'allow',
    uri: '/api/v1/namespaces/default/pods',
    level: 'Metadata',
    latencyMs: -1,
    hasRequestObject: false,
    hasResponseObject: false,
    raw: '',
    source: 'test',
    ...p,
  };
  if (p.ts !== undefined && p.time === undefined && Number.isFinite(p.ts)) ev.time = new Date(p.ts).toISOString();
  if (p.raw === undefined) ev.raw = JSON.stringify({ auditID: ev.auditID, stage: ev.stage, verb: ev.verb, user: { username: ev.user } });
  return ev;
}

export const T0 = Date.UTC(2026, 10, 21, 10, 0, 0);
