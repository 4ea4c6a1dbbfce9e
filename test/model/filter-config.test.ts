import { describe, expect, it } from 'vitest';
import { parseCommandLine, UsageError, type Config } from '../../src/config.js';
import { createFilter } from '../../src/run.js';
import { makeEvent } from './make-event.js';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { jsonLines, runCli } from '../cli/run-cli.js';

const cenv = { env: {}, stdoutIsTTY: false, now: Date.parse('2026-11-21T12:00:00Z') };

function config(args: string[]): Config {
  const r = parseCommandLine(args, cenv);
  if (r.kind !== 'run') throw new Error('expected a run');
  return r.config;
}

describe('--filter on the command line', () => {
  it('keeps only matching events', () => {
    const f = createFilter(config(['replay', 'x.log', '--filter', 'user:bob verb:delete,patch']))!;
    expect(f(makeEvent({ user: 'bob', verb: 'patch' }))).toBe(true);
    expect(f(makeEvent({ user: 'bob', verb: 'get' }))).toBe(false);
  });

  it('combines with --since/--until (the window is the replay source\'s, the filter the engine\'s)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'auditop-filter-'));
    try {
      const ev = (id: string, verb: string, t: string) =>
        JSON.stringify({ kind: 'Event', apiVersion: 'audit.k8s.io/v1', level: 'Metadata', auditID: id, stage: 'ResponseComplete', verb, user: { username: 'bob' }, requestReceivedTimestamp: t, stageTimestamp: t });
      const file = join(dir, 'audit.log');
      writeFileSync(file, [ev('early-get', 'get', '2026-11-21T10:00:00.000000Z'), ev('late-get', 'get', '2026-11-21T11:00:00.000000Z'), ev('late-list', 'list', '2026-11-21T11:00:01.000000Z')].join('\n') + '\n');
      const r = await runCli(['replay', file, '--filter', 'verb:get', '--since', '2026-11-21T10:30:00Z', '--print', 'events']);
      expect(r.code).toBe(0);
      expect(jsonLines(r.stdout).map((e) => e.auditID)).toEqual(['late-get']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('alert: and rule: are refused at ingest (alerts are raised after --filter runs)', () => {
    expect(() => config(['replay', 'x.log', '--filter', 'rule:exec-into-pod'])).toThrow(/'rule:' selects requests by their alerts.*f filter/);
  });

  it('a bad expression is a usage error naming the column and the keys', () => {
    let err: unknown;
    try {
      config(['replay', 'x.log', '--filter', 'verb:get usr:bob']);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(UsageError);
    expect((err as UsageError).message).toMatch(/--filter: unknown key 'usr' \(did you mean 'user'\?\) at column 10/);
    expect((err as UsageError).hint).toMatch(/Filter keys: user, as, group, verb/);
  });
});
