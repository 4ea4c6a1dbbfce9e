import { privilegeFindings } from '../pod-spec.js';
import { podSecurityRule } from './pod-security.js';

/** A privileged container or a host namespace is the node, not a container. */
export const privilegedPod = podSecurityRule({
  id: 'privileged-pod',
  severity: 'high',
  title: 'Privileged pod or workload',
  description:
    'A pod or workload template (deployment, daemonset, statefulset, replicaset, job, cronjob) with a privileged container or hostNetwork/hostPID/hostIPC, written by anyone outside the control plane.',
  lists: [],
  findings: (spec) => privilegeFindings(spec),
});
