import { podSpecsOf, unknownImages } from '../pod-spec.js';
import { succeeded, type RuleSpec } from '../rule.js';
import { describeWorkload } from './pod-security.js';

/**
 * Pods in kube-system/kube-public are judged by image, whoever created them: a controller creates
 * pods on behalf of whoever wrote the deployment, so the creator says nothing (SPEC §5).
 */
export const kubeSystemPodImage: RuleSpec = {
  id: 'kube-system-pod-image',
  severity: 'high',
  title: 'Unknown image in kube-system',
  description:
    'A pod in a system namespace (`systemNamespaces`: kube-system, kube-public) runs an image that is not on the `systemImages` list, whoever created it (controllers included).',
  family: 'system-namespace',
  verbs: ['create'],
  resources: ['pods'],
  stage: 'response',
  lists: ['systemNamespaces', 'systemImages'],
  create: (env) => (ev, x) => {
    if (!succeeded(ev) || !env.lists.systemNamespaces.has(ev.namespace)) return null;
    if (!x.hasBody('kube-system-pod-image')) return null;
    const body = x.requestObject();
    const images: string[] = [];
    for (const spec of podSpecsOf('pods', body)) for (const i of unknownImages(spec, env.lists)) if (!images.includes(i)) images.push(i);
    if (images.length === 0) return null;
    const detail = `image ${images.join(', ')} not on the system-image list`;
    return { message: `${x.who} created ${describeWorkload(ev, body)} running ${detail}`, detail, key: ev.namespace };
  },
};
