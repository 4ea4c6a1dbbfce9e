import type { RuleSpec } from '../rule.js';

/** Ten refusals a minute is someone trying doors: a stolen token probing, or a scanner. */
export const authFailureBurst: RuleSpec = {
  id: 'auth-failure-burst',
  severity: 'medium',
  title: 'Burst of 401/403',
  description:
    'At least `count` (10) requests refused with 401 or 403 within `windowMs` (60 s of event time) for one identity, or for one source IP when the caller is unauthenticated. One alert per burst (the key then stays quiet for a window).',
  stage: 'final',
  params: { count: 10, windowMs: 60_000 },
  create: (env) => {
    const counts = env.state.counter(env.params.windowMs as number);
    const quiet = env.state.cooldown(env.params.windowMs as number);
    return (ev, x) => {
      if (ev.code !== 401 && ev.code !== 403) return null;
      const byUser = x.effectiveUser !== '' && x.kind !== 'anonymous' && x.effectiveUser !== 'system:anonymous';
      const key = byUser ? `u:${x.effectiveUser}` : `ip:${ev.sourceIP}`;
      const n = counts.add(key, x.now);
      if (n < (env.params.count as number) || !quiet.take(key, x.now)) return null;
      const secs = Math.round((env.params.windowMs as number) / 1000);
      const who = byUser ? x.who : `unauthenticated callers from ${ev.sourceIP || 'unknown address'}`;
      return { message: `${who}: ${n} requests refused (401/403) within ${secs} s, latest ${ev.verb} ${ev.resource || ev.uri} → ${ev.code}`, key };
    };
  },
};
