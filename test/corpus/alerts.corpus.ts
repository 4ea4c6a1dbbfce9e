import { execFile } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { cli, findCorpus, repo } from './corpus-dir.js';
import { cliEnv } from '../cli/run-cli.js';

const corpus = findCorpus();

/**
 * Every alert the built-in rules raise on the third-party corpus, reviewed by hand: each one is an
 * alert a reviewer agrees with (the reasons are in the comments). Files not listed raise none.
 * [rule, severity, user, message]
 */
const EXPECTED: Record<string, Array<[string, string, string, string]>> = {
  // A cluster admin impersonating users and a ServiceAccount (audit2rbac's demo): one alert per
  // impersonator→target pair per 10 minutes, so bob appears twice over the 34-minute log.
  'audit2rbac/demo.log': [
    ['impersonation', 'medium', 'system:admin', 'system:admin impersonated bob: list pods in default (denied: 403)'],
    ['impersonation', 'medium', 'system:admin', 'system:admin impersonated system:serviceaccount:ns1:sa1: list pods in default (denied: 403)'],
    ['impersonation', 'medium', 'system:admin', 'system:admin impersonated bob: get /api'],
    ['impersonation', 'medium', 'system:admin', 'system:admin impersonated alice: list pods in ns1 (denied: 403)'],
  ],
  // A person exec'ing into the API server's own pod to read its audit log.
  'openshift/audit_in.log': [
    [
      'exec-into-pod',
      'high',
      'kube:admin',
      "kube:admin exec into pod openshift-kube-apiserver/kube-apiserver-oscar7 (container kube-apiserver): sh -c 'cat /var/log/kube-apiserver/audit.log | tail -n 100'",
    ],
  ],
  // An anonymous HEAD / refused: low, as every refused anonymous request is.
  'openshift/raw_audit_oauth-apiserver.json': [['anonymous-denied', 'low', 'system:anonymous', 'anonymous request from 10.131.0.5 denied (403): head /']],
  // kubectl from a public address (98.207.36.92) creating a pod, a ConfigMap whose data key is
  // named "secret", and a Secret; pods are logged at Metadata level, which the notice says once.
  'rbac-tool/testdata-01.json': [
    ['no-request-bodies', 'info', '', 'pods create requests are logged without request bodies (audit level Metadata), so privileged-pod and the other body rules cannot inspect them; log pods at level Request or RequestResponse'],
    ['untrusted-source-ip', 'medium', 'admin', 'admin from 98.207.36.92: created pod ns1/pod-1'],
    ['untrusted-source-ip', 'medium', 'admin', 'admin from 98.207.36.92: created configmap ns2/cm-2'],
    ['configmap-credentials', 'medium', 'admin', 'admin created configmap ns2/cm-2 with credential-like data in secret'],
    ['untrusted-source-ip', 'medium', 'admin', 'admin from 98.207.36.92: created secret ns3/secret-3'],
  ],
  'rbac-tool/testdata-02.json': [
    ['no-request-bodies', 'info', '', 'pods create requests are logged without request bodies (audit level Metadata), so privileged-pod and the other body rules cannot inspect them; log pods at level Request or RequestResponse'],
    ['untrusted-source-ip', 'medium', 'diana', 'diana from 98.207.36.92: created pod alcide/pod-1'],
    ['untrusted-source-ip', 'medium', 'diana', 'diana from 98.207.36.92: created configmap alcide/cm-2'],
    ['configmap-credentials', 'medium', 'diana', 'diana created configmap alcide/cm-2 with credential-like data in secret'],
    ['untrusted-source-ip', 'medium', 'diana', 'diana from 98.207.36.92: created secret alcide/secret-3'],
  ],
};

function walk(d: string): string[] {
  return readdirSync(d)
    .sort()
    .flatMap((f) => {
      const p = join(d, f);
      return statSync(p).isDirectory() ? walk(p) : [p];
    });
}

const run = promisify(execFile);
const present = existsSync(corpus) && existsSync(cli);
if (!present) console.log(`corpus alerts suite skipped: needs ${corpus} and a built ${cli}`);

describe.skipIf(!present)('corpus alerts', () => {
  const files = present ? walk(corpus).filter((f) => !f.endsWith('.md')) : [];

  it('pins only files that exist', () => {
    const names = new Set(files.map((f) => relative(corpus, f)));
    expect(Object.keys(EXPECTED).filter((k) => !names.has(k))).toEqual([]);
  });

  it.each(files.map((f) => [relative(corpus, f), f] as const))('auditop replay %s --print alerts raises exactly the reviewed alerts', async (name, path) => {
    const { stdout } = await run(process.execPath, [cli, 'replay', path, '--no-tui', '--print', 'alerts', '--speed', 'max'], { cwd: repo, env: cliEnv() });
    const got = stdout
      .split('\n')
      .filter((l) => l !== '')
      .map((l) => JSON.parse(l) as Record<string, string>)
      .map((a) => [a.rule, a.severity, a.user ?? '', a.message]);
    expect(got).toEqual(EXPECTED[name] ?? []);
  });
});
