import { WORKLOAD_RESOURCES } from '../pod-spec.js';
import { succeeded, type RuleSpec } from '../rule.js';
import { describeWorkload } from './pod-security.js';

/** Only the cluster's own machinery should be adding workloads or identities to kube-system. */
export const systemNamespaceWorkload: RuleSpec = {
  id: 'system-namespace-workload',
  severity: 'medium',
  title: 'Workload or ServiceAccount created in kube-system',
  description:
    'Someone outside the control plane created a pod, workload or ServiceAccount in a system namespace (`systemNamespaces`). Shares a family with kube-system-pod-image: one alert per request.',
  family: 'system-namespace',
  fallback: true,
  verbs: ['create'],
  resources: ['pods', 'serviceaccounts', ...WORKLOAD_RESOURCES],
  stage: 'response',
  lists: ['systemNamespaces'],
  create: (env) => (ev, x) => {
    if (x.controlPlane || !succeeded(ev) || !env.lists.systemNamespaces.has(ev.namespace)) return null;
    const body = ev.hasRequestObject ? x.requestObject() : undefined;
    return { message: `${x.who} created ${describeWorkload(ev, body)}` };
  },
};
