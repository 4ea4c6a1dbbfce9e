import { queryParams } from '../command.js';
import { succeeded, type RuleSpec } from '../rule.js';

/** Port-forwarding tunnels a workstation straight into a pod, around Services and NetworkPolicies. */
export const portForward: RuleSpec = {
  id: 'port-forward',
  severity: 'medium',
  title: 'Port-forward to pod',
  description: 'Someone outside the control plane opened pods/portforward (kubectl port-forward), tunnelling into a pod past Services and NetworkPolicies.',
  verbs: ['create', 'get'],
  resources: ['pods/portforward'],
  stage: 'response',
  create: () => (ev, x) => {
    if (x.controlPlane || !succeeded(ev)) return null;
    const ports = queryParams(ev.uri)
      .filter(([k]) => k === 'ports')
      .map(([, v]) => v);
    const pod = ev.namespace ? `${ev.namespace}/${ev.name}` : ev.name;
    return { message: `${x.who} port-forwarded to pod ${pod}${ports.length > 0 ? ` port ${ports.join(', ')}` : ''}` };
  },
};
