import { thing, verbed } from '../describe.js';
import { succeeded, type RuleSpec } from '../rule.js';

/** Deleting in kube-system or prod outside the control plane is an outage or an attack until proven otherwise. */
export const protectedNamespaceDelete: RuleSpec = {
  id: 'protected-namespace-delete',
  severity: 'high',
  title: 'Delete in protected namespace',
  description:
    'Someone outside the control plane deleted an object in (or deleted) a protected namespace (`protectedNamespaces`: kube-system, kube-public, kube-node-lease, prod, production, prod-*, production-*). Events are left to events-deleted.',
  family: 'delete',
  verbs: ['delete', 'deletecollection'],
  stage: 'response',
  lists: ['protectedNamespaces'],
  create: (env) => (ev, x) => {
    if (x.controlPlane || !succeeded(ev) || ev.resource === 'events') return null;
    const ns = ev.resource === 'namespaces' ? ev.name || ev.namespace : ev.namespace;
    if (ns === '' || !env.lists.protectedNamespaces.has(ns)) return null;
    const what = ev.resource === 'namespaces' ? `namespace ${ns}` : thing(ev);
    return { message: `${x.who} ${verbed(ev.verb)} ${what}`, detail: `in protected namespace ${ns}` };
  },
};
