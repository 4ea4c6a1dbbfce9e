import { describe, expect, it } from 'vitest';
import { inspectJson, redactText, viewText } from '../../src/state/redact.js';

const secretGet = JSON.stringify({
  kind: 'Event',
  auditID: 'a1',
  verb: 'get',
  user: { username: 'mallory@example.com' },
  objectRef: { resource: 'secrets', namespace: 'payments', name: 'db-creds' },
  responseObject: {
    metadata: {
      name: 'db-creds',
      annotations: { 'kubectl.kubernetes.io/last-applied-configuration': '{"apiVersion":"v1","data":{"password":"aHVudGVyMg=="},"kind":"Secret"}' },
    },
    data: { password: 'aHVudGVyMg==', username: 'YWRtaW4=' },
    stringData: { extra: 'plain-secret-value' },
    type: 'Opaque',
  },
});

describe('inspectJson', () => {
  it('pretty-prints with 2-space indent and typed tokens', () => {
    const v = inspectJson('{"a":1,"b":[true,null,"x"],"c":{}}');
    expect(viewText(v)).toBe(JSON.stringify({ a: 1, b: [true, null, 'x'], c: {} }, null, 2));
    expect(v.lines[1]!.tokens.map((t) => t.kind)).toEqual(['key', 'punct', 'number', 'punct']);
    expect(v.secrets).toBe(0);
  });

  it('redacts Secret data and stringData values of a secrets request, keeping the keys', () => {
    const v = inspectJson(secretGet);
    const text = viewText(v);
    expect(text).not.toContain('aHVudGVyMg==');
    expect(text).not.toContain('YWRtaW4=');
    expect(text).not.toContain('plain-secret-value');
    expect(text).toContain('"password": "<redacted 12 chars>"');
    expect(text).toContain('"username"');
    expect(text).toContain('"db-creds"');
    expect(v.secrets).toBe(4); // password, username, extra, last-applied annotation
    expect(() => JSON.parse(text)).not.toThrow(); // still valid JSON
  });

  it('reveals on request, marking the revealed values', () => {
    const v = inspectJson(secretGet, { reveal: true });
    const text = viewText(v);
    expect(text).toContain('aHVudGVyMg==');
    expect(text).toContain('plain-secret-value');
    expect(v.secrets).toBe(4);
    expect(v.lines.flatMap((l) => l.tokens).filter((t) => t.kind === 'revealed').length).toBe(4);
    expect(JSON.parse(text)).toEqual(JSON.parse(secretGet));
  });

  it('redacts the items of a secret list', () => {
    const raw = JSON.stringify({
      objectRef: { resource: 'secrets' },
      responseObject: { kind: 'SecretList', items: [{ metadata: { name: 's1' }, data: { k: 'c2VjcmV0MQ==' } }, { metadata: { name: 's2' }, data: { k: 'c2VjcmV0Mg==' } }] },
    });
    const text = viewText(inspectJson(raw));
    expect(text).not.toMatch(/c2VjcmV0/);
    expect(text).toContain('"s2"');
  });

  it('redacts patches of a secret: merge patches and JSON Patch operation values', () => {
    const merge = JSON.stringify({ verb: 'patch', objectRef: { resource: 'secrets', name: 's' }, requestObject: { data: { password: 'bWVyZ2U=' } } });
    expect(viewText(inspectJson(merge))).not.toContain('bWVyZ2U=');
    const jsonPatch = JSON.stringify({
      verb: 'patch',
      objectRef: { resource: 'secrets', name: 's' },
      requestObject: [
        { op: 'replace', path: '/data/password', value: 'anNvbnBhdGNo' },
        { op: 'add', path: '/data', value: { k: 'd2hvbGVtYXA=' } },
      ],
    });
    const text = viewText(inspectJson(jsonPatch));
    expect(text).not.toContain('anNvbnBhdGNo');
    expect(text).not.toContain('d2hvbGVtYXA=');
    expect(text).toContain('"/data/password"');
  });

  it('redacts a Secret created through any request that names its kind', () => {
    const raw = JSON.stringify({ objectRef: { resource: 'deployments' }, requestObject: { kind: 'List', items: [{ kind: 'Secret', data: { tls: 'LS0tLS1CRUdJTg==' } }] } });
    expect(viewText(inspectJson(raw))).not.toContain('LS0tLS1CRUdJTg==');
  });

  it('redacts TokenRequest status.token and TokenReview spec.token', () => {
    const jwt = 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJzeXN0ZW06c2EifQ.c2lnbmF0dXJlc2lnbmF0dXJl';
    const tr = JSON.stringify({ objectRef: { resource: 'serviceaccounts', subresource: 'token' }, responseObject: { kind: 'TokenRequest', status: { token: jwt, expirationTimestamp: '2026-11-21T11:00:00Z' } } });
    const rv = JSON.stringify({ objectRef: { resource: 'tokenreviews' }, requestObject: { kind: 'TokenReview', spec: { token: 'opaque-token-123' } } });
    const t1 = viewText(inspectJson(tr));
    expect(t1).not.toContain(jwt);
    expect(t1).toContain('2026-11-21T11:00:00Z');
    expect(viewText(inspectJson(rv))).not.toContain('opaque-token-123');
  });

  it('redacts bearer tokens, JWTs and private keys inside any string', () => {
    const raw = JSON.stringify({
      requestObject: {
        kind: 'ConfigMap',
        data: {
          'curl.sh': 'curl -H "Authorization: Bearer abcdefghijklmnop123456" https://x',
          'DB_PASSWORD': 'hunter2',
          'key.pem': '-----BEGIN RSA PRIVATE KEY-----\nMIIEow\n-----END RSA PRIVATE KEY-----',
          'note': 'sa token eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl here',
          'plain': 'nothing to see',
        },
      },
    });
    const v = inspectJson(raw);
    const text = viewText(v);
    expect(text).not.toContain('abcdefghijklmnop123456');
    expect(text).toContain('Bearer <redacted');
    expect(text).not.toContain('hunter2');
    expect(text).not.toContain('MIIEow');
    expect(text).not.toContain('c2lnbmF0dXJl');
    expect(text).toContain('"nothing to see"');
    expect(v.secrets).toBe(4);
  });

  it('redacts key=value credentials in free text (kubeconfig, URLs), keeping the key', () => {
    const kubeconfig = 'users:\n- name: admin\n  user:\n    token: abcdef123456\n    client-key-data: LS0tLS1CRUdJTiBSU0E=\n';
    const raw = JSON.stringify({ requestObject: { kind: 'ConfigMap', data: { kubeconfig, url: 'https://x/hook?token=s3cr3tvalue&x=1', note: 'ClusterRole "secret-reader" of user bob' } } });
    const text = viewText(inspectJson(raw));
    expect(text).not.toContain('abcdef123456');
    expect(text).not.toContain('LS0tLS1CRUdJTiBSU0E=');
    expect(text).not.toContain('s3cr3tvalue');
    expect(text).toContain('token: <redacted 12 chars>');
    expect(text).toContain('?token=<redacted 11 chars>&x=1');
    expect(text).toContain('ClusterRole \\"secret-reader\\" of user bob');
  });

  it('does not hide references to secrets', () => {
    const raw = JSON.stringify({ requestObject: { kind: 'Pod', spec: { volumes: [{ secret: { secretName: 'tls-cert' } }], containers: [{ env: [{ valueFrom: { secretKeyRef: { name: 'db', key: 'password' } } }] }] } } });
    const text = viewText(inspectJson(raw));
    expect(text).toContain('"tls-cert"');
    expect(text).toContain('"password"'); // a key name as a value, not a credential
  });

  it('escapes control and bidi characters in keys and strings so the view cannot drive the terminal', () => {
    const raw = JSON.stringify({ userAgent: 'x\u001b]0;pwned\u0007\u202Eabc\u009b2J', ['k\u202E']: 1 });
    const text = viewText(inspectJson(raw));
    expect(text).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/);
    expect(text).toContain('\\u001b]0;pwned\\u0007\\u202eabc\\u009b2J');
    expect(JSON.parse(text).userAgent).toBe('x\u001b]0;pwned\u0007\u202Eabc\u009b2J');
  });

  it('shows invalid JSON as escaped text and caps huge documents', () => {
    const v = inspectJson('{"broken": \u001b[2J');
    expect(v.invalid).toBe(true);
    expect(viewText(v)).toBe('{"broken": \\u001b[2J');
    const big = JSON.stringify({ items: Array.from({ length: 5000 }, (_, i) => ({ i })) });
    const capped = inspectJson(big, { maxLines: 100 });
    expect(capped.lines.length).toBe(100);
    expect(capped.omittedLines).toBeGreaterThan(0);
  });
});

describe('redactText', () => {
  it('hides credentials in free text such as an exec command', () => {
    expect(redactText(`sh -c 'curl -H "Authorization: Bearer abcdefghijklmnop" http://x'`)).toBe(`sh -c 'curl -H "Authorization: Bearer <redacted 16 chars>" http://x'`);
    expect(redactText('nothing here')).toBe('nothing here');
  });
});

describe('hostile input cannot stall redaction', () => {
  // each of these makes a backtracking pattern quadratic: minutes for these sizes, instead of ms
  it('long runs of key and token fragments', () => {
    const runs = ['token=' + 'token'.repeat(60_000), 'eyJa-'.repeat(60_000), 'x'.repeat(300_000), 'password_'.repeat(40_000) + ':x'];
    for (const r of runs) {
      const text = redactText(r);
      expect(typeof text).toBe('string');
      const view = inspectJson(JSON.stringify({ note: r }));
      expect(view.lines.length).toBeGreaterThan(0);
    }
  });

  it('still finds the credentials', () => {
    expect(redactText('DB_PASSWORD=hunter2secret')).toBe('DB_PASSWORD=<redacted 13 chars>');
    expect(redactText('secretName: my-tls-cert')).toBe('secretName: my-tls-cert');
    expect(redactText('{"access_token":"abcdef123456"}')).toBe('{"access_token":"<redacted 12 chars>"}');
    expect(redactText('id eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl end')).toBe('id <redacted 49 chars> end');
  });
});
