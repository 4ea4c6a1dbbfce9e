import type { AuditEvent } from '../model/event.js';

const PAST: Record<string, string> = {
  create: 'created',
  update: 'updated',
  patch: 'patched',
  delete: 'deleted',
  deletecollection: 'deleted all',
  get: 'read',
  list: 'listed',
  watch: 'watched',
};

/** "created", "patched", … for messages ("alice patched deployment prod/api") */
export function verbed(verb: string): string {
  return PAST[verb] ?? verb;
}

const SINGULAR: Record<string, string> = {
  pods: 'pod',
  deployments: 'deployment',
  daemonsets: 'daemonset',
  statefulsets: 'statefulset',
  replicasets: 'replicaset',
  jobs: 'job',
  cronjobs: 'cronjob',
  replicationcontrollers: 'replicationcontroller',
  secrets: 'secret',
  configmaps: 'configmap',
  services: 'service',
  serviceaccounts: 'serviceaccount',
  roles: 'role',
  clusterroles: 'clusterrole',
  rolebindings: 'rolebinding',
  clusterrolebindings: 'clusterrolebinding',
  namespaces: 'namespace',
  nodes: 'node',
  events: 'event',
  certificatesigningrequests: 'CSR',
  mutatingwebhookconfigurations: 'mutating webhook configuration',
  validatingwebhookconfigurations: 'validating webhook configuration',
};

export function singular(resource: string): string {
  return SINGULAR[resource] ?? resource;
}

/** "prod/api-7c9d", "evil-binding", "in prod" (a collection) or "" */
export function where(ev: AuditEvent): string {
  if (ev.namespace && ev.name) return `${ev.namespace}/${ev.name}`;
  if (ev.name) return ev.name;
  return ev.namespace ? `in namespace ${ev.namespace}` : 'cluster-wide';
}

/** "deployment prod/api", "secrets in namespace prod" */
export function thing(ev: AuditEvent): string {
  const w = where(ev);
  if (!ev.name) return `${ev.resource} ${w}`;
  return `${singular(ev.resource)}${ev.subresource ? `/${ev.subresource}` : ''} ${w}`;
}

export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const s = ms / 1000;
  if (s < 120) return `${Math.round(s)} s`;
  const m = s / 60;
  if (m < 120) return `${Math.round(m)} min`;
  return `${(m / 60).toFixed(1)} h`;
}

