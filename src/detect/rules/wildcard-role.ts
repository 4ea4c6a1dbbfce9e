import { verbed } from '../describe.js';
import { succeeded, type RuleSpec } from '../rule.js';
import { bodyName } from './pod-security.js';
import { ROLE_RESOURCES, policyRules } from './rbac-common.js';

/** `*` on verbs or resources grants everything that exists now and everything added later. */
export const wildcardRole: RuleSpec = {
  id: 'wildcard-role',
  severity: 'high',
  title: 'Wildcard role',
  description: 'Someone outside the control plane wrote a Role/ClusterRole with `*` in verbs or resources (all current and future permissions).',
  family: 'rbac',
  verbs: ['create', 'update', 'patch'],
  resources: ROLE_RESOURCES,
  stage: 'response',
  create: () => (ev, x) => {
    if (x.controlPlane || !succeeded(ev)) return null;
    if (!x.hasBody('wildcard-role')) return null;
    const body = x.requestObject();
    const wild = policyRules(body).filter((r) => r.verbs.includes('*') || r.resources.includes('*'));
    if (wild.length === 0) return null;
    const what = wild
      .slice(0, 3)
      .map((r) => `verbs [${r.verbs.join(',')}] on [${(r.resources.length > 0 ? r.resources : r.nonResourceURLs).join(',')}]`)
      .join('; ');
    const name = ev.name || bodyName(body);
    const detail = `wildcard rule ${what}`;
    const kind = ev.resource === 'clusterroles' ? 'clusterrole' : 'role';
    return { message: `${x.who} ${verbed(ev.verb)} ${kind} ${ev.namespace ? `${ev.namespace}/` : ''}${name} with ${detail}`, detail };
  },
};
