import { describeObject, type RuleSpec } from '../rule.js';
import { isAnonymous } from './anonymous-allowed.js';

/** Denied anonymous requests are scanners knocking: low, but the address is worth knowing. */
export const anonymousDenied: RuleSpec = {
  id: 'anonymous-denied',
  severity: 'low',
  title: 'Anonymous request denied',
  description: 'An unauthenticated (system:anonymous) request was refused (401/403). Health endpoints never alert.',
  stage: 'response',
  create: () => (ev) => {
    if (!isAnonymous(ev) || (ev.code !== 401 && ev.code !== 403)) return null;
    return { message: `anonymous request from ${ev.sourceIP || 'unknown address'} denied (${ev.code}): ${ev.verb} ${describeObject(ev)}`, key: ev.sourceIP };
  },
};
