import { singular, verbed } from '../describe.js';
import { succeeded, type RuleSpec } from '../rule.js';
import { bodyName } from './pod-security.js';

const RESOURCES = [
  'mutatingwebhookconfigurations',
  'validatingwebhookconfigurations',
  'validatingadmissionpolicies',
  'validatingadmissionpolicybindings',
  'mutatingadmissionpolicies',
  'mutatingadmissionpolicybindings',
] as const;

/**
 * Admission webhooks see (and can rewrite) every object: a new one is a persistence and
 * interception point, a deleted one a disabled guard. Updates by workloads are skipped because
 * operators like cert-manager's cainjector rewrite caBundle all day; updates by people alert.
 */
export const admissionWebhookChange: RuleSpec = {
  id: 'admission-webhook-change',
  severity: 'high',
  title: 'Admission webhook or policy changed',
  description:
    'Someone outside the control plane created or deleted a mutating/validating webhook configuration or admission policy, or a person changed one (workload updates are routine caBundle injection).',
  verbs: ['create', 'update', 'patch', 'delete', 'deletecollection'],
  resources: RESOURCES,
  stage: 'response',
  create: () => (ev, x) => {
    if (x.controlPlane || !succeeded(ev)) return null;
    if ((ev.verb === 'update' || ev.verb === 'patch') && x.kind !== 'person') return null;
    const name = ev.name || (ev.hasRequestObject ? bodyName(x.requestObject()) : '');
    return { message: `${x.who} ${verbed(ev.verb)} ${singular(ev.resource)} ${name}`.trimEnd() };
  },
};
