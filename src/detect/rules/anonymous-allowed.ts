import { describeObject, succeeded, type RuleSpec } from '../rule.js';
import type { AuditEvent } from '../../model/event.js';
import type { Lists } from '../lists.js';

export function isAnonymous(ev: AuditEvent): boolean {
  return ev.user === 'system:anonymous' || (ev.user === '' && ev.groups.includes('system:unauthenticated'));
}

export function isPublicInfo(ev: AuditEvent, lists: Lists): boolean {
  if (ev.resource !== '') return false;
  const q = ev.uri.indexOf('?');
  return lists.publicInfoPaths.has(q === -1 ? ev.uri : ev.uri.slice(0, q));
}

/** An API server that answers anonymous requests beyond health and version is misconfigured or bound wrong. */
export const anonymousAllowed: RuleSpec = {
  id: 'anonymous-allowed',
  severity: 'high',
  title: 'Anonymous request allowed',
  description:
    'An unauthenticated (system:anonymous) request succeeded. Health endpoints never alert and the default public-info paths (`publicInfoPaths`: /version, OIDC discovery) are skipped.',
  stage: 'response',
  lists: ['healthPaths', 'publicInfoPaths'],
  create: (env) => (ev) => {
    if (!isAnonymous(ev) || !succeeded(ev) || isPublicInfo(ev, env.lists)) return null;
    return { message: `anonymous request from ${ev.sourceIP || 'unknown address'} allowed: ${ev.verb} ${describeObject(ev)}`, key: ev.sourceIP };
  },
};
