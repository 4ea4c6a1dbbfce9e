import { succeeded, type RuleSpec } from '../rule.js';

type Obj = Record<string, unknown>;

/** Approving a CSR mints a credential; the csrapproving controller does it for kubelets, people should not. */
export const csrApproved: RuleSpec = {
  id: 'csr-approved',
  severity: 'high',
  title: 'Certificate signing request approved',
  description: 'Someone outside the control plane approved (or denied) a CertificateSigningRequest (certificatesigningrequests/approval).',
  verbs: ['update', 'patch'],
  resources: ['certificatesigningrequests/approval'],
  stage: 'response',
  create: () => (ev, x) => {
    if (x.controlPlane || !succeeded(ev)) return null;
    let decision = 'approved';
    if (ev.hasRequestObject) {
      const conds = ((x.requestObject() as Obj | undefined)?.status as Obj | undefined)?.conditions;
      if (Array.isArray(conds) && conds.some((c) => (c as Obj | null)?.type === 'Denied')) decision = 'denied';
    }
    return { message: `${x.who} ${decision} CSR ${ev.name}` };
  },
};
