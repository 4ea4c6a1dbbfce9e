import { verbed } from '../describe.js';
import { succeeded, type RuleSpec } from '../rule.js';
import { bodyName } from './pod-security.js';

type Obj = Record<string, unknown>;

/**
 * Data keys that END in a credential word once split into words (`DB_PASSWORD`, `apiKey`,
 * `AWS_SECRET_ACCESS_KEY`, `secret`), not keys that merely mention one (`SECRET_NAME`, `tokenPath`).
 */
const KEY = /(?:^|_)(?:password|passwd|pwd|secret|token|api_?key|private_?key|credentials?|access_?key|client_secret)$/;

function keyWords(k: string): string {
  return k
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .replace(/[.\-\s]+/g, '_')
    .toLowerCase();
}

/** A value that is a reference to a secret, not one: empty, `${VAR}`, a file path. */
function isReference(v: string): boolean {
  const t = v.trim();
  return t === '' || /^\$\{[^}]*\}$/.test(t) || /^\/[^\s]*$/.test(t);
}
/** Values that are a credential whatever the key: private keys, AWS keys, `password=…` lines with a literal value. */
const VALUE = [
  /-----BEGIN (?:RSA |EC |DSA |OPENSSH |ENCRYPTED )?PRIVATE KEY-----/,
  /\b(?:AKIA|ASIA)[0-9A-Z]{16}\b/,
  /(?:password|passwd|secret|token|api[_-]?key)["']?\s*[:=]\s*["']?(?![$%{<])[^\s"'$]{6,}/i,
];

/** Credentials belong in Secrets (encrypted at rest, separately authorised); in a ConfigMap anyone with read on configmaps has them. */
export const configMapCredentials: RuleSpec = {
  id: 'configmap-credentials',
  severity: 'medium',
  title: 'Credentials in a ConfigMap',
  description:
    'Someone outside the control plane wrote a ConfigMap whose keys look like credentials (password, token, api_key, …) or whose values hold a private key, an AWS access key or a literal `password=…`.',
  verbs: ['create', 'update', 'patch'],
  resources: ['configmaps'],
  stage: 'response',
  create: () => (ev, x) => {
    if (x.controlPlane || !succeeded(ev)) return null;
    if (!x.hasBody('configmap-credentials')) return null;
    const body = x.requestObject() as Obj | undefined;
    const data = body && typeof body === 'object' ? (body.data as Obj | undefined) : undefined;
    if (!data || typeof data !== 'object') return null;
    const found: string[] = [];
    for (const [k, v] of Object.entries(data)) {
      if (typeof v !== 'string') continue;
      // a key named like a credential holding an empty value or a reference is configuration, not a secret
      if (KEY.test(keyWords(k)) && !isReference(v)) found.push(k);
      else if (VALUE.some((re) => re.test(v))) found.push(k);
    }
    if (found.length === 0) return null;
    const name = ev.name || bodyName(body);
    return { message: `${x.who} ${verbed(ev.verb)} configmap ${ev.namespace}/${name} with credential-like data in ${found.slice(0, 5).join(', ')}` };
  },
};
