import { formatDuration } from '../describe.js';
import { describeObject, type RuleSpec } from '../rule.js';

/** Requests that are long by nature: streams and tunnels, not slowness. */
const LONG_RUNNING_SUBRESOURCES = new Set(['exec', 'attach', 'portforward', 'proxy', 'log']);

/** A plain request taking many seconds means a struggling API server, etcd, or a webhook timing out. */
export const slowRequest: RuleSpec = {
  id: 'slow-request',
  severity: 'low',
  title: 'Slow request',
  description:
    'A request took at least `latencyMs` (10 s) from receipt to completion. Watches, `?watch=true`, exec/attach/port-forward/proxy and pod logs are long by nature and skipped.',
  stage: 'final',
  params: { latencyMs: 10_000 },
  create: (env) => (ev, x) => {
    if (ev.latencyMs < (env.params.latencyMs as number) || ev.verb === 'watch') return null;
    if (LONG_RUNNING_SUBRESOURCES.has(ev.subresource) || ev.uri.includes('watch=true') || ev.uri.includes('watch=1')) return null;
    return { message: `${x.who}: ${ev.verb} ${describeObject(ev)} took ${formatDuration(ev.latencyMs)} (→ ${ev.code || 'no status'})`, key: `${ev.verb} ${ev.resource}` };
  },
};
