import { succeeded, type RuleSpec } from '../rule.js';
import { bodyName } from './pod-security.js';

type Obj = Record<string, unknown>;

/** A CSR is a request for a cluster credential; outside node bootstrap, people rarely need one. */
export const csrCreated: RuleSpec = {
  id: 'csr-created',
  severity: 'medium',
  title: 'Certificate signing request created',
  description:
    'Someone outside the control plane and node bootstrap (`nodeBootstrapUsers`) created a CertificateSigningRequest; the signer is named when the body is logged.',
  verbs: ['create'],
  resources: ['certificatesigningrequests'],
  stage: 'response',
  lists: ['nodeBootstrapUsers'],
  create: (env) => (ev, x) => {
    if (x.controlPlane || !succeeded(ev) || env.lists.nodeBootstrapUsers.has(ev.user)) return null;
    let signer = '';
    let name = ev.name;
    if (ev.hasRequestObject) {
      const body = x.requestObject();
      name ||= bodyName(body);
      const spec = (body as Obj | undefined)?.spec as Obj | undefined;
      if (spec && typeof spec.signerName === 'string') signer = ` for signer ${spec.signerName}`;
    }
    return { message: `${x.who} created CSR ${name || '(unnamed)'}${signer}` };
  },
};
