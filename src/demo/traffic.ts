/**
 * Deterministic, realistic Kubernetes API-server audit traffic (audit.k8s.io/v1 Events).
 *
 * Used by the bench (1M events), the demo, the saved demo logs and tests. Everything comes from one
 * seeded PRNG: the same options give byte-identical output, on every Node version.
 *
 * What it models (NORMAL operation only — the detection tests assert that none of it raises an alert
 * attributed to a control-plane identity, so there are no secret reads by people, no exec, no RBAC
 * edits, no anonymous access beyond health checks, no 401/403):
 *  - kube-controller-manager (leader-election leases as system:kube-controller-manager; controllers as
 *    kube-system service accounts: replicaset, deployment, endpoint, endpointslice, garbage collector,
 *    node-lifecycle, horizontal-pod-autoscaler, namespace);
 *  - kube-scheduler (pods/binding, leader lease, watches);
 *  - kubelets system:node:worker-N (node leases in kube-node-lease, nodes/status, pods/status,
 *    configmap watches, ServiceAccount token requests for their pods' projected volumes);
 *  - kube-proxy, CoreDNS, metrics-server, system:apiserver itself;
 *  - a CI deployer ServiceAccount (ns `ci`) patching deployments in the app namespaces;
 *  - two people with kubectl (get/list pods, deployments, events, pods/log, `get -w`);
 *  - health checks (/healthz, /readyz, /livez) by system:anonymous from the node and load balancer.
 *
 * Shape, as kube-apiserver writes it (field order: kind, apiVersion, level, auditID, stage, requestURI,
 * verb, user, [impersonatedUser], sourceIPs, userAgent, objectRef, responseStatus, [requestObject],
 * [responseObject], requestReceivedTimestamp, stageTimestamp, annotations): ~1 KB per line on average,
 * a few percent RequestResponse lines with 5–20 KB bodies, ~30% of requests logged at two stages
 * (RequestReceived, then ResponseComplete with the same auditID; RequestReceived carries no
 * responseStatus or authorization annotations because audit runs before authorization), watches that
 * log ResponseStarted at once and ResponseComplete minutes later. Events come out in stageTimestamp order.
 */
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';

/** Bump when the output for a given seed changes (the bench caches generated files by this). */
export const TRAFFIC_GENERATOR_VERSION = 1;

export interface TrafficOptions {
  seed: number;
  /** event time of the first request, ms since the epoch */
  start: number;
  /** average audit events (lines) per second of event time */
  eventsPerSecond: number;
}

/** A 32-bit seeded PRNG (sfc32): fast, good enough statistically, identical on every platform. */
export class Rng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  constructor(seed: number) {
    this.a = 0x9e3779b9;
    this.b = 0x243f6a88;
    this.c = 0xb7e15162;
    this.d = seed >>> 0;
    for (let i = 0; i < 15; i++) this.u32();
  }

  u32(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return t >>> 0;
  }

  /** uniform in [0, 1) */
  next(): number {
    return this.u32() / 4294967296;
  }

  int(lo: number, hiExclusive: number): number {
    return lo + Math.floor(this.next() * (hiExclusive - lo));
  }

  pick<T>(xs: readonly T[]): T {
    return xs[Math.floor(this.next() * xs.length)] as T;
  }

  chance(p: number): boolean {
    return this.next() < p;
  }

  /** exponential with the given mean */
  exp(mean: number): number {
    return -Math.log(1 - this.next()) * mean;
  }

  hex(n: number): string {
    let s = '';
    while (s.length < n) s += this.u32().toString(16).padStart(8, '0');
    return s.slice(0, n);
  }

  uuid(): string {
    const h = this.hex(32);
    const v = ((parseInt(h[16] as string, 16) & 0x3) | 0x8).toString(16);
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-${v}${h.slice(17, 20)}-${h.slice(20, 32)}`;
  }

  /** lowercase alphanumeric suffix as Kubernetes generates for pod names */
  suffix(n: number): string {
    const alphabet = 'bcdfghjklmnpqrstvwxz2456789';
    let s = '';
    for (let i = 0; i < n; i++) s += alphabet[Math.floor(this.next() * alphabet.length)];
    return s;
  }
}

// ---------------------------------------------------------------------------------------------
// The cluster

const K8S = 'v1.30.4';
const GIT = 'a51b3b7';
const CP_IP = '10.0.0.10';
const LB_IP = '10.0.0.5';
const WORKERS = 12;
const APP_NAMESPACES = ['payments', 'checkout', 'frontend', 'search', 'prod', 'staging', 'monitoring'] as const;
const APPS: Record<string, string[]> = {
  payments: ['payments-api', 'ledger', 'fraud-scorer'],
  checkout: ['checkout-web', 'cart'],
  frontend: ['storefront', 'image-resizer'],
  search: ['search-api', 'indexer'],
  prod: ['api-gateway', 'orders', 'inventory'],
  staging: ['api-gateway', 'orders'],
  monitoring: ['prometheus', 'alertmanager', 'grafana'],
};

interface User {
  username: string;
  uid?: string;
  groups: string[];
  extra?: Record<string, string[]>;
}

interface Actor {
  user: User;
  sourceIP: string;
  userAgent: string;
  /** authorization.k8s.io/reason on allowed requests */
  reason: string;
}

function rbacReason(kind: 'ClusterRoleBinding' | 'RoleBinding', binding: string, role: string, subject: string, ns?: string): string {
  const where = ns ? ` of Role "${role}" to ${subject}` : ` of ClusterRole "${role}" to ${subject}`;
  return `RBAC: allowed by ${kind} "${binding}${ns ? `/${ns}` : ''}"${where}`;
}

const SA_GROUPS = (ns: string): string[] => ['system:serviceaccounts', `system:serviceaccounts:${ns}`, 'system:authenticated'];

function serviceAccount(rng: Rng, ns: string, name: string, pod?: string): User {
  const u: User = { username: `system:serviceaccount:${ns}:${name}`, uid: rng.uuid(), groups: SA_GROUPS(ns) };
  if (pod) {
    u.extra = {
      'authentication.kubernetes.io/credential-id': [`JTI=${rng.uuid()}`],
      'authentication.kubernetes.io/node-name': [`worker-${rng.int(1, WORKERS + 1)}`],
      'authentication.kubernetes.io/node-uid': [rng.uuid()],
      'authentication.kubernetes.io/pod-name': [pod],
      'authentication.kubernetes.io/pod-uid': [rng.uuid()],
    };
  }
  return u;
}

function controllerActor(rng: Rng, name: string): Actor {
  return {
    user: serviceAccount(rng, 'kube-system', name),
    sourceIP: CP_IP,
    userAgent: `kube-controller-manager/${K8S} (linux/amd64) kubernetes/${GIT}/system:serviceaccount:kube-system:${name}`,
    reason: rbacReason('ClusterRoleBinding', `system:controller:${name}`, `system:controller:${name}`, `ServiceAccount "${name}/kube-system"`),
  };
}

interface Cluster {
  kcm: Actor;
  scheduler: Actor;
  apiserver: Actor;
  controllers: Record<string, Actor>;
  nodes: Actor[];
  kubeProxy: Actor[];
  coredns: Actor[];
  metricsServer: Actor;
  ci: Actor;
  people: Actor[];
  probe: Actor[];
  /** running pods per namespace (names are stable so logs name the same pods repeatedly) */
  pods: Record<string, string[]>;
  replicaSets: Record<string, string>;
  podIPs: Map<string, string>;
}

function buildCluster(rng: Rng): Cluster {
  const controllers: Record<string, Actor> = {};
  for (const c of [
    'replicaset-controller',
    'deployment-controller',
    'endpoint-controller',
    'endpointslice-controller',
    'endpointslicemirroring-controller',
    'generic-garbage-collector',
    'node-controller',
    'horizontal-pod-autoscaler',
    'namespace-controller',
    'resourcequota-controller',
  ]) {
    controllers[c] = controllerActor(rng, c);
  }
  const nodes: Actor[] = [];
  const kubeProxy: Actor[] = [];
  for (let i = 1; i <= WORKERS; i++) {
    const ip = `10.0.1.${10 + i}`;
    nodes.push({
      user: { username: `system:node:worker-${i}`, groups: ['system:nodes', 'system:authenticated'] },
      sourceIP: ip,
      userAgent: `kubelet/${K8S} (linux/amd64) kubernetes/${GIT}`,
      reason: '',
    });
    kubeProxy.push({
      user: serviceAccount(rng, 'kube-system', 'kube-proxy', `kube-proxy-${rng.suffix(5)}`),
      sourceIP: ip,
      userAgent: `kube-proxy/${K8S} (linux/amd64) kubernetes/${GIT}`,
      reason: rbacReason('ClusterRoleBinding', 'system:node-proxier', 'system:node-proxier', 'ServiceAccount "kube-proxy/kube-system"'),
    });
  }
  const coredns: Actor[] = [0, 1].map(() => ({
    user: serviceAccount(rng, 'kube-system', 'coredns', `coredns-7db6d8ff4d-${rng.suffix(5)}`),
    sourceIP: `10.244.0.${rng.int(2, 250)}`,
    userAgent: 'coredns/v1.11.1 (linux/amd64) kubernetes/$Format',
    reason: rbacReason('ClusterRoleBinding', 'system:coredns', 'system:coredns', 'ServiceAccount "coredns/kube-system"'),
  }));
  const pods: Record<string, string[]> = {};
  const replicaSets: Record<string, string> = {};
  const podIPs = new Map<string, string>();
  for (const ns of APP_NAMESPACES) {
    pods[ns] = [];
    for (const app of APPS[ns] ?? []) {
      const rs = `${app}-${rng.int(5, 9)}${rng.suffix(9)}`;
      replicaSets[`${ns}/${app}`] = rs;
      for (let r = 0; r < 3; r++) {
        const p = `${rs}-${rng.suffix(5)}`;
        (pods[ns] as string[]).push(p);
        podIPs.set(`${ns}/${p}`, `10.244.${rng.int(1, WORKERS + 1)}.${rng.int(2, 250)}`);
      }
    }
  }
  const person = (name: string, group: string, ip: string): Actor => ({
    user: { username: name, groups: [group, 'system:authenticated'] },
    sourceIP: ip,
    userAgent: `kubectl/v1.30.2 (linux/amd64) kubernetes/3968350`,
    reason: rbacReason('ClusterRoleBinding', `${group.replace('oidc:', '')}-view`, 'view', `Group "${group}"`),
  });
  return {
    kcm: {
      user: { username: 'system:kube-controller-manager', groups: ['system:authenticated'] },
      sourceIP: CP_IP,
      userAgent: `kube-controller-manager/${K8S} (linux/amd64) kubernetes/${GIT}/leader-election`,
      reason: rbacReason('RoleBinding', 'system::leader-locking-kube-controller-manager', 'system::leader-locking-kube-controller-manager', 'User "system:kube-controller-manager"', 'kube-system'),
    },
    scheduler: {
      user: { username: 'system:kube-scheduler', groups: ['system:authenticated'] },
      sourceIP: CP_IP,
      userAgent: `kube-scheduler/${K8S} (linux/amd64) kubernetes/${GIT}/scheduler`,
      reason: rbacReason('ClusterRoleBinding', 'system:kube-scheduler', 'system:kube-scheduler', 'User "system:kube-scheduler"'),
    },
    apiserver: {
      user: { username: 'system:apiserver', uid: rng.uuid(), groups: ['system:authenticated', 'system:masters'] },
      sourceIP: '::1',
      userAgent: `kube-apiserver/${K8S} (linux/amd64) kubernetes/${GIT}`,
      reason: '',
    },
    controllers,
    nodes,
    kubeProxy,
    coredns,
    metricsServer: {
      user: serviceAccount(rng, 'kube-system', 'metrics-server', `metrics-server-6d94bc8694-${rng.suffix(5)}`),
      sourceIP: `10.244.3.${rng.int(2, 250)}`,
      userAgent: 'metrics-server/v0.7.1 (linux/amd64) kubernetes/$Format',
      reason: rbacReason('ClusterRoleBinding', 'system:metrics-server', 'system:metrics-server', 'ServiceAccount "metrics-server/kube-system"'),
    },
    ci: {
      user: serviceAccount(rng, 'ci', 'deployer', `deploy-runner-${rng.suffix(5)}`),
      sourceIP: `10.244.7.${rng.int(2, 250)}`,
      userAgent: 'kubectl/v1.30.2 (linux/amd64) kubernetes/3968350',
      reason: rbacReason('ClusterRoleBinding', 'ci-deployer', 'ci-deployer', 'ServiceAccount "deployer/ci"'),
    },
    people: [person('alice@example.com', 'oidc:sre', '10.8.0.21'), person('bob@example.com', 'oidc:developers', '10.8.0.34')],
    probe: [
      {
        user: { username: 'system:anonymous', groups: ['system:unauthenticated'] },
        sourceIP: CP_IP,
        userAgent: 'kube-probe/1.30',
        reason: rbacReason('ClusterRoleBinding', 'system:public-info-viewer', 'system:public-info-viewer', 'Group "system:unauthenticated"'),
      },
      {
        user: { username: 'system:anonymous', groups: ['system:unauthenticated'] },
        sourceIP: LB_IP,
        userAgent: 'Go-http-client/1.1',
        reason: rbacReason('ClusterRoleBinding', 'system:public-info-viewer', 'system:public-info-viewer', 'Group "system:unauthenticated"'),
      },
    ],
    pods,
    replicaSets,
    podIPs,
  };
}

// ---------------------------------------------------------------------------------------------
// Requests

interface ObjectRef {
  resource: string;
  namespace?: string;
  name?: string;
  apiGroup?: string;
  apiVersion: string;
  subresource?: string;
}

interface Request {
  actor: Actor;
  verb: string;
  uri: string;
  objectRef?: ObjectRef;
  code: number;
  /** µs from received to complete */
  latencyUs: number;
  level: 'Metadata' | 'Request' | 'RequestResponse';
  requestObject?: unknown;
  responseObject?: unknown;
  /** long-running: logs ResponseStarted shortly after receipt, ResponseComplete at the end */
  watch?: boolean;
  extraAnnotations?: Record<string, string>;
}

function ref(resource: string, apiVersion: string, ns?: string, name?: string, apiGroup?: string, subresource?: string): ObjectRef {
  const r: ObjectRef = { resource } as ObjectRef;
  if (ns) r.namespace = ns;
  if (name) r.name = name;
  if (apiGroup) r.apiGroup = apiGroup;
  r.apiVersion = apiVersion;
  if (subresource) r.subresource = subresource;
  return r;
}

function basePath(apiGroup: string | undefined, apiVersion: string): string {
  return apiGroup ? `/apis/${apiGroup}/${apiVersion}` : `/api/${apiVersion}`;
}

function uriFor(o: ObjectRef, query = ''): string {
  let p = basePath(o.apiGroup, o.apiVersion);
  if (o.namespace) p += `/namespaces/${o.namespace}`;
  p += `/${o.resource}`;
  if (o.name) p += `/${o.name}`;
  if (o.subresource) p += `/${o.subresource}`;
  return query ? `${p}?${query}` : p;
}

const ms = (n: number): number => Math.round(n * 1000);

function watchQuery(rng: Rng, rv: number): { query: string; seconds: number } {
  const seconds = rng.int(300, 600);
  const m = Math.floor(seconds / 60);
  const s = seconds % 60;
  return {
    query: `allowWatchBookmarks=true&resourceVersion=${rv}&timeout=${m}m${s}s&timeoutSeconds=${seconds}&watch=true`,
    seconds,
  };
}

function appOf(pod: string): { app: string; rs: string } {
  // pod = <app>-<rs hash>-<5>; app may contain dashes
  const parts = pod.split('-');
  const rs = parts.slice(0, -1).join('-');
  const app = parts.slice(0, -2).join('-');
  return { app, rs };
}

/** A Deployment as the API returns it: with last-applied-configuration and managedFields, 5–20 KB. */
function deploymentObject(rng: Rng, ns: string, app: string, rv: number, generation: number, image: string): Record<string, unknown> {
  const envCount = rng.int(12, 60);
  const env: { name: string; value: string }[] = [];
  for (let i = 0; i < envCount; i++) {
    env.push({ name: `${app.toUpperCase().replace(/-/g, '_')}_SETTING_${i}`, value: `value-${rng.hex(rng.int(8, 40))}` });
  }
  const container = {
    name: app,
    image,
    ports: [{ name: 'http', containerPort: 8080, protocol: 'TCP' }],
    env,
    resources: { limits: { cpu: '1', memory: '512Mi' }, requests: { cpu: '100m', memory: '128Mi' } },
    livenessProbe: { httpGet: { path: '/healthz', port: 'http', scheme: 'HTTP' }, periodSeconds: 10, timeoutSeconds: 1, successThreshold: 1, failureThreshold: 3 },
    readinessProbe: { httpGet: { path: '/ready', port: 'http', scheme: 'HTTP' }, periodSeconds: 5, timeoutSeconds: 1, successThreshold: 1, failureThreshold: 3 },
    terminationMessagePath: '/dev/termination-log',
    terminationMessagePolicy: 'File',
    imagePullPolicy: 'IfNotPresent',
    securityContext: { allowPrivilegeEscalation: false, runAsNonRoot: true, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } },
  };
  const spec = {
    replicas: 3,
    selector: { matchLabels: { app } },
    template: {
      metadata: { labels: { app, 'app.kubernetes.io/part-of': ns } },
      spec: {
        containers: [container],
        restartPolicy: 'Always',
        terminationGracePeriodSeconds: 30,
        dnsPolicy: 'ClusterFirst',
        serviceAccountName: app,
        securityContext: { runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } },
        schedulerName: 'default-scheduler',
      },
    },
    strategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: '25%', maxSurge: '25%' } },
    revisionHistoryLimit: 10,
    progressDeadlineSeconds: 600,
  };
  const lastApplied = JSON.stringify({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: app, namespace: ns }, spec });
  return {
    kind: 'Deployment',
    apiVersion: 'apps/v1',
    metadata: {
      name: app,
      namespace: ns,
      uid: rng.uuid(),
      resourceVersion: String(rv),
      generation,
      creationTimestamp: '2026-09-02T08:14:51Z',
      labels: { app, 'app.kubernetes.io/managed-by': 'ci' },
      annotations: { 'deployment.kubernetes.io/revision': String(generation), 'kubectl.kubernetes.io/last-applied-configuration': lastApplied },
      managedFields: [
        { manager: 'kubectl-client-side-apply', operation: 'Update', apiVersion: 'apps/v1', time: '2026-11-20T16:02:10Z', fieldsType: 'FieldsV1', fieldsV1: { 'f:spec': { 'f:replicas': {}, 'f:template': { 'f:spec': { 'f:containers': { [`k:{"name":"${app}"}`]: { '.': {}, 'f:image': {}, 'f:env': {} } } } } } } },
        { manager: 'kube-controller-manager', operation: 'Update', apiVersion: 'apps/v1', time: '2026-11-20T16:02:14Z', fieldsType: 'FieldsV1', subresource: 'status', fieldsV1: { 'f:status': { 'f:availableReplicas': {}, 'f:conditions': {}, 'f:observedGeneration': {}, 'f:readyReplicas': {}, 'f:replicas': {}, 'f:updatedReplicas': {} } } },
      ],
    },
    spec,
    status: {
      observedGeneration: generation,
      replicas: 3,
      updatedReplicas: 3,
      readyReplicas: 3,
      availableReplicas: 3,
      conditions: [
        { type: 'Available', status: 'True', lastUpdateTime: '2026-11-20T16:02:14Z', lastTransitionTime: '2026-09-02T08:15:20Z', reason: 'MinimumReplicasAvailable', message: 'Deployment has minimum availability.' },
        { type: 'Progressing', status: 'True', lastUpdateTime: '2026-11-20T16:02:14Z', lastTransitionTime: '2026-09-02T08:14:51Z', reason: 'NewReplicaSetAvailable', message: `ReplicaSet "${app}-7c9d5b6f4" has successfully progressed.` },
      ],
    },
  };
}

/** A Pod as the replicaset controller creates it (restricted security context, no host access). */
function podObject(rng: Rng, ns: string, app: string, rs: string, name: string, node: string | null): Record<string, unknown> {
  const env: { name: string; value: string }[] = [];
  for (let i = 0, n = rng.int(10, 40); i < n; i++) env.push({ name: `${app.toUpperCase().replace(/-/g, '_')}_SETTING_${i}`, value: `value-${rng.hex(rng.int(8, 40))}` });
  return {
    kind: 'Pod',
    apiVersion: 'v1',
    metadata: {
      name,
      generateName: `${rs}-`,
      namespace: ns,
      labels: { app, 'pod-template-hash': rs.slice(app.length + 1) },
      ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: rs, uid: rng.uuid(), controller: true, blockOwnerDeletion: true }],
    },
    spec: {
      volumes: [
        {
          name: `kube-api-access-${rng.suffix(5)}`,
          projected: {
            sources: [
              { serviceAccountToken: { expirationSeconds: 3607, path: 'token' } },
              { configMap: { name: 'kube-root-ca.crt', items: [{ key: 'ca.crt', path: 'ca.crt' }] } },
              { downwardAPI: { items: [{ path: 'namespace', fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.namespace' } }] } },
            ],
            defaultMode: 420,
          },
        },
        { name: 'tmp', emptyDir: {} },
      ],
      containers: [
        {
          name: app,
          image: `registry.example.com/${ns}/${app}:1.${rng.int(0, 40)}.${rng.int(0, 10)}`,
          ports: [{ name: 'http', containerPort: 8080, protocol: 'TCP' }],
          env,
          resources: { limits: { cpu: '1', memory: '512Mi' }, requests: { cpu: '100m', memory: '128Mi' } },
          volumeMounts: [{ name: 'tmp', mountPath: '/tmp' }],
          securityContext: { allowPrivilegeEscalation: false, runAsNonRoot: true, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } },
          imagePullPolicy: 'IfNotPresent',
        },
      ],
      restartPolicy: 'Always',
      terminationGracePeriodSeconds: 30,
      dnsPolicy: 'ClusterFirst',
      serviceAccountName: app,
      securityContext: { runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } },
      ...(node ? { nodeName: node } : {}),
      schedulerName: 'default-scheduler',
      tolerations: [
        { key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 },
        { key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 },
      ],
      priority: 0,
      enableServiceLinks: true,
      preemptionPolicy: 'PreemptLowerPriority',
    },
    status: { phase: 'Pending', qosClass: 'Burstable' },
  };
}

type Maker = (rng: Rng, c: Cluster, g: GenState) => Request;

interface Template {
  weight: number;
  make: Maker;
}

/** Mutable generator state shared by templates (resource versions grow; deployments get new generations). */
interface GenState {
  rv: number;
  generations: Map<string, number>;
}

function appPod(rng: Rng, c: Cluster): { ns: string; pod: string } {
  const ns = rng.pick(APP_NAMESPACES);
  return { ns, pod: rng.pick(c.pods[ns] as string[]) };
}

function fastLatency(rng: Rng): number {
  return ms(0.4 + rng.exp(2.5));
}

const COORD = 'coordination.k8s.io';
const DISC = 'discovery.k8s.io';

/**
 * The request mix. Weights are relative request rates; they were set from the shape of a busy
 * 12-node cluster's log (leases and kubelet status dominate, people are a trickle).
 */
const TEMPLATES: Template[] = [
  // --- leader election: renew every ~2 s (get + update)
  {
    weight: 40,
    make: (rng, c) => {
      const a = rng.chance(0.5) ? c.kcm : c.scheduler;
      const name = a === c.kcm ? 'kube-controller-manager' : 'kube-scheduler';
      const verb = rng.chance(0.5) ? 'get' : 'update';
      const o = ref('leases', 'v1', 'kube-system', name, COORD);
      return { actor: a, verb, uri: uriFor(o, verb === 'get' ? '' : 'timeout=5s'), objectRef: o, code: 200, latencyUs: fastLatency(rng), level: 'Metadata' };
    },
  },
  // --- kubelet node leases (every 10 s per node)
  {
    weight: 120,
    make: (rng, c) => {
      const i = rng.int(0, c.nodes.length);
      const a = c.nodes[i] as Actor;
      const o = ref('leases', 'v1', 'kube-node-lease', `worker-${i + 1}`, COORD);
      return { actor: a, verb: 'update', uri: uriFor(o, 'timeout=10s'), objectRef: o, code: 200, latencyUs: fastLatency(rng), level: 'Metadata' };
    },
  },
  // --- kubelet node status (get + patch nodes/status)
  {
    weight: 40,
    make: (rng, c) => {
      const i = rng.int(0, c.nodes.length);
      const a = c.nodes[i] as Actor;
      const patch = rng.chance(0.5);
      const o = ref('nodes', 'v1', undefined, `worker-${i + 1}`, undefined, patch ? 'status' : undefined);
      return { actor: a, verb: patch ? 'patch' : 'get', uri: uriFor(o, patch ? '' : 'resourceVersion=0&timeout=10s'), objectRef: o, code: 200, latencyUs: fastLatency(rng), level: 'Metadata' };
    },
  },
  // --- kubelet pod status, pod gets
  {
    weight: 70,
    make: (rng, c) => {
      const { ns, pod } = appPod(rng, c);
      const a = rng.pick(c.nodes);
      const patch = rng.chance(0.6);
      const o = ref('pods', 'v1', ns, pod, undefined, patch ? 'status' : undefined);
      return { actor: a, verb: patch ? 'patch' : 'get', uri: uriFor(o), objectRef: o, code: 200, latencyUs: fastLatency(rng), level: 'Metadata' };
    },
  },
  // --- kubelet service account tokens for projected volumes (routine; refreshed at 80% of lifetime)
  {
    weight: 4,
    make: (rng, c) => {
      const { ns, pod } = appPod(rng, c);
      const { app } = appOf(pod);
      const o = ref('serviceaccounts', 'v1', ns, app, undefined, 'token');
      return { actor: rng.pick(c.nodes), verb: 'create', uri: uriFor(o), objectRef: o, code: 201, latencyUs: ms(1 + rng.exp(3)), level: 'Metadata' };
    },
  },
  // --- kubelet watches (configmaps it mounts, its own node, pods bound to it)
  {
    weight: 3,
    make: (rng, c, g) => {
      const { ns } = appPod(rng, c);
      const a = rng.pick(c.nodes);
      const kind = rng.int(0, 3);
      const o = kind === 0 ? ref('configmaps', 'v1', ns) : kind === 1 ? ref('nodes', 'v1') : ref('pods', 'v1');
      const w = watchQuery(rng, g.rv);
      const sel = kind === 0 ? 'fieldSelector=metadata.name%3Dkube-root-ca.crt&' : kind === 1 ? `fieldSelector=metadata.name%3D${a.user.username.slice('system:node:'.length)}&` : `fieldSelector=spec.nodeName%3D${a.user.username.slice('system:node:'.length)}&`;
      return { actor: a, verb: 'watch', uri: uriFor(o, sel + w.query), objectRef: o, code: 200, latencyUs: w.seconds * 1_000_000 + ms(rng.exp(3)), level: 'Metadata', watch: true };
    },
  },
  // --- controllers: endpoints / endpointslices updates
  {
    weight: 30,
    make: (rng, c) => {
      const { ns, pod } = appPod(rng, c);
      const { app } = appOf(pod);
      const slices = rng.chance(0.6);
      const a = slices ? (c.controllers['endpointslice-controller'] as Actor) : (c.controllers['endpoint-controller'] as Actor);
      const o = slices ? ref('endpointslices', 'v1', ns, `${app}-${rng.suffix(5)}`, DISC) : ref('endpoints', 'v1', ns, app);
      const conflict = rng.chance(0.02);
      return { actor: a, verb: 'update', uri: uriFor(o), objectRef: o, code: conflict ? 409 : 200, latencyUs: fastLatency(rng), level: 'Metadata' };
    },
  },
  // --- controllers: replicasets and deployments status
  {
    weight: 14,
    make: (rng, c) => {
      const { ns, pod } = appPod(rng, c);
      const { app, rs } = appOf(pod);
      const dep = rng.chance(0.4);
      const a = dep ? (c.controllers['deployment-controller'] as Actor) : (c.controllers['replicaset-controller'] as Actor);
      const o = dep ? ref('deployments', 'v1', ns, app, 'apps', 'status') : ref('replicasets', 'v1', ns, rs, 'apps', 'status');
      return { actor: a, verb: 'update', uri: uriFor(o), objectRef: o, code: rng.chance(0.03) ? 409 : 200, latencyUs: fastLatency(rng), level: 'Metadata' };
    },
  },
  // --- replicaset controller creates a pod; the scheduler binds it (bodies logged: RequestResponse)
  {
    weight: 7,
    make: (rng, c) => {
      const { ns, pod } = appPod(rng, c);
      const { app, rs } = appOf(pod);
      const name = `${rs}-${rng.suffix(5)}`;
      const o = ref('pods', 'v1', ns);
      const req = podObject(rng, ns, app, rs, name, null);
      const resp = { ...req, metadata: { ...(req.metadata as object), uid: rng.uuid(), resourceVersion: String(rng.int(1e6, 9e6)), creationTimestamp: '2026-11-21T10:00:00Z' } };
      return {
        actor: c.controllers['replicaset-controller'] as Actor,
        verb: 'create',
        uri: uriFor(o),
        objectRef: o,
        code: 201,
        latencyUs: ms(3 + rng.exp(6)),
        level: 'RequestResponse',
        requestObject: req,
        responseObject: resp,
        extraAnnotations: { 'pod-security.kubernetes.io/enforce-policy': 'restricted:latest' },
      };
    },
  },
  {
    weight: 3,
    make: (rng, c) => {
      const { ns, pod } = appPod(rng, c);
      const o = ref('pods', 'v1', ns, pod, undefined, 'binding');
      return { actor: c.scheduler, verb: 'create', uri: uriFor(o), objectRef: o, code: 201, latencyUs: ms(2 + rng.exp(4)), level: 'Metadata' };
    },
  },
  // --- CI deployer patches deployments (RequestResponse: policy logs bodies of deployment writes)
  {
    weight: 7,
    make: (rng, c, g) => {
      const ns = rng.pick(APP_NAMESPACES);
      const app = rng.pick(APPS[ns] as string[]);
      const key = `${ns}/${app}`;
      const gen = (g.generations.get(key) ?? rng.int(3, 40)) + 1;
      g.generations.set(key, gen);
      const image = `registry.example.com/${ns}/${app}:1.${gen}.${rng.int(0, 10)}`;
      const o = ref('deployments', 'v1', ns, app, 'apps');
      const patch = { spec: { template: { spec: { containers: [{ name: app, image }] } } } };
      return {
        actor: c.ci,
        verb: 'patch',
        uri: uriFor(o, 'fieldManager=kubectl-client-side-apply&fieldValidation=Strict'),
        objectRef: o,
        code: 200,
        latencyUs: ms(4 + rng.exp(8)),
        level: 'RequestResponse',
        requestObject: patch,
        responseObject: deploymentObject(rng, ns, app, g.rv, gen, image),
      };
    },
  },
  // CI deployer reads what it deploys
  {
    weight: 4,
    make: (rng, c) => {
      const ns = rng.pick(APP_NAMESPACES);
      const app = rng.pick(APPS[ns] as string[]);
      const o = rng.chance(0.5) ? ref('deployments', 'v1', ns, app, 'apps') : ref('services', 'v1', ns, app);
      return { actor: c.ci, verb: 'get', uri: uriFor(o), objectRef: o, code: rng.chance(0.05) ? 404 : 200, latencyUs: fastLatency(rng), level: 'Metadata' };
    },
  },
  // --- core events written by kubelets and controllers
  {
    weight: 20,
    make: (rng, c) => {
      const { ns, pod } = appPod(rng, c);
      const a = rng.chance(0.6) ? rng.pick(c.nodes) : rng.pick([c.controllers['replicaset-controller'] as Actor, c.controllers['deployment-controller'] as Actor, c.scheduler]);
      const patch = rng.chance(0.3);
      const o = ref('events', 'v1', ns, patch ? `${pod}.${rng.hex(16)}` : undefined);
      return { actor: a, verb: patch ? 'patch' : 'create', uri: uriFor(o), objectRef: o, code: patch ? 200 : 201, latencyUs: fastLatency(rng), level: 'Metadata' };
    },
  },
  // --- garbage collector, node lifecycle, HPA, resource quota
  {
    weight: 8,
    make: (rng, c) => {
      const k = rng.int(0, 4);
      if (k === 0) {
        const o = ref('replicasets', 'v1', undefined, undefined, 'apps');
        return { actor: c.controllers['generic-garbage-collector'] as Actor, verb: 'list', uri: uriFor(o, 'limit=500&resourceVersion=0'), objectRef: o, code: 200, latencyUs: ms(3 + rng.exp(15)), level: 'Metadata' };
      }
      if (k === 1) {
        const i = rng.int(1, WORKERS + 1);
        const o = ref('nodes', 'v1', undefined, `worker-${i}`);
        return { actor: c.controllers['node-controller'] as Actor, verb: 'get', uri: uriFor(o), objectRef: o, code: 200, latencyUs: fastLatency(rng), level: 'Metadata' };
      }
      if (k === 2) {
        const ns = rng.pick(APP_NAMESPACES);
        const o = ref('pods', 'v1beta1', ns, undefined, 'metrics.k8s.io');
        return { actor: c.controllers['horizontal-pod-autoscaler'] as Actor, verb: 'list', uri: uriFor(o, `labelSelector=app%3D${rng.pick(APPS[ns] as string[])}`), objectRef: o, code: 200, latencyUs: ms(5 + rng.exp(20)), level: 'Metadata' };
      }
      const ns = rng.pick(APP_NAMESPACES);
      const o = ref('resourcequotas', 'v1', ns);
      return { actor: c.controllers['resourcequota-controller'] as Actor, verb: 'list', uri: uriFor(o, 'limit=500&resourceVersion=0'), objectRef: o, code: 200, latencyUs: fastLatency(rng), level: 'Metadata' };
    },
  },
  // --- garbage collector deletes the pods of replaced ReplicaSets (app namespaces only)
  {
    weight: 1,
    make: (rng, c) => {
      const { ns, pod } = appPod(rng, c);
      const o = ref('pods', 'v1', ns, pod);
      return { actor: c.controllers['replicaset-controller'] as Actor, verb: 'delete', uri: uriFor(o), objectRef: o, code: 200, latencyUs: ms(2 + rng.exp(5)), level: 'Metadata' };
    },
  },
  // --- informers: list + long-running watch (controllers, scheduler, kube-proxy, CoreDNS)
  {
    weight: 3,
    make: (rng, c, g) => {
      const choices: [Actor, ObjectRef][] = [
        [rng.pick(c.kubeProxy), ref('endpointslices', 'v1', undefined, undefined, DISC)],
        [rng.pick(c.kubeProxy), ref('services', 'v1')],
        [rng.pick(c.coredns), ref('endpointslices', 'v1', undefined, undefined, DISC)],
        [rng.pick(c.coredns), ref('services', 'v1')],
        [rng.pick(c.coredns), ref('namespaces', 'v1')],
        [c.scheduler, ref('pods', 'v1')],
        [c.scheduler, ref('nodes', 'v1')],
        [c.controllers['replicaset-controller'] as Actor, ref('replicasets', 'v1', undefined, undefined, 'apps')],
        [c.controllers['deployment-controller'] as Actor, ref('deployments', 'v1', undefined, undefined, 'apps')],
        [c.metricsServer, ref('nodes', 'v1')],
      ];
      const [a, o] = rng.pick(choices);
      if (rng.chance(0.35)) {
        return { actor: a, verb: 'list', uri: uriFor(o, 'limit=500&resourceVersion=0'), objectRef: o, code: 200, latencyUs: ms(4 + rng.exp(25)), level: 'Metadata' };
      }
      const w = watchQuery(rng, g.rv);
      return { actor: a, verb: 'watch', uri: uriFor(o, w.query), objectRef: o, code: 200, latencyUs: w.seconds * 1_000_000 + ms(rng.exp(3)), level: 'Metadata', watch: true };
    },
  },
  // --- metrics-server and the apiserver's own requests
  {
    weight: 6,
    make: (rng, c) => {
      if (rng.chance(0.5)) {
        const o = ref('nodes', 'v1', undefined, `worker-${rng.int(1, WORKERS + 1)}`);
        return { actor: c.metricsServer, verb: 'get', uri: uriFor(o), objectRef: o, code: 200, latencyUs: fastLatency(rng), level: 'Metadata' };
      }
      const ns = rng.pick(['kube-system', 'default', ...APP_NAMESPACES]);
      const o = rng.chance(0.5) ? ref('namespaces', 'v1', ns, ns) : ref('apiservices', 'v1', undefined, 'v1beta1.metrics.k8s.io', 'apiregistration.k8s.io');
      return { actor: c.apiserver, verb: 'get', uri: uriFor(o), objectRef: o, code: 200, latencyUs: fastLatency(rng), level: 'Metadata' };
    },
  },
  // --- health checks by the kubelet probe and the load balancer
  {
    weight: 12,
    make: (rng, c) => {
      const path = rng.pick(['/healthz', '/readyz', '/livez']);
      return { actor: rng.pick(c.probe), verb: 'get', uri: path, code: 200, latencyUs: ms(0.3 + rng.exp(1.5)), level: 'Metadata' };
    },
  },
  // --- people with kubectl: get/list pods, deployments, events, logs, get -w
  {
    weight: 2,
    make: (rng, c, g) => {
      const a = rng.pick(c.people);
      const { ns, pod } = appPod(rng, c);
      const k = rng.int(0, 10);
      if (k < 3) {
        const o = ref('pods', 'v1', ns);
        return { actor: a, verb: 'list', uri: uriFor(o, 'limit=500'), objectRef: o, code: 200, latencyUs: ms(3 + rng.exp(12)), level: 'Metadata' };
      }
      if (k < 5) {
        const o = ref('pods', 'v1', ns, pod);
        return { actor: a, verb: 'get', uri: uriFor(o), objectRef: o, code: rng.chance(0.1) ? 404 : 200, latencyUs: fastLatency(rng), level: 'Metadata' };
      }
      if (k < 7) {
        const o = ref('pods', 'v1', ns, pod, undefined, 'log');
        return { actor: a, verb: 'get', uri: uriFor(o, `container=${appOf(pod).app}&tailLines=200`), objectRef: o, code: 200, latencyUs: ms(20 + rng.exp(60)), level: 'Metadata' };
      }
      if (k < 8) {
        const o = ref('deployments', 'v1', ns, undefined, 'apps');
        return { actor: a, verb: 'list', uri: uriFor(o, 'limit=500'), objectRef: o, code: 200, latencyUs: ms(2 + rng.exp(8)), level: 'Metadata' };
      }
      if (k < 9) {
        const o = ref('events', 'v1', ns);
        return { actor: a, verb: 'list', uri: uriFor(o, 'limit=500'), objectRef: o, code: 200, latencyUs: ms(3 + rng.exp(10)), level: 'Metadata' };
      }
      const o = ref('pods', 'v1', ns);
      // `kubectl get -w`: open until the person presses Ctrl-C
      return { actor: a, verb: 'watch', uri: uriFor(o, `resourceVersion=${g.rv}&watch=true`), objectRef: o, code: 200, latencyUs: ms(rng.int(20, 240) * 1000), level: 'Metadata', watch: true };
    },
  },
];

// ---------------------------------------------------------------------------------------------
// Event assembly and ordering

/** µs-precision RFC 3339 timestamp as kube-apiserver writes it. */
export function formatMicros(us: number): string {
  const msPart = Math.floor(us / 1000);
  const iso = new Date(msPart).toISOString(); // 2026-11-21T10:00:00.123Z
  const micro = String(Math.floor(us % 1000)).padStart(3, '0');
  return `${iso.slice(0, 23)}${micro}Z`;
}

interface Pending {
  t: number;
  seq: number;
  ev: Record<string, unknown>;
}

/** Binary min-heap on (t, seq): events come out in stageTimestamp order, ties in creation order. */
class Heap {
  private a: Pending[] = [];
  get size(): number {
    return this.a.length;
  }
  peek(): Pending | undefined {
    return this.a[0];
  }
  private less(x: Pending, y: Pending): boolean {
    return x.t < y.t || (x.t === y.t && x.seq < y.seq);
  }
  push(p: Pending): void {
    const a = this.a;
    a.push(p);
    let i = a.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.less(a[i] as Pending, a[parent] as Pending)) break;
      [a[i], a[parent]] = [a[parent] as Pending, a[i] as Pending];
      i = parent;
    }
  }
  pop(): Pending | undefined {
    const a = this.a;
    const top = a[0];
    const last = a.pop();
    if (a.length > 0 && last) {
      a[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < a.length && this.less(a[l] as Pending, a[m] as Pending)) m = l;
        if (r < a.length && this.less(a[r] as Pending, a[m] as Pending)) m = r;
        if (m === i) break;
        [a[i], a[m]] = [a[m] as Pending, a[i] as Pending];
        i = m;
      }
    }
    return top;
  }
}

function makeEvent(r: Request, auditID: string, stage: string, receivedUs: number, stageUs: number): Record<string, unknown> {
  const ev: Record<string, unknown> = {
    kind: 'Event',
    apiVersion: 'audit.k8s.io/v1',
    level: r.level,
    auditID,
    stage,
    requestURI: r.uri,
    verb: r.verb,
    user: r.actor.user,
    sourceIPs: [r.actor.sourceIP],
    userAgent: r.actor.userAgent,
  };
  if (r.objectRef) ev.objectRef = r.objectRef;
  if (stage !== 'RequestReceived') {
    ev.responseStatus = r.code >= 400 ? { metadata: {}, status: 'Failure', message: failureMessage(r), reason: r.code === 404 ? 'NotFound' : 'Conflict', code: r.code } : { metadata: {}, code: r.code };
  }
  if (r.level !== 'Metadata' && r.requestObject !== undefined) ev.requestObject = r.requestObject;
  if (r.level === 'RequestResponse' && r.responseObject !== undefined && stage === 'ResponseComplete') ev.responseObject = r.responseObject;
  ev.requestReceivedTimestamp = formatMicros(receivedUs);
  ev.stageTimestamp = formatMicros(stageUs);
  if (stage !== 'RequestReceived') {
    const ann: Record<string, string> = { 'authorization.k8s.io/decision': 'allow', 'authorization.k8s.io/reason': r.actor.reason };
    if (r.extraAnnotations) Object.assign(ann, r.extraAnnotations);
    ev.annotations = ann;
  }
  return ev;
}

function failureMessage(r: Request): string {
  const o = r.objectRef;
  const what = o ? `${o.resource}${o.apiGroup ? `.${o.apiGroup}` : ''} "${o.name ?? ''}"` : 'object';
  return r.code === 404 ? `${what} not found` : `Operation cannot be fulfilled on ${what}: the object has been modified; please apply your changes to the latest version and try again`;
}

/**
 * Infinite, deterministic stream of audit events in stageTimestamp order.
 * Take as many as needed (e.g. with a counted loop); it never ends by itself.
 */
export function* generateTraffic(opts: TrafficOptions): Generator<Record<string, unknown>, never, undefined> {
  const rng = new Rng(opts.seed);
  const cluster = buildCluster(rng);
  const gen: GenState = { rv: 4_000_000 + rng.int(0, 1_000_000), generations: new Map() };
  const total = TEMPLATES.reduce((s, t) => s + t.weight, 0);
  const cumulative: number[] = [];
  let acc = 0;
  for (const t of TEMPLATES) cumulative.push((acc += t.weight / total));
  // ~1.33 lines per request (30% two-stage, a few watches with three): request rate from line rate.
  const requestsPerSecond = Math.max(opts.eventsPerSecond, 0.001) / 1.33;
  const meanGapUs = 1_000_000 / requestsPerSecond;
  let nextUs = Math.round(opts.start * 1000);
  const heap = new Heap();
  let seq = 0;

  const schedule = (): void => {
    const x = rng.next();
    let i = 0;
    while (i < cumulative.length - 1 && x >= (cumulative[i] as number)) i++;
    const r = (TEMPLATES[i] as Template).make(rng, cluster, gen);
    gen.rv += rng.int(1, 4);
    const id = rng.uuid();
    const rec = nextUs;
    if (rng.chance(0.3)) heap.push({ t: rec, seq: seq++, ev: makeEvent(r, id, 'RequestReceived', rec, rec) });
    if (r.watch) {
      const started = rec + ms(0.2 + rng.exp(1));
      heap.push({ t: started, seq: seq++, ev: makeEvent(r, id, 'ResponseStarted', rec, started) });
    }
    const done = rec + Math.max(1, r.latencyUs);
    heap.push({ t: done, seq: seq++, ev: makeEvent(r, id, 'ResponseComplete', rec, done) });
    nextUs += Math.max(1, Math.round(rng.exp(meanGapUs)));
  };

  for (;;) {
    // Only emit an event once no request yet to be generated could be logged before it.
    while (heap.size === 0 || (heap.peek() as Pending).t > nextUs) schedule();
    yield (heap.pop() as Pending).ev;
  }
}

export interface WriteTrafficOptions extends TrafficOptions {
  count: number;
}

/**
 * Write `count` events (one JSON line each) to `path` quickly: lines are joined into ~1 MiB writes
 * and the stream's backpressure is respected. Resolves with the bytes written.
 */
export async function writeTraffic(path: string, opts: WriteTrafficOptions): Promise<number> {
  const out = createWriteStream(path);
  const it = generateTraffic(opts);
  let bytes = 0;
  let batch: string[] = [];
  let batchBytes = 0;
  const flush = async (): Promise<void> => {
    if (batch.length === 0) return;
    const chunk = batch.join('');
    batch = [];
    batchBytes = 0;
    if (!out.write(chunk)) await once(out, 'drain');
  };
  for (let i = 0; i < opts.count; i++) {
    const line = JSON.stringify(it.next().value) + '\n';
    bytes += Buffer.byteLength(line);
    batch.push(line);
    batchBytes += line.length;
    if (batchBytes >= 1 << 20) await flush();
  }
  await flush();
  out.end();
  await once(out, 'finish');
  return bytes;
}
