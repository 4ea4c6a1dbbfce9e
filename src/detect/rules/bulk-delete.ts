import { verbed, where } from '../describe.js';
import { succeeded, type RuleSpec } from '../rule.js';

/** Mass deletion is how ransomware and fat fingers both look. */
export const bulkDelete: RuleSpec = {
  id: 'bulk-delete',
  severity: 'high',
  title: 'Bulk delete',
  description:
    'Someone outside the control plane deleted a whole collection (deletecollection), or deleted at least `count` (20) objects within `windowMs` (60 s). One alert per burst.',
  family: 'delete',
  verbs: ['delete', 'deletecollection'],
  stage: 'response',
  params: { count: 20, windowMs: 60_000 },
  create: (env) => {
    const counts = env.state.counter(env.params.windowMs as number);
    const quiet = env.state.cooldown(env.params.windowMs as number);
    return (ev, x) => {
      if (x.controlPlane || !succeeded(ev)) return null;
      if (ev.verb === 'deletecollection') {
        const d = `deleted all ${ev.resource} ${where(ev)}`;
        return { message: `${x.who} ${d}`, detail: 'a whole collection' };
      }
      const n = counts.add(x.effectiveUser, x.now);
      if (n < (env.params.count as number) || !quiet.take(x.effectiveUser, x.now)) return null;
      const secs = Math.round((env.params.windowMs as number) / 1000);
      return { message: `${x.who} deleted ${n} objects within ${secs} s (latest ${verbed(ev.verb)} ${ev.resource} ${where(ev)})`, detail: `${n} deletes within ${secs} s` };
    };
  },
};
