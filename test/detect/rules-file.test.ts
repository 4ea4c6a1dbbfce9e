import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createDetector, loadRulesFile, parseRules, RulesFileError } from '../../src/detect/index.js';
import { audit, feed, rules, T0 } from './helpers.js';

function detectorFrom(yaml: string, keepNotices = false) {
  const cfg = parseRules(yaml, 'test.yaml');
  // the one-off no-request-bodies notice is tested in engine.test.ts; here it would only be noise
  if (!keepNotices) cfg.overrides = { 'no-request-bodies': { enabled: false }, ...cfg.overrides };
  return createDetector({ config: cfg });
}

function errorOf(yaml: string): RulesFileError {
  try {
    parseRules(yaml, 'rules.yaml');
  } catch (e) {
    if (e instanceof RulesFileError) return e;
    throw e;
  }
  throw new Error('expected a RulesFileError');
}

const secretGet = audit({ verb: 'get', resource: 'secrets', namespace: 'prod', name: 'db', user: 'mallory' });

describe('--rules FILE', () => {
  it('an empty file changes nothing', () => {
    expect(rules(feed(detectorFrom(''), [secretGet]))).toEqual(['secret-read']);
    expect(rules(feed(detectorFrom('# just a comment\n'), [secretGet]))).toEqual(['secret-read']);
  });

  it('disables a rule (long and short form)', () => {
    expect(feed(detectorFrom('rules:\n  secret-read:\n    enabled: false\n'), [secretGet])).toEqual([]);
    expect(feed(detectorFrom('rules:\n  secret-read: off\n'), [secretGet])).toEqual([]);
  });

  it('changes a severity and a parameter (number or duration)', () => {
    const d = detectorFrom('rules:\n  secret-read:\n    severity: critical\n  slow-request:\n    latencyMs: 30s\n');
    expect(feed(d, [secretGet])[0]?.severity).toBe('critical');
    expect(feed(d, [audit({ verb: 'list', resource: 'pods', latencyMs: 20_000 })])).toEqual([]);
    expect(rules(feed(d, [audit({ verb: 'list', resource: 'pods', latencyMs: 31_000 })]))).toEqual(['slow-request']);
  });

  it('extends, removes from and replaces lists', () => {
    const d = detectorFrom(`
lists:
  controlPlaneUsers: [mallory]
  protectedNamespaces:
    add: [payments]
    remove: [prod]
  sourceIPAllowlist:
    replace: [10.0.0.0/8]
`);
    expect(feed(d, [secretGet])).toEqual([]);
    expect(rules(feed(d, [audit({ verb: 'delete', resource: 'pods', namespace: 'payments', name: 'x', user: 'bob' })]))).toEqual(['protected-namespace-delete']);
    expect(feed(d, [audit({ verb: 'delete', resource: 'pods', namespace: 'prod', name: 'x', user: 'bob' })])).toEqual([]);
    expect(rules(feed(d, [audit({ verb: 'create', resource: 'configmaps', namespace: 'x', user: 'bob', sourceIP: '192.168.1.1' })]))).toEqual(['untrusted-source-ip']);
  });

  it('adds a field-matching rule with every operator', () => {
    const d = detectorFrom(`
custom:
  - id: prod-writes
    severity: medium
    title: Write in prod
    description: Someone changed prod
    match:
      verb: [create, update, patch]
      namespace: { prefix: prod }
      resource: { not: { in: [events, leases] } }
      user: { regex: "^(alice|bob)" }
      userAgent: { exists: true }
      code: { gte: 200, lt: 300 }
      sourceIP: { cidr: [10.0.0.0/8] }
      identity: person
    message: "{who} {verb} {resource} {namespace}/{name} ({code})"
`);
    const hit = audit({ verb: 'patch', resource: 'deployments', namespace: 'prod-eu', name: 'api', user: 'bob' });
    const [a] = feed(d, [hit]);
    expect(a).toMatchObject({ rule: 'prod-writes', severity: 'medium', title: 'Write in prod', message: 'bob patch deployments prod-eu/api (200)' });
    const misses = [
      audit({ verb: 'get', resource: 'deployments', namespace: 'prod', user: 'bob' }),
      audit({ verb: 'patch', resource: 'events', namespace: 'prod', user: 'bob' }),
      audit({ verb: 'patch', resource: 'deployments', namespace: 'staging', user: 'bob' }),
      audit({ verb: 'patch', resource: 'deployments', namespace: 'prod', user: 'carol' }),
      audit({ verb: 'patch', resource: 'deployments', namespace: 'prod', user: 'bob', code: 409 }),
      audit({ verb: 'patch', resource: 'deployments', namespace: 'prod', user: 'bob', sourceIP: '192.168.0.1' }),
    ];
    expect(feed(d, misses).filter((x) => x.rule === 'prod-writes')).toEqual([]);
  });

  it('matches latency numerically and named lists with inList', () => {
    const d = detectorFrom(`
custom:
  - id: slow-in-protected
    severity: low
    title: Slow in a protected namespace
    match:
      namespace: { inList: protectedNamespaces }
      latencyMs: { gt: 2000 }
`);
    expect(rules(feed(d, [audit({ namespace: 'kube-system', latencyMs: 2500 })]))).toEqual(['slow-in-protected']);
    expect(feed(d, [audit({ namespace: 'kube-system', latencyMs: 1500 }), audit({ namespace: 'dev', latencyMs: 5000 })])).toEqual([]);
  });

  it('adds a count threshold per key per window: one alert per burst', () => {
    const d = detectorFrom(`
custom:
  - id: many-404
    severity: low
    title: Many not-found
    match: { code: 404 }
    threshold: { count: 5, window: 1m, by: [user] }
`);
    const evs = Array.from({ length: 12 }, (_, i) => audit({ code: 404, user: 'bob', at: T0 + i * 1000 }));
    const alerts = feed(d, evs);
    expect(rules(alerts)).toEqual(['many-404']);
    expect(alerts[0]?.message).toBe('bob: get pods → 404 (5 within 60 s)');
  });

  it('adds a distinct-count threshold', () => {
    const d = detectorFrom(`
custom:
  - id: namespace-sweep
    severity: medium
    title: One user touching many namespaces
    match: { verb: list }
    threshold: { count: 4, distinct: namespace, window: 5m, by: user }
`);
    const same = Array.from({ length: 10 }, (_, i) => audit({ verb: 'list', namespace: 'a', at: T0 + i }));
    expect(feed(d, same)).toEqual([]);
    const sweep = ['a', 'b', 'c', 'd'].map((ns, i) => audit({ verb: 'list', namespace: ns, user: 'eve', at: T0 + i }));
    const alerts = feed(d, sweep);
    expect(rules(alerts)).toEqual(['namespace-sweep']);
    expect(alerts[0]?.message).toMatch(/\(4 distinct namespace within 300 s\)$/);
  });

  it('rejects bad files with the file, the line and the reason', () => {
    const cases: Array<[string, number, RegExp]> = [
      ['rules:\n  secret-reed: off\n', 2, /unknown rule 'secret-reed' \(did you mean 'secret-read'\?\)/],
      ['rules:\n  secret-read:\n    severity: urgent\n', 3, /severity must be one of critical, high, medium, low, info/],
      ['lists:\n  protectedNamespace: [x]\n', 2, /unknown list 'protectedNamespace' \(did you mean 'protectedNamespaces'\?\)/],
      ['lists:\n  sourceIPAllowlist: [10.0.0.0/33]\n', 2, /'10\.0\.0\.0\/33' is not a CIDR/],
      ['custom:\n  - id: x\n    severity: low\n    title: t\n    match:\n      usr: bob\n', 6, /unknown field 'usr' \(did you mean 'user'\?\)/],
      ['custom:\n  - id: x\n    severity: low\n    title: t\n    match:\n      user: { regex: "(" }\n', 6, /invalid regex/],
      ['custom:\n  - id: x\n    severity: low\n    title: t\n    match:\n      user: { gt: 3 }\n', 6, /'gt' compares numbers; user is not numeric/],
      ['custom:\n  - id: x\n    severity: low\n    title: t\n    match:\n      code: abc\n', 6, /code is a number/],
      ['custom:\n  - id: secret-read\n    severity: low\n    title: t\n    match: { verb: get }\n', 2, /already taken by a built-in rule/],
      ['custom:\n  - id: x\n    severity: low\n    title: t\n', 2, /missing 'match'/],
      ['custom:\n  - id: x\n    severity: low\n    title: t\n    match: { verb: get }\n    threshold: { count: 3, window: soon }\n', 6, /window must be a duration/],
      ['custom:\n  - id: x\n    severity: low\n    title: t\n    match: { verb: get }\n    message: "{usr} did it"\n', 6, /unknown placeholder \{usr\}/],
      ['rules: [1, 2\n', 2, /invalid YAML/],
      ['rules:\n  a: 1\n  a: 2\n', 3, /invalid YAML: Map keys must be unique/],
      ['rulez: {}\n', 1, /unknown key 'rulez' in the rules file \(did you mean 'rules'\?\)/],
      ['rules:\n  slow-request:\n    latency: 5\n', 3, /unknown key 'latency' in rule slow-request/],
    ];
    for (const [yaml, line, reason] of cases) {
      const e = errorOf(yaml);
      expect(e.file, yaml).toBe('rules.yaml');
      expect(e.line, yaml).toBe(line);
      expect(e.reason, yaml).toMatch(reason);
      expect(e.message).toBe(`rules.yaml:${line}: ${e.reason}`);
    }
  });

  it('reads a file from disk and says when it cannot', () => {
    const dir = mkdtempSync(join(tmpdir(), 'auditop-rules-'));
    const f = join(dir, 'rules.yaml');
    writeFileSync(f, 'rules:\n  secret-read: off\n');
    expect(loadRulesFile(f).overrides).toEqual({ 'secret-read': { enabled: false } });
    expect(feed(createDetector({ rulesFile: f }), [secretGet])).toEqual([]);
    expect(() => loadRulesFile(join(dir, 'missing.yaml'))).toThrow(/missing\.yaml:0: cannot read rules file: no such file/);
  });

  it('can disable the engine rules too', () => {
    const d = detectorFrom('rules:\n  audit-gap: off\n  no-request-bodies: off\n');
    expect(d.gap({ ts: T0, source: 'x', kind: 'truncated', message: 'truncated' })).toEqual([]);
    expect(feed(d, [audit({ verb: 'create', resource: 'pods', namespace: 'x' })])).toEqual([]);
  });
});
