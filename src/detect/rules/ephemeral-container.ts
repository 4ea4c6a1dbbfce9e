import { containersOf } from '../pod-spec.js';
import { succeeded, type RuleSpec } from '../rule.js';

type Obj = Record<string, unknown>;

/** kubectl debug injects a container (any image, any privileges) into a running pod. */
export const ephemeralContainer: RuleSpec = {
  id: 'ephemeral-container',
  severity: 'high',
  title: 'Ephemeral container added',
  description:
    'Someone outside the control plane added an ephemeral container to a running pod (pods/ephemeralcontainers, e.g. `kubectl debug`): a new process with its own image inside the pod.',
  verbs: ['update', 'patch'],
  resources: ['pods/ephemeralcontainers'],
  stage: 'response',
  create: () => (ev, x) => {
    if (x.controlPlane || !succeeded(ev)) return null;
    let images = '';
    if (ev.hasRequestObject) {
      const body = x.requestObject() as Obj | undefined;
      const spec = body && typeof body === 'object' ? (body.spec as Obj | undefined) : undefined;
      const found = spec && typeof spec === 'object' ? containersOf({ ephemeralContainers: spec.ephemeralContainers }) : [];
      const list = found.filter((c) => c.image !== '').map((c) => c.image);
      if (list.length > 0) images = ` (image ${[...new Set(list)].join(', ')})`;
    }
    return { message: `${x.who} added an ephemeral container to pod ${ev.namespace}/${ev.name}${images}` };
  },
};
