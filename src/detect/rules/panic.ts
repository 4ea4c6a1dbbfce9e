import { describeObject, type RuleSpec } from '../rule.js';

/** The API server panicked while serving a request: a bug, or someone found one. */
export const panicStage: RuleSpec = {
  id: 'panic',
  severity: 'high',
  title: 'API server panic',
  description: 'An event at stage Panic: the API server panicked while handling the request.',
  stage: 'any',
  create: () => (ev, x) => {
    if (ev.stage !== 'Panic') return null;
    return { message: `API server panicked on ${x.who}'s ${ev.verb} ${describeObject(ev)}${ev.reason ? `: ${ev.reason}` : ''}` };
  },
};
