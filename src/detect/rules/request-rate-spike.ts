import type { RuleSpec } from '../rule.js';

interface Rate {
  /** the minute (ts / windowMs) being counted for the baseline */
  bucket: number;
  count: number;
  /** exponentially weighted average of the identity's completed minutes */
  baseline: number;
  /** completed minutes behind the baseline */
  history: number;
  /** first seen after the warm-up: new, so it has no baseline to earn */
  fresh: boolean;
}

/** Weight of the latest minute in the baseline: ~3 minutes of memory, so a slow ramp-up is not a spike. */
const ALPHA = 0.3;

/**
 * One identity suddenly hammering the API: a runaway script, a scraper, enumeration. A spike is
 * relative to the identity's own baseline (a busy CI deployer at 30 requests/s is normal for it), and
 * at least `minCount` per minute. Identities already active at the start of the log must first show
 * `historyMinutes` of history; identities first seen later are new and have a baseline of zero.
 */
export const requestRateSpike: RuleSpec = {
  id: 'request-rate-spike',
  severity: 'medium',
  title: 'Request-rate spike',
  description:
    'A non-control-plane identity made at least `minCount` (600) requests within one `windowMs` (60 s of event time) and at least `factor` (5) times its own recent average. Identities active when the log starts need `historyMinutes` (5) of history first. One alert per identity per `quietMs` (10 min).',
  stage: 'final',
  params: { minCount: 600, factor: 5, windowMs: 60_000, historyMinutes: 5, warmupMs: 600_000, quietMs: 600_000 },
  create: (env) => {
    const p = env.params as Record<string, number>;
    const windowMs = p.windowMs as number;
    const rates = env.state.map<Rate>();
    const quiet = env.state.cooldown(p.quietMs as number);
    // the spike itself is measured over a sliding window, so one straddling a minute boundary counts whole
    const sliding = env.state.counter(windowMs);
    let start = NaN;
    return (ev, x) => {
      if (x.controlPlane || x.effectiveUser === '' || x.now !== x.now) return null;
      if (start !== start) start = x.now;
      const user = x.effectiveUser;
      const bucket = Math.floor(x.now / windowMs);
      let r = rates.get(user);
      if (r === undefined) {
        r = { bucket, count: 0, baseline: 0, history: 0, fresh: x.now - start >= (p.warmupMs as number) };
        rates.set(user, r);
      } else if (bucket > r.bucket) {
        const gap = bucket - r.bucket;
        r.baseline = ALPHA * r.count + (1 - ALPHA) * r.baseline;
        // minutes without requests pull the baseline down
        if (gap > 1) r.baseline *= Math.pow(1 - ALPHA, gap - 1);
        r.history += gap;
        r.bucket = bucket;
        r.count = 0;
      }
      r.count++;
      const n = sliding.add(user, x.now);
      const threshold = Math.max(p.minCount as number, (p.factor as number) * r.baseline);
      if (n < threshold || (!r.fresh && r.history < (p.historyMinutes as number))) return null;
      if (!quiet.take(user, x.now)) return null;
      const avg = Math.round(r.baseline);
      return {
        message: `${x.who} made ${n} requests within ${Math.round(windowMs / 1000)} s (usual: ${avg}/min; latest ${ev.verb} ${ev.resource || ev.uri})`,
      };
    };
  },
};
