import { describe, expect, it } from 'vitest';
import { parseCommandLine, UsageError, type Config } from '../../../src/config.js';

const cenv = { stdoutIsTTY: false, env: {}, now: Date.parse('2026-11-21T12:00:00Z') };
function config(...argv: string[]): Config {
  const r = parseCommandLine(argv, cenv);
  if (r.kind !== 'run') throw new Error(r.kind);
  return r.config;
}

describe('replay options on the command line', () => {
  it('takes --since -2h as written (relative to the end of the log, resolved when the files are known)', () => {
    const c = config('replay', 'logs/', '--since', '-2h', '--until', '+30m');
    expect(c.since).toEqual({ kind: 'log', from: 'end', offsetMs: -7_200_000 });
    expect(c.until).toEqual({ kind: 'log', from: 'start', offsetMs: 1_800_000 });
    expect(Number.isNaN(c.sinceMs)).toBe(true);
  });

  it('resolves absolute and now-relative bounds at once and rejects an empty window', () => {
    const c = config('replay', 'a.log', '--since', '2026-11-20T10:00:00Z', '--until', 'now-1h');
    expect(c.sinceMs).toBe(Date.parse('2026-11-20T10:00:00Z'));
    expect(c.untilMs).toBe(Date.parse('2026-11-21T11:00:00Z'));
    expect(() => config('replay', 'a.log', '--since', '2026-11-21T10:00:00Z', '--until', '2026-11-20T10:00:00Z')).toThrow(UsageError);
  });

  it('explains a bad time or speed in one line', () => {
    expect(() => config('replay', 'a.log', '--since', 'yesterday')).toThrow(/^--since must be an RFC 3339 time .* \(got 'yesterday'\)$/);
    expect(() => config('replay', 'a.log', '--speed', '0')).toThrow(/--speed must be a number from 0.1 to 10000, or max/);
    expect(config('replay', 'a.log', '--speed', 'max').speed).toBe('max');
    expect(config('replay', 'a.log', '--speed', '50').speed).toBe(50);
  });
});
