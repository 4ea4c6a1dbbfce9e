import { singular, verbed } from '../describe.js';
import { succeeded, type RuleSpec } from '../rule.js';
import { bodyName } from './pod-security.js';
import { RBAC_RESOURCES } from './rbac-common.js';

/** Any RBAC edit outside the control plane is a change of who may do what: worth a line. */
export const rbacChange: RuleSpec = {
  id: 'rbac-change',
  severity: 'medium',
  title: 'RBAC changed',
  description:
    'Someone outside the control plane created, changed or deleted a Role, ClusterRole, RoleBinding or ClusterRoleBinding. Fallback of the rbac family: when a more specific RBAC rule fires on the request, only that one alerts.',
  family: 'rbac',
  fallback: true,
  verbs: ['create', 'update', 'patch', 'delete', 'deletecollection'],
  resources: RBAC_RESOURCES,
  stage: 'response',
  create: () => (ev, x) => {
    if (x.controlPlane || !succeeded(ev)) return null;
    const name = ev.name || (ev.hasRequestObject ? bodyName(x.requestObject()) : '');
    const obj = name ? `${ev.namespace ? `${ev.namespace}/` : ''}${name}` : ev.namespace ? `in namespace ${ev.namespace}` : '';
    return { message: `${x.who} ${verbed(ev.verb)} ${singular(ev.resource)} ${obj}`.trimEnd() };
  },
};
