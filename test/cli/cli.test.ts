import { execFileSync, spawn } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CLI, ROOT, cliEnv, jsonLines, runCli } from './run-cli.js';

const QUIET_DAY = join(ROOT, 'demo-logs', 'quiet-day.log');

const made: string[] = [];
function tmp(): string {
  const d = mkdtempSync(join(tmpdir(), 'auditop-cli-'));
  made.push(d);
  return d;
}
afterAll(() => {
  for (const d of made) rmSync(d, { recursive: true, force: true });
});

function line(o: Record<string, unknown>): string {
  return JSON.stringify({ kind: 'Event', apiVersion: 'audit.k8s.io/v1', level: 'Metadata', ...o });
}

const E1 = line({
  auditID: 'a1',
  stage: 'RequestReceived',
  requestURI: '/api/v1/namespaces/prod/pods/web-1',
  verb: 'get',
  user: { username: 'alice@example.com', groups: ['sre', 'system:authenticated'] },
  sourceIPs: ['10.8.0.21'],
  userAgent: 'kubectl/v1.30.2',
  objectRef: { resource: 'pods', namespace: 'prod', name: 'web-1', apiVersion: 'v1' },
  requestReceivedTimestamp: '2026-11-21T10:00:00.000000Z',
  stageTimestamp: '2026-11-21T10:00:00.000000Z',
});
const E2 = line({
  auditID: 'a1',
  stage: 'ResponseComplete',
  requestURI: '/api/v1/namespaces/prod/pods/web-1',
  verb: 'get',
  user: { username: 'alice@example.com', groups: ['sre', 'system:authenticated'] },
  sourceIPs: ['10.8.0.21'],
  userAgent: 'kubectl/v1.30.2',
  objectRef: { resource: 'pods', namespace: 'prod', name: 'web-1', apiVersion: 'v1' },
  responseStatus: { metadata: {}, code: 200 },
  requestReceivedTimestamp: '2026-11-21T10:00:00.000000Z',
  stageTimestamp: '2026-11-21T10:00:00.012000Z',
  annotations: { 'authorization.k8s.io/decision': 'allow', 'authorization.k8s.io/reason': '' },
});

describe('auditop replay --no-tui', () => {
  it('--print summary counts requests, not lines', async () => {
    const dir = tmp();
    const f = join(dir, 'a.log');
    writeFileSync(f, `${E1}\n${E2}\nnot json\n`);
    const r = await runCli(['replay', f, '--print', 'summary']);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    const [s] = jsonLines(r.stdout);
    expect(s).toMatchObject({ events: 2, requests: 1, malformed: 1, skippedLong: 0, first: '2026-11-21T10:00:00.000000Z', last: '2026-11-21T10:00:00.012000Z' });
    expect((s?.top as Record<string, unknown>).users).toEqual([{ key: 'alice@example.com', count: 1 }]);
    expect((s?.top as Record<string, unknown>).codes).toEqual([{ key: '200', count: 1 }]);
    expect(s?.alerts).toEqual({});
  });

  it('--print events writes one object per event line with absent values omitted', async () => {
    const dir = tmp();
    const f = join(dir, 'a.log');
    writeFileSync(f, `${E1}\n${E2}\n`);
    const r = await runCli(['replay', f, '--print', 'events']);
    expect(r.code).toBe(0);
    const evs = jsonLines(r.stdout);
    expect(evs).toHaveLength(2);
    expect(evs[0]).toEqual({
      ts: '2026-11-21T10:00:00.000000Z',
      auditID: 'a1',
      stage: 'RequestReceived',
      verb: 'get',
      user: 'alice@example.com',
      groups: ['sre', 'system:authenticated'],
      sourceIP: '10.8.0.21',
      userAgent: 'kubectl/v1.30.2',
      resource: 'pods',
      namespace: 'prod',
      name: 'web-1',
      uri: '/api/v1/namespaces/prod/pods/web-1',
      level: 'Metadata',
      latencyMs: 0,
      source: f,
    });
    expect(evs[1]).toMatchObject({ stage: 'ResponseComplete', code: 200, decision: 'allow', latencyMs: 12 });
  });

  it('--print alerts (the default) prints nothing while no rules are loaded', async () => {
    const r = await runCli(['replay', QUIET_DAY]);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('');
  });

  it('reads several files in order, gzip chosen by content', async () => {
    const dir = tmp();
    writeFileSync(join(dir, 'a.log'), `${E1}\n`);
    execFileSync('gzip', ['-c', join(dir, 'a.log')]);
    writeFileSync(join(dir, 'b.bin'), execFileSync('gzip', ['-c'], { input: `${E2}\n` }));
    const r = await runCli(['replay', join(dir, 'a.log'), join(dir, 'b.bin'), '--print', 'events']);
    expect(r.code).toBe(0);
    expect(jsonLines(r.stdout).map((e) => e.stage)).toEqual(['RequestReceived', 'ResponseComplete']);
  });
});

describe('exit codes and messages', () => {
  it('unknown option: exit 2, one line and a hint, no stack', async () => {
    const r = await runCli(['replay', QUIET_DAY, '--frobnicate']);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe("auditop: unknown option '--frobnicate'\nTry 'auditop --help' for the options.\n");
    expect(r.stdout).toBe('');
  });

  it.each([
    [['replay', QUIET_DAY, '--speed', '0'], '--speed must be a number from 0.1 to 10000'],
    [['replay', QUIET_DAY, '--speed', 'fast'], '--speed must be'],
    [['replay', QUIET_DAY, '--buffer-bytes', '12Q'], '--buffer-bytes must be a size'],
    [['replay', QUIET_DAY, '--buffer', '-1'], '--buffer'],
    [['replay', QUIET_DAY, '--print', 'everything'], '--print must be one of events, alerts, summary'],
    [['replay'], 'replay needs at least one PATH'],
    [['replay', QUIET_DAY, '--since', 'yesterday'], '--since must be an RFC 3339 time'],
    [['--speed', '10', 'x.log'], '--speed applies to replay'],
    [['replay', QUIET_DAY, '--print'], "option '--print' needs a value"],
  ])('bad usage %j exits 2 with a one-line reason', async (args, msg) => {
    const r = await runCli(args);
    expect(r.code).toBe(2);
    const lines = r.stderr.trimEnd().split('\n');
    expect(lines[0]).toContain(msg);
    expect(lines.length).toBeLessThanOrEqual(2);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it('a missing file: exit 1 naming the path and the reason', async () => {
    const missing = join(tmp(), 'nope.log');
    const r = await runCli(['replay', missing, '--print', 'summary']);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(`auditop: cannot read ${missing}: no such file or directory\n`);
    expect(r.stdout).toBe('');
  });

  it.skipIf(process.getuid?.() === 0)('an unreadable file: exit 1 suggesting sudo', async () => {
    const f = join(tmp(), 'secret.log');
    writeFileSync(f, `${E1}\n`);
    chmodSync(f, 0o000);
    const r = await runCli(['replay', f]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(f);
    expect(r.stderr).toContain('sudo');
  });

  it('--filter keeps only matching events (it was the last part not built; src/model/filter.ts)', async () => {
    const r = await runCli(['replay', QUIET_DAY, '--filter', 'user:system:kube-scheduler', '--print', 'summary']);
    expect(r.code).toBe(0);
    const summary = JSON.parse(r.stdout) as { top: { users: { key: string }[] } };
    expect(summary.top.users.map((u) => u.key)).toEqual(['system:kube-scheduler']);
  });

  it('--version prints the package version', async () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string };
    const r = await runCli(['--version']);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(`auditop ${pkg.version}\n`);
  });

  it('--help fits in 80 columns and lists every option', async () => {
    const r = await runCli(['--help']);
    expect(r.code).toBe(0);
    for (const l of r.stdout.split('\n')) expect(l.length).toBeLessThanOrEqual(80);
    for (const opt of ['--no-tui', '--print', '--from-start', '--backfill', '--speed', '--rules', '--buffer', '--buffer-bytes', '--filter', '--since', '--until', '--alerts-file', '--no-color', '--ascii', '--version', '--help']) {
      expect(r.stdout).toContain(opt);
    }
    expect(r.stdout).toContain('auditop replay');
  });
});

describe('demo', () => {
  it('replays the saved quiet day and reports what it found', async () => {
    const r = await runCli(['demo']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('3000 events');
    expect(r.stdout).toContain('Top users:');
    expect(r.stdout).toContain('system:kube-scheduler');
    expect(r.stdout).toContain('Alerts: none');
  });
});

describe('signals', () => {
  it('SIGTERM mid-replay: stops at the next batch, flushes what it read, exit 0', async () => {
    const child = spawn(process.execPath, [CLI, 'replay', QUIET_DAY, '--print', 'events'], { env: cliEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    // Stop reading after the first chunk: the child then stalls on stdout backpressure
    // (3,000 events of output are far more than a pipe holds), so it is still mid-replay.
    await new Promise<void>((resolve) => child.stdout.once('data', (d: Buffer) => ((out += d.toString('utf8')), child.stdout.pause(), resolve())));
    const closed = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
    child.kill('SIGTERM');
    child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
    child.stdout.resume();
    expect(await closed).toBe(0);
    const n = jsonLines(out).length;
    expect(n).toBeGreaterThan(0);
    expect(n).toBeLessThan(3000);
  });

  it('SIGINT with --print summary still prints the summary', async () => {
    const dir = tmp();
    const f = join(dir, 'big.log');
    const lines: string[] = [];
    for (let i = 0; i < 250_000; i++) lines.push(`{"auditID":"${i}","stage":"ResponseComplete","verb":"get","user":{"username":"u${i % 7}"}}`);
    writeFileSync(f, `${lines.join('\n')}\n`);
    // AUDITOP_BENCH_PROBE makes the run report progress on stderr every 100,000 events.
    const child = spawn(process.execPath, [CLI, 'replay', f, '--print', 'summary'], { stdio: ['ignore', 'pipe', 'pipe'], env: cliEnv({ AUDITOP_BENCH_PROBE: '1' }) });
    let out = '';
    let err = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
    const closed = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
    await new Promise<void>((resolve) =>
      child.stderr.setEncoding('utf8').on('data', (d: string) => {
        err += d;
        if (err.includes('"events":100000')) resolve();
      }),
    );
    child.kill('SIGINT');
    expect(await closed).toBe(0);
    const [s] = jsonLines(out);
    expect(s?.events).toBeGreaterThanOrEqual(100_000);
    expect(s?.top).toHaveProperty('users');
  });
});
