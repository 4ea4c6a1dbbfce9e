import { thing, verbed } from '../describe.js';
import { CidrSet } from '../patterns.js';
import { MUTATING_VERBS, type RuleSpec } from '../rule.js';

/** Changes should come from the admin network or the cluster; a write from anywhere else is a stolen credential in use. */
export const untrustedSourceIP: RuleSpec = {
  id: 'untrusted-source-ip',
  severity: 'medium',
  title: 'Change from outside the allowlist',
  description:
    'A create/update/patch/delete by a non-control-plane identity came from a source IP outside `sourceIPAllowlist` (default: private, loopback, link-local and CGNAT ranges). Add your admin and CI networks. Addresses that do not parse are skipped.',
  verbs: MUTATING_VERBS,
  stage: 'response',
  lists: ['sourceIPAllowlist'],
  create: (env) => (ev, x) => {
    if (x.controlPlane || ev.sourceIP === '' || env.lists.sourceIPAllowlist.contains(ev.sourceIP)) return null;
    // a redacted or junk address ("99.999.999.999") says nothing about where the request came from
    if (!CidrSet.isAddress(ev.sourceIP)) return null;
    const denied = ev.code >= 400 ? ` (denied: ${ev.code})` : '';
    return { message: `${x.who} from ${ev.sourceIP}: ${verbed(ev.verb)} ${thing(ev)}${denied}`, key: ev.sourceIP };
  },
};
