import { hostPathFindings } from '../pod-spec.js';
import { podSecurityRule } from './pod-security.js';

/** hostPath on /, /etc, the container runtime socket or the kubelet's directory hands over the node. */
export const sensitiveHostPath = podSecurityRule({
  id: 'sensitive-hostpath',
  severity: 'high',
  title: 'Sensitive hostPath mount',
  description: 'A pod or workload template mounts a host path on the `sensitiveHostPaths` list (/, /etc, /proc, runtime sockets, /var/lib/kubelet, …).',
  lists: ['sensitiveHostPaths'],
  findings: (spec, lists) => hostPathFindings(spec, lists),
});
