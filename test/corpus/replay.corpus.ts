import { execFile } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { cli, findCorpus, repo } from './corpus-dir.js';
import { readAll } from '../ingest/collect.js';
import { cliEnv } from '../cli/run-cli.js';

const corpus = findCorpus();

/**
 * Events per corpus file, counted independently of auditop (Python's json module: one event per
 * line for logs; for whole-file documents, the Event itself, `records[].properties.log`, or OTLP
 * `logRecords[].body.stringValue`), cross-checked with SOURCES.md where it gives numbers.
 */
const EXPECTED: Record<string, number> = {
  'audit2rbac/demo.log': 37,
  'kube-audit-log-tool/single-event.json': 1,
  'openshift/audit.log': 5,
  'openshift/audit_in.log': 100,
  'openshift/log5607_sample.json': 1,
  'openshift/otlp_audit_kube.json': 3,
  'openshift/otlp_audit_openshift.json': 3,
  'openshift/raw_audit_kubernetes.json': 1,
  'openshift/raw_audit_oauth-apiserver.json': 1,
  'openshift/raw_audit_openshift.json': 1,
  'openshift/viaq_audit_kubernetes.json': 1,
  'openshift/viaq_audit_openshift.json': 1,
  'rbac-tool/testdata-01.json': 3,
  'rbac-tool/testdata-02.json': 3,
  'sysdig-aks/event.json': 22,
  'sysdig-aks/sample_EventHubs_event.json': 1,
  'sysdig-aks/sample_KubeAuditLog_event.json': 1,
};

function walk(d: string): string[] {
  return readdirSync(d)
    .sort()
    .flatMap((f) => {
      const p = join(d, f);
      return statSync(p).isDirectory() ? walk(p) : [p];
    });
}

const present = existsSync(corpus);
if (!present) console.log(`corpus suite skipped: ${corpus} does not exist`);

describe.skipIf(!present)('corpus replay', () => {
  const files = present ? walk(corpus).filter((f) => !f.endsWith('.md')) : [];

  it('has an expected count for every file in the corpus', () => {
    expect(files.map((f) => relative(corpus, f)).sort()).toEqual(Object.keys(EXPECTED).sort());
  });

  it.each(files.map((f) => [relative(corpus, f), f] as const))('%s decodes to its event count, nothing malformed', async (name, path) => {
    const got = await readAll([path]);
    expect(got.events.length).toBe(EXPECTED[name]);
    expect(got.malformed).toEqual([]);
    expect(got.long).toEqual([]);
    // every event has the fields an operator sorts by
    for (const ev of got.events) {
      expect(ev.auditID).not.toBe('');
      expect(ev.verb).not.toBe('');
      expect(Number.isNaN(ev.ts)).toBe(false);
    }
  });

  it('all files in one replay give the sum of their counts', async () => {
    const got = await readAll(files);
    expect(got.events.length).toBe(Object.values(EXPECTED).reduce((a, b) => a + b, 0));
  });
});

const run = promisify(execFile);

describe.skipIf(!present || !existsSync(cli))('corpus replay through the CLI', () => {
  if (present && !existsSync(cli)) console.log(`CLI corpus cases skipped: ${cli} not built (npm run build)`);
  const files = present ? walk(corpus).filter((f) => !f.endsWith('.md')) : [];

  it.each(files.map((f) => [relative(corpus, f), f] as const))('auditop replay %s --print summary exits 0 with its count', async (name, path) => {
    const { stdout } = await run(process.execPath, [cli, 'replay', path, '--no-tui', '--print', 'summary', '--speed', 'max'], { cwd: repo, env: cliEnv() });
    const summary = JSON.parse(stdout.trim().split('\n').at(-1)!) as { events: number; malformed: number };
    expect(summary.events).toBe(EXPECTED[name]);
    expect(summary.malformed).toBe(0);
  });
});

describe.skipIf(!present || !existsSync(cli))('corpus replay through the decode worker', () => {
  const files = present ? walk(corpus).filter((f) => !f.endsWith('.md')) : [];
  const replay = async (mode: '0' | '1', args: string[]): Promise<string> =>
    (await run(process.execPath, [cli, 'replay', ...files, '--no-tui', ...args, '--speed', 'max'], { cwd: repo, env: cliEnv({ AUDITOP_DECODE_WORKER: mode }) })).stdout;

  it('prints the same events, alerts and summary as in-thread decoding', async () => {
    for (const print of ['events', 'alerts', 'summary']) {
      const inThread = await replay('0', ['--print', print]);
      const worker = await replay('1', ['--print', print]);
      if (print === 'events') expect(inThread.trim().split('\n').length).toBe(Object.values(EXPECTED).reduce((a, b) => a + b, 0));
      expect(worker).toBe(inThread);
    }
  });
});
