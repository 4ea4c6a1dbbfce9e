import { describe, expect, it } from 'vitest';
import { DEFAULT_BUFFER_BYTES, DEFAULT_BUFFER_EVENTS, parseCommandLine, parseSize, parseSpeed, parseTime, UsageError, type Config } from '../../src/config.js';

const NOW = Date.UTC(2026, 10, 21, 12, 0, 0);
function cfg(argv: string[], tty = false, env: Record<string, string> = {}): Config {
  const p = parseCommandLine(argv, { stdoutIsTTY: tty, env, now: NOW });
  if (p.kind !== 'run') throw new Error(`expected a run, got ${p.kind}`);
  return p.config;
}

describe('config', () => {
  it('defaults: follow mode, headless when stdout is not a TTY, alerts, max speed', () => {
    const c = cfg([]);
    expect(c).toMatchObject({ mode: 'follow', paths: [], tui: false, print: 'alerts', speed: 'max', backfill: 1000, bufferEvents: DEFAULT_BUFFER_EVENTS, bufferBytes: DEFAULT_BUFFER_BYTES, fromStart: false });
  });

  it('on a TTY: the screen, replay at 10x, colour', () => {
    const c = cfg(['replay', 'a.log'], true, { LANG: 'en_US.UTF-8' });
    expect(c).toMatchObject({ mode: 'replay', paths: ['a.log'], tui: true, speed: 10, color: true, ascii: false });
  });

  it('--no-tui, --print implies --no-tui, NO_COLOR, non-UTF-8 locale', () => {
    expect(cfg(['--no-tui'], true).tui).toBe(false);
    expect(cfg(['replay', 'a', '--print', 'summary'], true).tui).toBe(false);
    expect(cfg([], true, { NO_COLOR: '1' }).color).toBe(false);
    expect(cfg([], true, { LANG: 'C' }).ascii).toBe(true);
    expect(cfg(['--ascii'], true).ascii).toBe(true);
  });

  it('sizes with k/M/G suffixes are powers of 1024', () => {
    expect(parseSize('x', '256M')).toBe(256 * 1024 * 1024);
    expect(parseSize('x', '1G')).toBe(1024 ** 3);
    expect(parseSize('x', '512k')).toBe(512 * 1024);
    expect(parseSize('x', '64MiB')).toBe(64 * 1024 * 1024);
    expect(parseSize('x', '1000000')).toBe(1_000_000);
    expect(() => parseSize('x', '12Q')).toThrow(UsageError);
    expect(() => parseSize('x', '-5M')).toThrow(UsageError);
    expect(() => cfg(['--buffer-bytes', '100k'])).toThrow(/at least 1M/);
  });

  it('--speed N|max within 0.1..10000', () => {
    expect(parseSpeed('max')).toBe('max');
    expect(parseSpeed('0.1')).toBe(0.1);
    expect(parseSpeed('100x')).toBe(100);
    expect(parseSpeed('10000')).toBe(10000);
    for (const bad of ['0', '0.05', '10001', 'fast', '', '-1']) expect(() => parseSpeed(bad)).toThrow(UsageError);
  });

  it('--since/--until: RFC 3339 or relative (to the log in replay, see test/ingest/replay/config-window.test.ts)', () => {
    expect(parseTime('--since', '-2h', NOW)).toBe(NOW - 2 * 3600_000);
    expect(parseTime('--since', '-30m', NOW)).toBe(NOW - 30 * 60_000);
    expect(parseTime('--since', '2026-11-21T10:00:00Z', NOW)).toBe(Date.UTC(2026, 10, 21, 10));
    expect(parseTime('--since', '2026-11-21T10:00:00.5+01:00', NOW)).toBe(Date.UTC(2026, 10, 21, 9, 0, 0, 500));
    expect(() => parseTime('--since', 'yesterday', NOW)).toThrow(UsageError);
    expect(() => cfg(['replay', 'a', '--since', '-1h', '--until', '-2h'])).toThrow(/after --until/);
    const c = cfg(['replay', 'a', '--since', '-1h']);
    // -1h counts back from the end of the log, known once the files are read
    expect(c.since).toEqual({ kind: 'log', from: 'end', offsetMs: -3600_000 });
    expect(Number.isNaN(c.sinceMs)).toBe(true);
    expect(Number.isNaN(c.untilMs)).toBe(true);
  });

  it('rejects options that do not apply to the mode', () => {
    expect(() => cfg(['--speed', '10'])).toThrow(/applies to replay/);
    expect(() => cfg(['replay', 'a', '--from-start'])).toThrow(/applies to follow/);
    expect(() => cfg(['replay', 'a', '--backfill', '5'])).toThrow(/applies to follow/);
    expect(() => cfg(['--since', '-1h'])).toThrow(/applies to replay/);
    expect(() => cfg(['demo', 'x'])).toThrow(/demo takes no PATH/);
    expect(() => cfg(['-', '-'])).toThrow(/only once/);
  });

  it('--help and --version win over everything else', () => {
    expect(parseCommandLine(['replay', '--help'], { stdoutIsTTY: false, env: {}, now: NOW }).kind).toBe('help');
    expect(parseCommandLine(['--version'], { stdoutIsTTY: false, env: {}, now: NOW }).kind).toBe('version');
  });
});
