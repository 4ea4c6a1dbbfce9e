/**
 * Follow mode through the real CLI (dist/cli.js, built by `npm test`): `--no-tui` output while a
 * file appears, grows and rotates; stdin; the summary on SIGTERM; errors as one line.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { appendFileSync, chmodSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { CLI, ROOT, cliEnv, runCli } from '../../cli/run-cli.js';
import { tempDir, waitFor } from './helpers.js';

const EVENTS = readFileSync(join(ROOT, 'demo-logs', 'quiet-day.log'), 'utf8').split('\n').filter((l) => l !== '').slice(0, 40);
const ids = (from: number, to: number): string[] => EVENTS.slice(from, to).map((l) => (JSON.parse(l) as { auditID: string }).auditID);
const chunk = (from: number, to: number): string => `${EVENTS.slice(from, to).join('\n')}\n`;

interface Running {
  child: ChildProcessWithoutNullStreams;
  out: Record<string, unknown>[];
  err: () => string;
  exit: Promise<number | null>;
}

let cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.reverse()) await c();
  cleanups = [];
});

function start(args: string[]): Running {
  const child = spawn(process.execPath, [CLI, ...args], { cwd: ROOT, env: cliEnv(), stdio: ['pipe', 'pipe', 'pipe'] });
  const out: Record<string, unknown>[] = [];
  let rest = '';
  let err = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => {
    const parts = (rest + d).split('\n');
    rest = parts.pop() ?? '';
    for (const p of parts) if (p !== '') out.push(JSON.parse(p) as Record<string, unknown>);
  });
  child.stderr.setEncoding('utf8').on('data', (d: string) => (err += d));
  const exit = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  cleanups.push(async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await exit;
  });
  return { child, out, err: () => err, exit };
}

function dir(): string {
  const t = tempDir();
  cleanups.push(t.cleanup);
  return t.dir;
}

describe('auditop FILE (follow mode, headless)', () => {
  it('waits for a missing file, then prints its events through a rotation, tagged with the file; SIGTERM exits 0', async () => {
    const d = dir();
    const path = join(d, 'audit.log');
    const r = start([path, '--no-tui', '--print', 'events']);
    await waitFor(() => r.err().includes('waiting for the file'), 'the waiting notice on stderr');
    writeFileSync(path, chunk(0, 10));
    await waitFor(() => r.out.length >= 10, '10 events');
    renameSync(path, join(d, 'audit-2026-11-21T10-00-00.000.log'));
    writeFileSync(path, chunk(10, 20));
    await waitFor(() => r.out.length >= 20, '20 events');
    expect(r.out.map((e) => e.auditID)).toEqual(ids(0, 20));
    expect(r.out.every((e) => e.source === path)).toBe(true);
    expect(r.err()).toContain('rotated');
    r.child.kill('SIGTERM');
    expect(await r.exit).toBe(0);
  });

  it('shows the last --backfill N events already there, then new ones; --print summary on SIGTERM', async () => {
    const d = dir();
    const path = join(d, 'audit.log');
    writeFileSync(path, chunk(0, 30));
    const r = start([path, '--no-tui', '--print', 'events', '--backfill', '5']);
    await waitFor(() => r.out.length >= 5, 'the backfilled events');
    appendFileSync(path, chunk(30, 32));
    await waitFor(() => r.out.length >= 7, 'the appended events');
    expect(r.out.map((e) => e.auditID)).toEqual(ids(25, 32));
    r.child.kill('SIGTERM');
    expect(await r.exit).toBe(0);

    // --print summary: SIGTERM while following (here: waiting for a file) still ends with the summary
    const s = start([join(d, 'not-yet.log'), '--no-tui', '--print', 'summary']);
    await waitFor(() => s.err().includes('waiting for the file'), 'the waiting notice');
    s.child.kill('SIGTERM');
    expect(await s.exit).toBe(0);
    expect(s.out).toHaveLength(1);
    expect(s.out[0]).toMatchObject({ events: 0, gaps: 0 });
  });

  it('follows several files at once', async () => {
    const d = dir();
    const a = join(d, 'a.log');
    mkdirSync(join(d, 'b'));
    const b = join(d, 'b', 'audit.log');
    writeFileSync(a, chunk(0, 3));
    writeFileSync(b, chunk(3, 6));
    const r = start([a, b, '--no-tui', '--print', 'events']);
    await waitFor(() => r.out.length >= 6, '6 events');
    expect(r.out.filter((e) => e.source === a).map((e) => e.auditID)).toEqual(ids(0, 3));
    expect(r.out.filter((e) => e.source === b).map((e) => e.auditID)).toEqual(ids(3, 6));
    r.child.kill('SIGINT');
    expect(await r.exit).toBe(0);
  });

  it('`-` reads standard input and ends at its end', async () => {
    const r = await runCli(['-', '--no-tui', '--print', 'events'], { input: chunk(0, 12) });
    expect(r.code).toBe(0);
    const out = r.stdout.split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as { auditID: string; source: string });
    expect(out.map((e) => e.auditID)).toEqual(ids(0, 12));
    expect(out[0]?.source).toBe('stdin');
  });

  it.skipIf(process.getuid?.() === 0)('an unreadable log (0600 root): exit 1 in one line suggesting sudo', async () => {
    const d = dir();
    const path = join(d, 'audit.log');
    writeFileSync(path, chunk(0, 2));
    chmodSync(path, 0o000);
    const r = await runCli([path, '--no-tui']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^auditop: cannot read .*audit\.log.*sudo.*\n$/);
  });

  it('a directory is an error in one line (exit 1) that points to replay', async () => {
    const d = dir();
    const r = await runCli([d, '--no-tui']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^auditop: cannot follow .*is a directory.*replay.*\n$/);
  });
});
