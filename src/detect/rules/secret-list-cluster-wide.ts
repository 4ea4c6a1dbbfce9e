import { succeeded, type RuleSpec } from '../rule.js';

/** Listing every secret in the cluster is credential harvesting unless you are the control plane. */
export const secretListClusterWide: RuleSpec = {
  id: 'secret-list-cluster-wide',
  severity: 'high',
  title: 'Cluster-wide secret listing',
  description: 'A non-control-plane identity listed secrets across all namespaces (`kubectl get secrets -A`).',
  family: 'secrets',
  verbs: ['list'],
  resources: ['secrets'],
  stage: 'response',
  create: () => (ev, x) => {
    if (x.controlPlane || !succeeded(ev) || ev.namespace !== '') return null;
    return { message: `${x.who} listed secrets in all namespaces`, detail: 'listed secrets in all namespaces' };
  },
};
