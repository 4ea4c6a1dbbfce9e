import { decodeLine } from '../../src/ingest/decode.js';
import type { AuditEvent } from '../../src/model/event.js';
import { isFinalStage } from '../../src/model/event.js';
import type { Alert, Detector } from '../../src/detect/types.js';

/** Fields a test sets; everything else gets a plausible default. */
export interface EventFields {
  user?: string;
  groups?: string[];
  impersonate?: string;
  impersonateGroups?: string[];
  verb?: string;
  resource?: string;
  subresource?: string;
  apiGroup?: string;
  namespace?: string;
  name?: string;
  code?: number;
  stage?: string;
  level?: string;
  uri?: string;
  query?: string;
  sourceIP?: string;
  userAgent?: string;
  requestObject?: unknown;
  /** event time, ms since the epoch (default T0) */
  at?: number;
  latencyMs?: number;
  auditID?: string;
}

export const T0 = Date.UTC(2026, 10, 21, 10, 0, 0);
let seq = 0;

const CORE = new Set(['pods', 'secrets', 'configmaps', 'services', 'serviceaccounts', 'namespaces', 'nodes', 'events', '']);

/** A raw audit.k8s.io/v1 Event object as kube-apiserver writes it. */
export function audit(f: EventFields = {}): Record<string, unknown> {
  const resource = f.resource ?? 'pods';
  const group = f.apiGroup ?? (CORE.has(resource) ? '' : guessGroup(resource));
  const at = f.at ?? T0;
  const latency = f.latencyMs ?? 3;
  let uri = f.uri;
  if (uri === undefined) {
    uri = group === '' ? '/api/v1' : `/apis/${group}/v1`;
    if (f.namespace) uri += `/namespaces/${f.namespace}`;
    uri += `/${resource}`;
    if (f.name) uri += `/${f.name}`;
    if (f.subresource) uri += `/${f.subresource}`;
    if (f.query) uri += `?${f.query}`;
  }
  const stage = f.stage ?? 'ResponseComplete';
  const o: Record<string, unknown> = {
    kind: 'Event',
    apiVersion: 'audit.k8s.io/v1',
    level: f.level ?? (f.requestObject !== undefined ? 'Request' : 'Metadata'),
    auditID: f.auditID ?? `00000000-0000-4000-8000-${String(++seq).padStart(12, '0')}`,
    stage,
    requestURI: uri,
    verb: f.verb ?? 'get',
    user: { username: f.user ?? 'alice@example.com', groups: f.groups ?? ['system:authenticated'] },
  };
  if (f.impersonate !== undefined || f.impersonateGroups !== undefined) {
    o.impersonatedUser = { username: f.impersonate ?? '', ...(f.impersonateGroups ? { groups: f.impersonateGroups } : {}) };
  }
  o.sourceIPs = [f.sourceIP ?? '10.0.0.50'];
  o.userAgent = f.userAgent ?? 'kubectl/v1.30.2 (linux/amd64) kubernetes/3968350';
  if (resource !== '') {
    const ref: Record<string, unknown> = { resource, apiVersion: 'v1' };
    if (group) ref.apiGroup = group;
    if (f.namespace) ref.namespace = f.namespace;
    if (f.name) ref.name = f.name;
    if (f.subresource) ref.subresource = f.subresource;
    o.objectRef = ref;
  }
  if (stage !== 'RequestReceived') o.responseStatus = { metadata: {}, code: f.code ?? 200 };
  if (f.requestObject !== undefined) o.requestObject = f.requestObject;
  o.requestReceivedTimestamp = new Date(at - (stage === 'RequestReceived' ? 0 : latency)).toISOString().replace('Z', '000Z');
  o.stageTimestamp = new Date(at).toISOString().replace('Z', '000Z');
  return o;
}

function guessGroup(resource: string): string {
  if (/^(cluster)?role(binding)?s$/.test(resource)) return 'rbac.authorization.k8s.io';
  if (/^(deployments|daemonsets|statefulsets|replicasets)$/.test(resource)) return 'apps';
  if (/^(jobs|cronjobs)$/.test(resource)) return 'batch';
  if (/webhookconfigurations$/.test(resource)) return 'admissionregistration.k8s.io';
  if (resource === 'certificatesigningrequests') return 'certificates.k8s.io';
  if (/^selfsubject/.test(resource)) return 'authorization.k8s.io';
  return 'example.com';
}

/** Decode raw objects (or JSON lines) through the real decoder into AuditEvents. */
export function decode(items: Array<Record<string, unknown> | string>, source = 'test.log'): AuditEvent[] {
  const out: AuditEvent[] = [];
  for (const it of items) {
    decodeLine(typeof it === 'string' ? it : JSON.stringify(it), source, {
      event: (ev) => out.push(ev),
      malformed: (m) => {
        throw new Error(`test event did not decode: ${m.reason}`);
      },
    });
  }
  return out;
}

/** Shorthand: one AuditEvent from fields. */
export function ev(f: EventFields = {}): AuditEvent {
  return decode([audit(f)])[0] as AuditEvent;
}

/**
 * Feed events to a detector the way the model Engine does: in order, with firstStage/finalStage
 * worked out per auditID. Returns every alert raised.
 */
export function feed(d: Detector, events: Array<AuditEvent | Record<string, unknown>>): Alert[] {
  const seen = new Set<string>();
  const out: Alert[] = [];
  for (const e of events) {
    const x = 'raw' in e && typeof e.raw === 'string' ? (e as AuditEvent) : (decode([e as Record<string, unknown>])[0] as AuditEvent);
    const first = !seen.has(x.auditID);
    seen.add(x.auditID);
    out.push(...d.evaluate(x, { firstStage: first, finalStage: isFinalStage(x.stage) }));
  }
  return out;
}

/** Rule ids of alerts, in order. */
export function rules(alerts: Alert[]): string[] {
  return alerts.map((a) => a.rule);
}

/** A pod spec with defaults, for pod-security tests. */
export function podSpec(extra: Record<string, unknown> = {}, container: Record<string, unknown> = {}): Record<string, unknown> {
  return { containers: [{ name: 'app', image: 'registry.example.com/app:1.0', ...container }], ...extra };
}
