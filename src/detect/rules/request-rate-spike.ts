import { Cooldown, WindowCounter } from '../state.js';
import type { RuleSpec } from '../rule.js';

/** One identity suddenly hammering the API: a runaway script, a scraper or enumeration. */
export const requestRateSpike: RuleSpec = {
  id: 'request-rate-spike',
  severity: 'medium',
  title: 'Request-rate spike',
  description:
    'A non-control-plane identity made at least `count` (1200) requests within `windowMs` (60 s of event time, 20 requests/s sustained). One alert per identity per `quietMs` (10 min).',
  stage: 'final',
  params: { count: 1200, windowMs: 60_000, quietMs: 600_000 },
  create: (env) => {
    const counts = new WindowCounter(env.params.windowMs as number, env.maxKeys);
    const quiet = new Cooldown(env.params.quietMs as number, env.maxKeys);
    return (ev, x) => {
      if (x.controlPlane || x.effectiveUser === '') return null;
      const n = counts.add(x.effectiveUser, x.now);
      if (n < (env.params.count as number) || !quiet.take(x.effectiveUser, x.now)) return null;
      return { message: `${x.who} made ${n} requests within ${Math.round((env.params.windowMs as number) / 1000)} s (latest ${ev.verb} ${ev.resource || ev.uri})` };
    };
  },
};
