import { where } from '../describe.js';
import { succeeded, type RuleSpec } from '../rule.js';

/**
 * Controllers and operators read secrets all day through client libraries; people reading them, or a
 * workload doing it with curl, is how credentials leave the cluster.
 */
export const secretRead: RuleSpec = {
  id: 'secret-read',
  severity: 'medium',
  title: 'Secret read',
  description:
    'A person read (get/list/watch) secrets, the `default` ServiceAccount of a namespace or a workload outside its own namespace did, or any non-control-plane identity did so with a suspicious user agent (`suspiciousUserAgents`: curl, wget, python-requests, Go-http-client, …). Helm release secrets (`sh.helm.release.v1.*`, `owner=helm`) are not credentials and are skipped. Fallback of the secrets family (cluster-wide listing alerts instead).',
  family: 'secrets',
  fallback: true,
  verbs: ['get', 'list', 'watch'],
  resources: ['secrets'],
  stage: 'response',
  lists: ['suspiciousUserAgents', 'personUsers'],
  create: (env) => (ev, x) => {
    if (x.controlPlane || !succeeded(ev)) return null;
    const person = x.kind === 'person' || (ev.impersonatedUser !== '' && x.classify(ev.impersonatedUser) === 'person');
    const ua = ev.userAgent.toLowerCase();
    const suspicious = ua !== '' && env.lists.suspiciousUserAgents.has(ua);
    // Workloads are watched too (issue 4), but operators reading their own namespace's secrets is
    // their job: a workload alerts when it is a namespace's `default` ServiceAccount (it never asked
    // for an identity, let alone secrets) or reads another namespace's secrets.
    let odd = '';
    const sa = /^system:serviceaccount:([^:]+):(.+)$/.exec(x.effectiveUser);
    if (!person && !suspicious && sa) {
      if (sa[2] === 'default') odd = ` (as the default ServiceAccount of ${sa[1]})`;
      else if (ev.namespace !== '' && ev.namespace !== sa[1]) odd = ` (outside its namespace ${sa[1]})`;
    }
    if (!person && !suspicious && odd === '') return null;
    // Helm keeps release state in Secrets of its own; `helm list/status/upgrade` reading them is not a credential read
    if (ev.name.startsWith('sh.helm.release.v1.') || /[?&]labelSelector=[^&]*owner%3Dhelm/i.test(ev.uri)) return null;
    const via = suspicious ? ` with ${ev.userAgent.split(' ')[0]}` : odd;
    const what = ev.name ? `secret ${where(ev)}` : `secrets ${where(ev)}`;
    const verb = ev.verb === 'get' ? 'read' : ev.verb === 'list' ? 'listed' : 'watched';
    return { message: `${x.who} ${verb} ${what}${via}`, detail: `${verb} ${what}${via}` };
  },
};
