import { describe, expect, it } from 'vitest';
import { createDetector } from '../../src/detect/index.js';
import { isFinalStage } from '../../src/model/event.js';
import { Rng } from '../../src/demo/traffic.js';
import { audit, decode } from './helpers.js';

const NASTY = ['', 'x', '\u001b]0;t\u0007', '\u202e', 'a\nb', '{', '*', '/', 'system:anonymous', 'system:node:n', 'kube-system', 'prod', '10.0.0.1', '::ffff:1.2.3.4', '999.1.1.1', 'pods', 'exec', 'sh.helm.release.v1.x'];
const VALUES: unknown[] = [null, 0, -1, 1e308, true, 'x', [], {}, [null], { a: 1 }, NASTY];

function pick<T>(rng: Rng, xs: readonly T[]): T {
  return xs[Math.floor(rng.next() * xs.length)] as T;
}

/** A random body: pod-ish, role-ish, binding-ish or junk, with wrong types sprinkled in. */
function body(rng: Rng, depth = 0): unknown {
  const r = rng.next();
  if (depth > 3 || r < 0.2) return pick(rng, VALUES);
  if (r < 0.4) return Array.from({ length: rng.int(0, 4) }, () => body(rng, depth + 1));
  const keys = ['spec', 'template', 'jobTemplate', 'containers', 'initContainers', 'volumes', 'hostPath', 'path', 'securityContext', 'privileged', 'capabilities', 'add', 'hostPID', 'rules', 'verbs', 'resources', 'roleRef', 'name', 'subjects', 'kind', 'data', 'metadata', 'type', 'ports', 'nodePort', 'op', 'value', 'image', 'ephemeralContainers', 'status', 'conditions'];
  const o: Record<string, unknown> = {};
  for (let i = rng.int(0, 6); i > 0; i--) o[pick(rng, keys)] = rng.next() < 0.3 ? pick(rng, [true, '/', '*', 'cluster-admin', 'SYS_ADMIN', 'NodePort', 'password=hunter2hunter2']) : body(rng, depth + 1);
  return o;
}

describe('detector robustness', () => {
  it('never throws and keeps messages clean on hostile, malformed events', () => {
    const rng = new Rng(1234);
    const d = createDetector({ limits: { maxKeys: 64, dedupe: 256 } });
    const verbs = ['get', 'list', 'watch', 'create', 'update', 'patch', 'delete', 'deletecollection', '', 'x'];
    const resources = ['pods', 'deployments', 'cronjobs', 'clusterrolebindings', 'roles', 'secrets', 'configmaps', 'services', 'certificatesigningrequests', 'nodes', 'events', '', 'mutatingwebhookconfigurations'];
    const subs = ['', '', 'exec', 'attach', 'portforward', 'proxy', 'token', 'approval', 'ephemeralcontainers'];
    let alerts = 0;
    for (let i = 0; i < 3000; i++) {
      const raw = audit({
        user: pick(rng, NASTY),
        groups: rng.next() < 0.1 ? ['system:unauthenticated'] : ['system:authenticated'],
        impersonate: rng.next() < 0.1 ? pick(rng, NASTY) : undefined,
        verb: pick(rng, verbs),
        resource: pick(rng, resources),
        subresource: pick(rng, subs),
        namespace: pick(rng, NASTY),
        name: pick(rng, NASTY),
        code: pick(rng, [0, 101, 200, 201, 401, 403, 404, 500]),
        stage: pick(rng, ['RequestReceived', 'ResponseStarted', 'ResponseComplete', 'Panic']),
        sourceIP: pick(rng, NASTY),
        userAgent: pick(rng, ['curl/8', '', '\u001b[2J', 'kubectl/1']),
        query: rng.next() < 0.3 ? 'command=%1B%5D52%3Bc%3BZm9v%07&command=%E2%80%AE&command=%' : undefined,
        requestObject: rng.next() < 0.6 ? body(rng) : undefined,
        at: Date.UTC(2026, 0, 1) + rng.int(-10_000_000, 10_000_000),
        latencyMs: rng.int(0, 40_000),
      });
      // junk types straight in the raw object too
      if (rng.next() < 0.1) (raw as Record<string, unknown>).objectRef = pick(rng, VALUES);
      for (const ev of decode([raw])) {
        const out = d.evaluateOrThrow(ev, { firstStage: rng.next() < 0.5, finalStage: isFinalStage(ev.stage) });
        for (const a of out) {
          alerts++;
          // eslint-disable-next-line no-control-regex
          expect(a.message).not.toMatch(/[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/);
          expect(a.message.length).toBeLessThanOrEqual(400);
        }
      }
    }
    expect(alerts).toBeGreaterThan(100);
  });
});
