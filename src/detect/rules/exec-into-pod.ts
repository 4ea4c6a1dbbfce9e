import { decodeExec, formatArgv } from '../command.js';
import { succeeded, type RuleSpec } from '../rule.js';

/** Interactive access to a running container: the classic post-compromise move, and always worth a look. */
export const execIntoPod: RuleSpec = {
  id: 'exec-into-pod',
  severity: 'high',
  title: 'Exec/attach into pod',
  description:
    'Someone outside the control plane opened pods/exec or pods/attach (kubectl exec/attach, SPDY or WebSocket). The message carries the full command decoded from every `command=` parameter, in order.',
  verbs: ['create', 'get'],
  resources: ['pods/exec', 'pods/attach'],
  // ResponseStarted (101 Switching Protocols) already carries the outcome; the engine dedupes ResponseComplete
  stage: 'response',
  create: () => (ev, x) => {
    if (x.controlPlane || !succeeded(ev)) return null;
    const r = decodeExec(ev.uri);
    const pod = ev.namespace ? `${ev.namespace}/${ev.name}` : ev.name;
    const container = r.container ? ` (container ${r.container})` : '';
    if (ev.subresource === 'attach') {
      return { message: `${x.who} attached to pod ${pod}${container}${r.tty ? ' with a TTY' : ''}`, key: `${x.effectiveUser}\u0000${pod}` };
    }
    const cmd = r.argv.length > 0 ? formatArgv(r.argv) : '(no command)';
    return { message: `${x.who} exec into pod ${pod}${container}: ${cmd}`, key: `${x.effectiveUser}\u0000${pod}` };
  },
};
