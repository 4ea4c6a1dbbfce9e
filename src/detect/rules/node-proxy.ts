import { succeeded, type RuleSpec } from '../rule.js';

/** nodes/proxy reaches the kubelet API (exec, run, logs) without pods/exec ever being audited. */
export const nodeProxy: RuleSpec = {
  id: 'node-proxy',
  severity: 'high',
  title: 'Kubelet API via nodes/proxy',
  description: 'Someone outside the control plane used nodes/proxy: direct kubelet API access (exec and run on the node) that bypasses pods/exec auditing.',
  resources: ['nodes/proxy'],
  stage: 'response',
  create: () => (ev, x) => {
    if (x.controlPlane || !succeeded(ev)) return null;
    const q = ev.uri.indexOf('/proxy/');
    const path = q === -1 ? '' : ev.uri.slice(q + 6);
    return { message: `${x.who} reached the kubelet API of node ${ev.name} via nodes/proxy${path ? `: ${ev.verb} ${path}` : ''}` };
  },
};
