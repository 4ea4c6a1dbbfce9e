import { succeeded, type RuleSpec } from '../rule.js';
import { bodyName } from './pod-security.js';
import { BINDING_RESOURCES, bindingOf, describeSubject } from './rbac-common.js';

/** Everyone-groups: a binding to them grants the role to every (even anonymous) caller. */
const EVERYONE = new Set(['system:anonymous', 'system:unauthenticated', 'system:authenticated']);

/** Handing out cluster-admin (or an equivalent) is how a foothold becomes the cluster. */
export const privilegedBinding: RuleSpec = {
  id: 'privileged-binding',
  severity: 'critical',
  title: 'Privileged role binding',
  description:
    'Someone outside the control plane bound a powerful role (`privilegedRoles`: cluster-admin, admin, the controller-manager and controller roles, system:node, …), bound a role to a powerful group (`privilegedGroups`, e.g. system:masters), or bound any role to anonymous/all users.',
  family: 'rbac',
  verbs: ['create', 'update', 'patch'],
  resources: BINDING_RESOURCES,
  stage: 'response',
  lists: ['privilegedRoles', 'privilegedGroups'],
  create: (env) => (ev, x) => {
    if (x.controlPlane || !succeeded(ev)) return null;
    if (!x.hasBody('privileged-binding')) return null;
    const body = x.requestObject();
    const b = bindingOf(body);
    if (!b) return null;
    const everyone = b.subjects.filter((s) => EVERYONE.has(s.name));
    const powerfulGroup = b.subjects.filter((s) => s.kind === 'Group' && env.lists.privilegedGroups.has(s.name));
    // roleRef is immutable, so a patch adding subjects has none: the default bindings share their role's name
    const roleName = b.roleName || (ev.verb === 'patch' ? ev.name : '');
    const powerfulRole = roleName !== '' && env.lists.privilegedRoles.has(roleName);
    if (!powerfulRole && everyone.length === 0 && powerfulGroup.length === 0) return null;
    const to = b.subjects.length > 0 ? b.subjects.map(describeSubject).join(', ') : 'no subjects yet';
    const name = ev.name || bodyName(body);
    const kind = ev.resource === 'clusterrolebindings' ? 'clusterrolebinding' : 'rolebinding';
    const obj = ev.namespace ? `${ev.namespace}/${name}` : name;
    const detail = `${b.roleKind || 'role'} ${roleName || '?'} bound to ${to}`;
    return { message: `${x.who} ${ev.verb === 'create' ? 'created' : 'changed'} ${kind} ${obj}: ${detail}`, detail };
  },
};
