import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { groupIntoSets, resolveReplayInput, rotationName } from '../../../src/ingest/replay/sets.js';
import { eventLine, T0, tempDir, writeLog } from './helpers.js';

const names = (paths: string[]): string[] => paths.map((p) => p.split('/').pop()!);

describe('rotated sets', () => {
  it('recognises lumberjack, numbered and dateext names', () => {
    expect(rotationName('audit-2026-11-20T09-14-03.123.log.gz')).toMatchObject({
      base: 'audit.log',
      rotatedAt: Date.parse('2026-11-20T09:14:03.123Z'),
    });
    expect(rotationName('audit-2026-11-20T09-14-03.123.log').base).toBe('audit.log');
    expect(rotationName('audit.log.12.gz').base).toBe('audit.log');
    expect(rotationName('audit.log-20261120.gz').base).toBe('audit.log');
    expect(rotationName('audit.log').base).toBe('audit.log');
    expect(rotationName('kube-apiserver-audit.log').base).toBe('kube-apiserver-audit.log');
  });

  it('orders a lumberjack set by the timestamp in the names, live file last', () => {
    const files = [
      'audit.log',
      'audit-2026-11-20T11-00-00.000.log.gz',
      'audit-2026-11-19T23-59-59.999.log.gz',
      'audit-2026-11-20T09-30-00.000.log',
    ].map((n) => ({ path: `/logs/${n}`, size: 1 }));
    const sets = groupIntoSets(files);
    expect(sets).toHaveLength(1);
    expect(sets[0]!.name).toBe('/logs/audit.log');
    expect(names(sets[0]!.files.map((f) => f.path))).toEqual([
      'audit-2026-11-19T23-59-59.999.log.gz',
      'audit-2026-11-20T09-30-00.000.log',
      'audit-2026-11-20T11-00-00.000.log.gz',
      'audit.log',
    ]);
  });

  it('orders a logrotate set highest number first (10 before 9, not as text)', () => {
    const files = ['audit.log', 'audit.log.1', 'audit.log.10.gz', 'audit.log.2.gz', 'audit.log.9.gz'].map((n) => ({ path: `/l/${n}`, size: 1 }));
    const [set] = groupIntoSets(files);
    expect(names(set!.files.map((f) => f.path))).toEqual(['audit.log.10.gz', 'audit.log.9.gz', 'audit.log.2.gz', 'audit.log.1', 'audit.log']);
  });

  it('keeps separate logs and directories as separate sets', () => {
    const sets = groupIntoSets(
      ['/a/audit.log', '/b/audit.log', '/a/audit.log.1', '/a/other.json'].map((p) => ({ path: p, size: 1 })),
    );
    expect(sets.map((s) => [s.name, s.files.length])).toEqual([
      ['/a/audit.log', 2],
      ['/b/audit.log', 1],
      ['/a/other.json', 1],
    ]);
  });

  it('orders a directory by names whatever the modification times, and leaves out non-JSON files', async () => {
    const dir = tempDir();
    // mtimes shuffled on purpose: copying off a node (scp, kubectl cp) does not keep them
    writeLog(dir, 'audit.log', [eventLine('live', T0 + 3_000)], 1_000);
    writeLog(dir, 'audit-2026-11-20T10-00-01.000.log.gz', [eventLine('b1', T0)], 3_000);
    writeLog(dir, 'audit-2026-11-20T10-00-02.000.log', [eventLine('b2', T0 + 2_000)], 2_000);
    writeFileSync(join(dir, 'kube-apiserver.log'), 'I1120 10:00:00.000000       1 server.go:42] klog text\n');
    writeFileSync(join(dir, '.hidden.log'), '{}\n');
    writeLog(dir, 'cp2/audit.log.1', [eventLine('n2', T0)], 5_000);
    writeLog(dir, 'cp2/audit.log', [eventLine('n2b', T0)], 4_000);
    const { sets, skipped } = await resolveReplayInput([dir]);
    expect(sets.map((s) => names(s.files.map((f) => f.path)))).toEqual([
      ['audit-2026-11-20T10-00-01.000.log.gz', 'audit-2026-11-20T10-00-02.000.log', 'audit.log'],
      ['audit.log.1', 'audit.log'],
    ]);
    expect(names(skipped)).toEqual(['kube-apiserver.log']);
  });

  it('fails with the path and reason for a missing input', async () => {
    await expect(resolveReplayInput(['/nonexistent/audit.log'])).rejects.toThrow(/cannot read \/nonexistent\/audit.log: no such file/);
  });
});
