import { succeeded, type RuleSpec } from '../rule.js';

/** `kubectl auth can-i --list` and floods of access reviews are how an intruder maps what a token can do. */
export const permissionEnumeration: RuleSpec = {
  id: 'permission-enumeration',
  severity: 'medium',
  title: 'Permission enumeration',
  description:
    'A non-control-plane identity asked for its full rule list (selfsubjectrulesreviews, `kubectl auth can-i --list`), or created at least `count` (20) selfsubjectaccessreviews within `windowMs` (60 s).',
  verbs: ['create'],
  resources: ['selfsubjectrulesreviews', 'selfsubjectaccessreviews'],
  stage: 'response',
  params: { count: 20, windowMs: 60_000 },
  create: (env) => {
    const counts = env.state.counter(env.params.windowMs as number);
    const quiet = env.state.cooldown(env.params.windowMs as number);
    return (ev, x) => {
      if (x.controlPlane || !succeeded(ev)) return null;
      const ns = ev.namespace ? ` in namespace ${ev.namespace}` : '';
      if (ev.resource === 'selfsubjectrulesreviews') return { message: `${x.who} listed its own permissions${ns} (kubectl auth can-i --list)` };
      const n = counts.add(x.effectiveUser, x.now);
      if (n < (env.params.count as number) || !quiet.take(x.effectiveUser, x.now)) return null;
      return { message: `${x.who} checked ${n} permissions (selfsubjectaccessreviews) within ${Math.round((env.params.windowMs as number) / 1000)} s` };
    };
  },
};
