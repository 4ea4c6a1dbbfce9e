import { verbed } from '../describe.js';
import { succeeded, type RuleSpec } from '../rule.js';
import { bodyName } from './pod-security.js';

type Obj = Record<string, unknown>;

/** A NodePort opens the service on every node's address, usually past the ingress and its controls. */
export const nodePortService: RuleSpec = {
  id: 'nodeport-service',
  severity: 'medium',
  title: 'NodePort service',
  description: 'Someone outside the control plane created or changed a Service to type NodePort (exposed on every node).',
  verbs: ['create', 'update', 'patch'],
  resources: ['services'],
  stage: 'response',
  create: () => (ev, x) => {
    if (x.controlPlane || !succeeded(ev)) return null;
    if (!x.hasBody('nodeport-service')) return null;
    const body = x.requestObject() as Obj | undefined;
    const spec = body && typeof body === 'object' ? (body.spec as Obj | undefined) : undefined;
    if (!spec || spec.type !== 'NodePort') return null;
    const ports = Array.isArray(spec.ports)
      ? spec.ports
          .map((p) => (p as Obj | null)?.nodePort)
          .filter((n): n is number => typeof n === 'number')
      : [];
    const name = ev.name || bodyName(body);
    return { message: `${x.who} ${verbed(ev.verb)} NodePort service ${ev.namespace}/${name}${ports.length > 0 ? ` on node port ${ports.join(', ')}` : ''}` };
  },
};
