import { verbed } from '../describe.js';
import { succeeded, type RuleSpec } from '../rule.js';
import { bodyName } from './pod-security.js';
import { ROLE_RESOURCES, policyRules } from './rbac-common.js';

/** Verbs that lift their holder past RBAC itself. */
const ESCALATING_VERBS = new Set(['escalate', 'bind', 'impersonate']);
/** Resources whose use amounts to running as someone else or on the node. */
const ESCALATING_RESOURCES = new Set(['pods/exec', 'pods/attach', 'nodes/proxy', 'serviceaccounts/token', 'certificatesigningrequests/approval', 'signers']);

/** Roles that let their holder grant themselves more, or act as someone else. */
export const escalatingRole: RuleSpec = {
  id: 'escalating-role',
  severity: 'high',
  title: 'Escalating role',
  description:
    'Someone outside the control plane wrote a Role/ClusterRole granting escalate, bind or impersonate (high), or access to pods/exec, pods/attach, nodes/proxy, serviceaccounts/token, CSR approval or signers (medium).',
  family: 'rbac',
  verbs: ['create', 'update', 'patch'],
  resources: ROLE_RESOURCES,
  stage: 'response',
  create: () => (ev, x) => {
    if (x.controlPlane || !succeeded(ev)) return null;
    if (!x.hasBody('escalating-role')) return null;
    const body = x.requestObject();
    const found = new Set<string>();
    let rbacItself = false;
    for (const r of policyRules(body)) {
      for (const v of r.verbs) {
        if (!ESCALATING_VERBS.has(v)) continue;
        found.add(`${v} on ${r.resources.join(',') || '*'}`);
        rbacItself = true;
      }
      for (const res of r.resources) if (ESCALATING_RESOURCES.has(res)) found.add(`[${r.verbs.join(',')}] on ${res}`);
    }
    if (found.size === 0) return null;
    const detail = `grants ${[...found].slice(0, 4).join('; ')}`;
    const kind = ev.resource === 'clusterroles' ? 'clusterrole' : 'role';
    const name = ev.name || bodyName(body);
    // escalate/bind/impersonate defeat RBAC itself (high); exec, proxy, tokens and CSR approval are
    // powerful but common in operator and debug roles (medium)
    return { message: `${x.who} ${verbed(ev.verb)} ${kind} ${ev.namespace ? `${ev.namespace}/` : ''}${name} that ${detail}`, detail, severity: rbacItself ? 'high' : 'medium' };
  },
};
