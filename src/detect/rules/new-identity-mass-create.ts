import { succeeded, type RuleSpec } from '../rule.js';

/**
 * A freshly seen identity that immediately creates lots of objects: a new token put to work (crypto
 * miners, a compromised CI credential). "New" means first seen after a warm-up of `warmupMs` from
 * the first event (before that auditop has no history to compare with) and less than `newForMs` ago.
 * First-seen times are bounded (`maxKeys`); an identity evicted and seen again counts as new.
 */
export const newIdentityMassCreate: RuleSpec = {
  id: 'new-identity-mass-create',
  severity: 'medium',
  title: 'New identity creating many objects',
  description:
    'An identity first seen less than `newForMs` (1 h) ago, and not during the first `warmupMs` (10 min) of the log, created at least `count` (20) objects within `windowMs` (5 min). Control plane excluded.',
  stage: 'final',
  params: { count: 20, windowMs: 300_000, newForMs: 3_600_000, warmupMs: 600_000 },
  create: (env) => {
    const p = env.params as Record<string, number>;
    const firstSeen = env.state.map<number>(5);
    const creates = env.state.counter(p.windowMs as number);
    const quiet = env.state.cooldown(p.newForMs as number);
    let start = NaN;
    return (ev, x) => {
      if (x.controlPlane || x.effectiveUser === '' || x.now !== x.now) return null;
      if (start !== start) start = x.now;
      const user = x.effectiveUser;
      let seen = firstSeen.get(user);
      if (seen === undefined) {
        // seen during warm-up: treated as established (auditop did not see its history)
        seen = x.now - start < (p.warmupMs as number) ? -Infinity : x.now;
        firstSeen.set(user, seen);
      }
      if (ev.verb !== 'create' || !succeeded(ev) || x.now - seen > (p.newForMs as number)) return null;
      const n = creates.add(user, x.now);
      if (n < (p.count as number) || !quiet.take(user, x.now)) return null;
      const mins = Math.max(1, Math.round((x.now - seen) / 60_000));
      return { message: `${x.who}, first seen ${mins} min ago, created ${n} objects within ${Math.round((p.windowMs as number) / 60_000)} min (latest ${ev.resource} in ${ev.namespace || 'cluster scope'})` };
    };
  },
};
