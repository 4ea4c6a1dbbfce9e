import { succeeded, type RuleSpec } from '../rule.js';

/** A minted token is a credential that outlives the session that asked for it. */
export const serviceAccountToken: RuleSpec = {
  id: 'serviceaccount-token',
  severity: 'medium',
  title: 'ServiceAccount token requested',
  description:
    'Someone outside the control plane minted a ServiceAccount token (serviceaccounts/token, `kubectl create token`). Kubelets requesting tokens for projected volumes are control plane and do not alert.',
  verbs: ['create'],
  resources: ['serviceaccounts/token'],
  stage: 'response',
  create: () => (ev, x) => {
    if (x.controlPlane || !succeeded(ev)) return null;
    return { message: `${x.who} requested a token for ServiceAccount ${ev.namespace}/${ev.name}` };
  },
};
