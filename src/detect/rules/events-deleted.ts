import { verbed, where } from '../describe.js';
import { succeeded, type RuleSpec } from '../rule.js';

/** Events expire on their own (TTL, no API call); deleting them by hand is covering tracks. */
export const eventsDeleted: RuleSpec = {
  id: 'events-deleted',
  severity: 'medium',
  title: 'Events deleted',
  description: 'Someone outside the control plane deleted Events (core or events.k8s.io); events expire on their own, so a manual delete hides history.',
  verbs: ['delete', 'deletecollection'],
  resources: ['events'],
  stage: 'response',
  create: () => (ev, x) => {
    if (x.controlPlane || !succeeded(ev)) return null;
    return { message: `${x.who} ${verbed(ev.verb)} ${ev.name ? `event ${where(ev)}` : `events ${where(ev)}`}` };
  },
};
