/**
 * The summary's top lists equal an independent count of distinct auditIDs (issue 2, "Done when"):
 * a plain JSON.parse over the file, no auditop code involved, against `replay --print summary`.
 * The ring is made small so requests (long watches) outlive it: they must still count once.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { writeTraffic } from '../../src/demo/traffic.js';
import { ROOT, jsonLines, runCli } from '../cli/run-cli.js';

type Top = Record<string, { key: string; count: number }[]>;

function independentCount(text: string): { events: number; requests: number; top: Top } {
  const dims = ['users', 'verbs', 'resources', 'namespaces', 'sourceIPs', 'userAgents', 'codes'];
  const counts = new Map<string, Map<string, number>>(dims.map((d) => [d, new Map()]));
  const inc = (d: string, k: unknown): void => {
    if (typeof k !== 'string' || k === '') return;
    const m = counts.get(d) as Map<string, number>;
    m.set(k, (m.get(k) ?? 0) + 1);
  };
  const seen = new Set<string>();
  const codeSeen = new Set<string>();
  let events = 0;
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    const o = JSON.parse(line) as Record<string, any>;
    events++;
    const id = o.auditID as string;
    if (!seen.has(id)) {
      seen.add(id);
      inc('users', o.user?.username);
      inc('verbs', o.verb);
      const r = o.objectRef ?? {};
      inc('resources', r.subresource ? `${r.resource}/${r.subresource}` : r.resource);
      inc('namespaces', r.namespace);
      inc('sourceIPs', o.sourceIPs?.[0]);
      inc('userAgents', o.userAgent);
    }
    const code = o.responseStatus?.code;
    if (!codeSeen.has(id) && typeof code === 'number' && code > 0) {
      codeSeen.add(id);
      inc('codes', String(code));
    }
  }
  const top: Top = {};
  for (const d of dims) {
    top[d] = [...(counts.get(d) as Map<string, number>).entries()]
      .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
      .slice(0, 10)
      .map(([key, count]) => ({ key, count }));
  }
  return { events, requests: seen.size, top };
}

function corpusDir(): string | undefined {
  const beside = join(ROOT, '..', 'shared', 'corpus');
  if (existsSync(beside)) return beside;
  try {
    const common = execFileSync('git', ['rev-parse', '--path-format=absolute', '--git-common-dir'], { cwd: ROOT, encoding: 'utf8' }).trim();
    const main = join(dirname(common), '..', 'shared', 'corpus');
    return existsSync(main) ? main : undefined;
  } catch {
    return undefined;
  }
}

describe('summary top lists = independent count of distinct auditIDs', () => {
  it('on 30,000 generated events with a ring far smaller than the log', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'auditop-sum-'));
    try {
      const f = join(dir, 'traffic.log');
      await writeTraffic(f, { seed: 42, start: Date.UTC(2026, 10, 21, 8), eventsPerSecond: 100, count: 30_000 });
      const expected = independentCount(readFileSync(f, 'utf8'));
      const r = await runCli(['replay', f, '--print', 'summary', '--buffer', '500']);
      expect(r.code).toBe(0);
      const [s] = jsonLines(r.stdout);
      expect(s?.events).toBe(expected.events);
      expect(s?.requests).toBe(expected.requests);
      expect(s?.top).toEqual(expected.top);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  const corpus = corpusDir();
  const lineFiles = ['openshift/audit_in.log', 'openshift/audit.log', 'audit2rbac/demo.log'];
  it.runIf(corpus !== undefined).each(lineFiles)('on corpus %s', async (name) => {
    const f = join(corpus as string, name);
    const expected = independentCount(readFileSync(f, 'utf8'));
    const r = await runCli(['replay', f, '--print', 'summary']);
    expect(r.code).toBe(0);
    const [s] = jsonLines(r.stdout);
    expect(s?.requests).toBe(expected.requests);
    expect(s?.top).toEqual(expected.top);
  });
});
