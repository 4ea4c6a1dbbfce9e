import { capabilityFindings } from '../pod-spec.js';
import { podSecurityRule } from './pod-security.js';

/** SYS_ADMIN and friends are container escapes waiting to happen. */
export const dangerousCapabilities = podSecurityRule({
  id: 'dangerous-capabilities',
  severity: 'high',
  title: 'Dangerous capabilities added',
  description: 'A pod or workload template adds a Linux capability on the `dangerousCapabilities` list (ALL, SYS_ADMIN, SYS_PTRACE, SYS_MODULE, NET_ADMIN, BPF, …).',
  lists: ['dangerousCapabilities'],
  findings: (spec, lists) => capabilityFindings(spec, lists),
});
